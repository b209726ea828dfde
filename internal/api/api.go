// Package api is the REST API: one route table (routes.go), one handler file
// per resource, errors rendered from the status they carry (render.go), and
// an OpenAPI document generated from the route table (openapi.go).
package api

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/release"
	"github.com/signet-project/signet/internal/request"
	"github.com/signet-project/signet/internal/siglog"
	"github.com/signet-project/signet/internal/signing"
	"github.com/signet-project/signet/internal/tsa"
)

// DefaultMaxBody is the default limit on request bodies.
const DefaultMaxBody = 1 << 20

// LogStore reads the signature and audit logs.
type LogStore interface {
	audit.Store
	siglog.Store
}

// Deps are what the API needs; all are required but Ready and Metrics.
type Deps struct {
	Log      *slog.Logger
	Auth     *auth.Authenticator
	Keypairs *keypair.Service
	Signing  *signing.Service
	Releases *release.Service
	Logs     LogStore
	Guard    *guard.Guard
	// Identity manages users, groups, teams, roles, settings, credentials
	// and web sign-in.
	Identity *auth.Service
	// CA is the private CA: certificates, profiles, CRLs, OCSP.
	CA *ca.Service
	// TSA is the RFC 3161 time-stamping authority.
	TSA *tsa.Authority
	// Ready reports each dependency's health for /readyz; nil values are healthy.
	Ready   func(ctx context.Context) map[string]error
	Metrics *Metrics
	MaxBody int64
	// ClientCAs are the CAs client certificates must chain to (the TLS
	// configuration's); nil: no client certificates are asked for.
	ClientCAs *x509.CertPool
}

// API serves the REST API.
type API struct {
	Deps
	log *slog.Logger

	chained  sync.Map // [32]byte SHA-256 of a client certificate whose chain verified
	nChained atomic.Int64
}

// New returns the API.
func New(d Deps) *API {
	if d.MaxBody == 0 {
		d.MaxBody = DefaultMaxBody
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &API{Deps: d, log: d.Log}
}

// handlerFunc handles a request; p is the authenticated principal on routes
// that need authentication and zero elsewhere.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p policy.Principal) error

// Handler returns the http.Handler serving every route.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	paths := map[string]bool{}
	var ocspGet http.Handler
	for _, rt := range a.Routes() {
		h := a.wrap(rt)
		mux.Handle(rt.Method+" "+rt.Path, h)
		paths[rt.Path] = true
		if rt.Name == "ocspGet" {
			ocspGet = h
		}
	}
	// Same path, other method: a JSON 405 rather than the mux's plain text.
	for p := range paths {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			renderJSON(w, http.StatusMethodNotAllowed, ErrorBody{Code: "method_not_allowed",
				Message: fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path)})
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		renderJSON(w, http.StatusNotFound, ErrorBody{Code: "not_found", Message: "no such endpoint: " + r.URL.Path})
	})
	return a.recoverer(a.meta(rawOCSP(mux, ocspGet)))
}

// wrap authenticates (where the route needs it), runs the handler and
// renders its error.
func (a *API) wrap(rt Route) http.Handler {
	params := pathParams(rt.Path)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		var p policy.Principal
		var err error
		if rt.Auth {
			if peer, perr := a.peerCert(r); perr != nil {
				err = a.refusedCert(r, perr)
			} else {
				p, _, err = a.Auth.AuthenticateRequest(r, peer)
			}
			if err == nil {
				r = r.WithContext(request.WithPrincipal(r.Context(), p))
			}
		}
		if err == nil {
			err = checkQuery(rt, r.URL.Query())
		}
		if err == nil {
			err = checkText(r, params)
		}
		if err == nil {
			err = rt.handle(sw, r, p)
		}
		if err != nil {
			a.renderError(sw, r, err)
		}
		if a.Metrics != nil {
			a.Metrics.observeRequest(rt.Name, sw.status, time.Since(start))
		}
		a.log.Debug("request", "request_id", request.MetaFrom(r.Context()).ID, "route", rt.Name,
			"status", sw.status, "user", p.Name, "duration", time.Since(start))
	})
}

// peerCert is the client certificate the TLS handshake proved the client
// holds the key of (see the server's tls.RequestClientCert). Its chain must
// lead to a client CA the server trusts now, its validity dates aside:
// whether Signet issued it, to whom, and whether it has expired or been
// revoked, the authenticator decides from the store, with clear errors.
func (a *API) peerCert(r *http.Request) (*x509.Certificate, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, nil
	}
	certs := r.TLS.PeerCertificates
	leaf := certs[0]
	if a.ClientCAs == nil {
		return leaf, nil
	}
	fp := sha256.Sum256(leaf.Raw)
	if _, ok := a.chained.Load(fp); ok {
		return leaf, nil
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: a.ClientCAs, Intermediates: inter, CurrentTime: leaf.NotAfter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return nil, errs.Unauthorized("client_certificate_unknown", "the client certificate was not issued by a client CA this server trusts")
	}
	// Remembered for the next requests (the pool does not change while
	// the server runs); a bounded set, emptied when full.
	if a.nChained.Add(1) > maxChained {
		a.chained.Clear()
		a.nChained.Store(1)
	}
	a.chained.Store(fp, struct{}{})
	return leaf, nil
}

// refusedCert audits a client certificate refused for its chain against
// the token's user, as the authenticator audits the others it refuses,
// and returns the refusal.
func (a *API) refusedCert(r *http.Request, refusal error) error {
	p, tok, err := a.Auth.AuthenticateRequest(r, nil)
	if err != nil {
		return err // no valid token: nothing to name
	}
	return a.Guard.Deny(r.Context(), p, guard.Target{Type: "Token", Action: "Authenticate", ID: tok.ID, Name: tok.Prefix}, errs.As(refusal))
}

// maxChained bounds the client certificates whose chain is remembered.
const maxChained = 4096

// meta records the request id and client address in the context.
func (a *API) meta(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		id := uuid.Must(uuid.NewV7()).String()
		w.Header().Set("X-Request-Id", id)
		ctx := request.WithMeta(r.Context(), request.Meta{ID: id, ClientIP: host, UserAgent: r.UserAgent()})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// recoverer turns a panic into a logged 500, never a dropped connection.
func (a *API) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.log.Error("panic in handler", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				renderJSON(w, http.StatusInternalServerError, ErrorBody{Code: "internal", Message: "internal error"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
