package clienttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/signet-project/signet/internal/client"
	"github.com/signet-project/signet/internal/sigalg"
)

// Server is a fake Signet API over mutual TLS. It implements GET /api/v1/me,
// GET /api/v1/keypairs (paged), GET /api/v1/keypairs/{ref} and POST
// /api/v1/keypairs/{ref}/sign, signing with real keys. Like signetd it asks
// for the API key everywhere and the client certificate to sign.
type Server struct {
	*httptest.Server
	PKI    *PKI
	APIKey string

	// PageSize caps the keypairs of one page (default 1000).
	PageSize int

	mu       sync.Mutex
	keys     []*Key
	requests []Request
}

// Key is a keypair of the fake server with its private key.
type Key struct {
	Keypair client.Keypair
	Signer  crypto.Signer
}

// Request records one request the server answered.
type Request struct {
	Method, Path string
	Proto        int    // major HTTP version
	RemoteAddr   string // tells connections apart
	ClientCert   bool   // a verified client certificate was presented
	Resumed      bool   // the TLS session was resumed
	Sign         *client.SignRequest
}

// NewServer starts a server with a fresh PKI; it stops with the test.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{PKI: NewPKI(t), APIKey: "test-api-key-0123456789"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/me", s.auth(s.me))
	mux.HandleFunc("GET /api/v1/keypairs", s.auth(s.list))
	mux.HandleFunc("GET /api/v1/keypairs/{ref}", s.auth(s.get))
	mux.HandleFunc("POST /api/v1/keypairs/{ref}/sign", s.auth(s.sign))
	s.Server = httptest.NewUnstartedServer(mux)
	s.EnableHTTP2 = true
	pool := x509.NewCertPool()
	pool.AddCert(s.PKI.Root)
	s.TLS = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: s.PKI.ServerCertDER, PrivateKey: s.PKI.ServerKey}},
		ClientAuth:   tls.VerifyClientCertIfGiven, ClientCAs: pool,
	}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// Config returns client settings that reach the server with both factors.
func (s *Server) Config() client.Config {
	return client.Config{Host: s.URL, APIKey: s.APIKey, ClientCertFile: s.PKI.ClientP12File,
		ClientCertPassword: s.PKI.ClientP12Password, CAFile: s.PKI.CAFile}
}

// Env returns Config as SIGNET_* environment variables.
func (s *Server) Env() map[string]string {
	c := s.Config()
	return map[string]string{"SIGNET_HOST": c.Host, "SIGNET_API_KEY": c.APIKey, "SIGNET_CLIENT_CERT_FILE": c.ClientCertFile,
		"SIGNET_CLIENT_CERT_PASSWORD": c.ClientCertPassword, "SIGNET_CA_FILE": c.CAFile}
}

// AddKey adds an active keypair signing with k; with cert, it also gets a
// code-signing certificate and chain from the PKI. It returns the keypair.
func (s *Server) AddKey(t testing.TB, alias string, k crypto.Signer, cert bool) client.Keypair {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	id := fmt.Sprintf("0190a1b2-c3d4-7e5f-8a9b-%012x", len(s.keys)+1)
	kp := client.Keypair{ID: id, Alias: alias, Type: "static", Category: "test", Storage: "disk", Status: "online",
		Access: "open", State: "active", Generation: 1, Algorithm: algorithmOf(k.Public())}
	s.keys = append(s.keys, &Key{Keypair: kp, Signer: k})
	s.setKeyLocked(t, len(s.keys)-1, k, cert)
	return s.keys[len(s.keys)-1].Keypair
}

// Rotate replaces the key of alias (a dynamic key's new generation).
func (s *Server) Rotate(t testing.TB, alias string, k crypto.Signer) client.Keypair {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, key := range s.keys {
		if key.Keypair.Alias == alias {
			key.Keypair.Generation++
			s.setKeyLocked(t, i, k, key.Keypair.CertificatePEM != "")
			return key.Keypair
		}
	}
	t.Fatalf("clienttest: no keypair %q", alias)
	return client.Keypair{}
}

// SetState changes the state of alias (active, suspended, destroyed).
func (s *Server) SetState(alias, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range s.keys {
		if key.Keypair.Alias == alias {
			key.Keypair.State = state
		}
	}
}

func (s *Server) setKeyLocked(t testing.TB, i int, k crypto.Signer, cert bool) {
	key := s.keys[i]
	spki, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	key.Signer = k
	key.Keypair.PublicKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}))
	key.Keypair.CertificatePEM, key.Keypair.ChainPEM = "", ""
	if cert {
		c, chain := s.PKI.IssueCodeSigning(t, key.Keypair.Alias, k.Public())
		key.Keypair.CertificatePEM = string(pemCert(c))
		for _, ca := range chain {
			key.Keypair.ChainPEM += string(pemCert(ca))
		}
	}
}

// Requests returns the requests answered so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Signs returns the sign requests answered so far.
func (s *Server) Signs() []client.SignRequest {
	var out []client.SignRequest
	for _, r := range s.Requests() {
		if r.Sign != nil {
			out = append(out, *r.Sign)
		}
	}
	return out
}

func algorithmOf(pub crypto.PublicKey) client.Algorithm {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		return client.Algorithm{Type: "rsa", Bits: p.N.BitLen()}
	case *ecdsa.PublicKey:
		return client.Algorithm{Type: "ecdsa", Curve: p.Curve.Params().Name}
	case ed25519.PublicKey:
		return client.Algorithm{Type: "eddsa", Curve: "Ed25519"}
	}
	return client.Algorithm{}
}

type handler func(w http.ResponseWriter, r *http.Request, rec *Request)

// auth checks the API key, records the request and calls h.
func (s *Server) auth(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := Request{Method: r.Method, Path: r.URL.Path, Proto: r.ProtoMajor, RemoteAddr: r.RemoteAddr,
			ClientCert: r.TLS != nil && len(r.TLS.VerifiedChains) > 0, Resumed: r.TLS != nil && r.TLS.DidResume}
		defer func() {
			s.mu.Lock()
			s.requests = append(s.requests, rec)
			s.mu.Unlock()
		}()
		if r.Header.Get("x-api-key") != s.APIKey {
			writeError(w, http.StatusUnauthorized, "bad_api_key", "missing or unknown API key")
			return
		}
		h(w, r, &rec)
	}
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, rec *Request) {
	writeJSON(w, http.StatusOK, client.Me{User: client.User{ID: "u1", Name: "tester", Roles: []string{"lead"}},
		Permissions: []string{"sign"}, SecondFactor: rec.ClientCert})
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, _ *Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if s.PageSize > 0 && (limit == 0 || limit > s.PageSize) {
		limit = s.PageSize
	}
	after := r.URL.Query().Get("after")
	state := r.URL.Query().Get("state")
	out := struct {
		Keypairs []client.Keypair `json:"keypairs"`
		Next     string           `json:"next"`
	}{Keypairs: []client.Keypair{}}
	for _, k := range s.keys {
		if (after != "" && k.Keypair.ID <= after) || (state != "" && k.Keypair.State != state) {
			continue
		}
		out.Keypairs = append(out.Keypairs, k.Keypair)
		if limit > 0 && len(out.Keypairs) == limit {
			out.Next = k.Keypair.ID
			break
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) find(ref string) *Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		if k.Keypair.ID == ref || k.Keypair.Alias == ref {
			return k
		}
	}
	return nil
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, _ *Request) {
	k := s.find(r.PathValue("ref"))
	if k == nil {
		writeError(w, http.StatusNotFound, "keypair_not_found", "no such keypair")
		return
	}
	s.mu.Lock()
	kp := k.Keypair
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, kp)
}

func (s *Server) sign(w http.ResponseWriter, r *http.Request, rec *Request) {
	var req client.SignRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_json", err.Error())
		return
	}
	rec.Sign = &req
	if !rec.ClientCert {
		writeError(w, http.StatusForbidden, "client_certificate_required", "signing needs the client certificate")
		return
	}
	k := s.find(r.PathValue("ref"))
	if k == nil {
		writeError(w, http.StatusNotFound, "keypair_not_found", "no such keypair")
		return
	}
	s.mu.Lock()
	kp, signer := k.Keypair, k.Signer
	s.mu.Unlock()
	if kp.State != "active" {
		writeError(w, http.StatusForbidden, "keypair_suspended", "keypair is "+kp.State)
		return
	}
	alg, err := sigalg.Parse(req.SigAlg)
	if err == nil && string(alg.Key) != kp.Algorithm.Type {
		err = fmt.Errorf("%s does not fit a %s key", alg.Name, kp.Algorithm.Type)
	}
	if err == nil {
		err = alg.CheckInput(req.Hash)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	sig, err := signer.Sign(rand.Reader, req.Hash, alg.SignerOpts())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, client.SignResponse{Signature: sig, SignatureID: fmt.Sprintf("sig-%d", len(s.Requests())),
		KeypairID: kp.ID, Alias: kp.Alias, Generation: kp.Generation, SigAlg: alg.Name})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"code": code, "message": msg})
}
