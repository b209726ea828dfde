// Package agent is the signet agent: a process of the user's that holds the
// credentials and one kept connection to the server, and relays the PKCS#11
// module's requests to it from a Unix socket only the user can reach. A
// signing tool that starts once per file (osslsigncode, jarsigner) then
// pays neither the PKCS#12 decoding nor the TLS handshake; its process
// never sees the credentials.
//
// The agent relays only what the module asks: the list of keypairs and the
// signing of a digest, each request rebuilt from its parts. It keeps the
// list for a few seconds (as the module does in its cache file) and
// forgets it when the server refuses a signature or the module asks (POST
// /agent/v1/forget: a signature that did not verify under the key shown),
// so a rotated or suspended keypair shows at the next listing.
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/signet-project/signet/internal/client"
	"github.com/signet-project/signet/internal/label"
)

// DefaultTTL is how long a keypair list is reused: the module's own.
const DefaultTTL = 5 * time.Second

// maxBody bounds a relayed request: a digest, or a short message for EdDSA.
const maxBody = 1 << 20

// maxLists bounds the listings kept (one per query).
const maxLists = 64

// Upstream is the server, as the agent reaches it.
type Upstream interface {
	Relay(ctx context.Context, method, pathQuery, contentType string, body []byte, userAgent string) (client.Answer, error)
}

// Server answers the module's requests on the socket.
type Server struct {
	up  Upstream
	log *slog.Logger
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	lists map[string]listEntry // by query
	epoch uint64               // bumped by forget: a listing begun before is not kept
}

type listEntry struct {
	at  time.Time
	ans client.Answer
}

// New returns the agent relaying to up, keeping keypair lists for ttl
// (0: never).
func New(up Upstream, log *slog.Logger, ttl time.Duration) *Server {
	return &Server{up: up, log: log, ttl: ttl, now: time.Now, lists: map[string]listEntry{}}
}

// Handler returns the agent's HTTP handler: the one route table.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/keypairs", s.list)
	mux.HandleFunc("POST /api/v1/keypairs/{ref}/sign", s.sign)
	mux.HandleFunc("POST /agent/v1/forget", func(w http.ResponseWriter, _ *http.Request) {
		s.forget()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, "agent_forbidden",
			"the signet agent relays only listing keypairs and signing; use signet with your credentials for "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// listQuery are the query parameters a listing may have (those of
// client.ListKeypairs); the query is rebuilt from them.
var listQuery = []string{"alias", "state", "storage", "status", "category", "type", "limit", "after"}

// list relays a keypair listing, answering from the kept list while it is
// fresh.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if !slices.Contains(listQuery, k) || len(v) != 1 {
			writeError(w, http.StatusBadRequest, "agent_bad_query", "the agent relays listings with one each of "+strings.Join(listQuery, ", ")+"; got "+k)
			return
		}
		q.Set(k, v[0])
	}
	key := "/api/v1/keypairs"
	if len(q) > 0 {
		key += "?" + q.Encode()
	}
	s.mu.Lock()
	e, ok := s.lists[key]
	epoch := s.epoch
	s.mu.Unlock()
	if ok && s.now().Sub(e.at) < s.ttl {
		writeAnswer(w, e.ans)
		return
	}
	ans, ok := s.relay(w, r, key, nil)
	if !ok {
		return
	}
	if s.ttl > 0 && ans.Status == http.StatusOK && cacheable(ans.Body) {
		s.mu.Lock()
		if s.epoch == epoch { // not forgotten meanwhile
			if len(s.lists) >= maxLists {
				clear(s.lists) // a few listings are kept; more are callers' own queries
			}
			s.lists[key] = listEntry{at: s.now(), ans: ans}
		}
		s.mu.Unlock()
	}
	writeAnswer(w, ans)
}

// cacheable reports whether a list may be reused: not when a keypair's key
// changes with every signature.
func cacheable(body []byte) bool {
	var page struct {
		Keypairs []client.Keypair `json:"keypairs"`
	}
	if json.Unmarshal(body, &page) != nil {
		return false
	}
	return !slices.ContainsFunc(page.Keypairs, func(kp client.Keypair) bool { return kp.RotatePerSignature })
}

// sign relays a signing request (the path rebuilt, no query); a refusal
// drops the kept lists.
func (s *Server) sign(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("ref")
	if ref == "" || ref == "." || ref == ".." || strings.ContainsAny(ref, "/\\") {
		writeError(w, http.StatusBadRequest, "agent_bad_ref", "not a keypair id or alias: "+strconv.Quote(ref))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", "a signing request is at most 1 MiB")
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "bad_body", "reading the request: "+err.Error())
		return
	}
	ans, ok := s.relay(w, r, "/api/v1/keypairs/"+url.PathEscape(ref)+"/sign", body)
	if !ok {
		return
	}
	if ans.Status/100 != 2 {
		s.forget()
	}
	writeAnswer(w, ans)
}

func (s *Server) forget() {
	s.mu.Lock()
	clear(s.lists)
	s.epoch++
	s.mu.Unlock()
}

// relay sends r upstream to pathQuery (escaped); a failure to reach the
// server is answered here (502) and reported by ok false.
func (s *Server) relay(w http.ResponseWriter, r *http.Request, pathQuery string, body []byte) (client.Answer, bool) {
	ans, err := s.up.Relay(r.Context(), r.Method, pathQuery, r.Header.Get("Content-Type"), body, label.Clean(r.Header.Get("User-Agent"), label.MaxTool))
	if err != nil {
		s.log.Warn("relay failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusBadGateway, "agent_upstream", "the signet agent could not reach the server: "+err.Error())
		return ans, false
	}
	s.log.Debug("relayed", "method", r.Method, "path", r.URL.Path, "status", ans.Status)
	return ans, true
}

func writeAnswer(w http.ResponseWriter, a client.Answer) {
	if a.ContentType != "" {
		w.Header().Set("Content-Type", a.ContentType)
	}
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": code, "message": msg})
}
