package bench

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"log"
	"net/http"
	"time"

	"github.com/signet-project/signet/internal/sigalg"
)

// Bare is the bare baseline: a handler that decodes the signing request,
// signs the digest with an in-memory key and answers the signature. No
// authentication, no store, no log: what is left is TLS, HTTP, JSON and the
// signature itself.
type Bare struct {
	signers map[string]crypto.Signer // by alias (the Alg name)
}

// NewBare makes one key per algorithm, through the disk backend's signer
// as signetd does.
func NewBare(ctx context.Context, algs []Alg) (*Bare, error) {
	b := &Bare{signers: map[string]crypto.Signer{}}
	for _, a := range algs {
		s, err := NewSigner(ctx, a)
		if err != nil {
			return nil, err
		}
		b.signers[a.Name] = s
	}
	return b, nil
}

// Handler serves POST /api/v1/keypairs/{alias}/sign and, so that the load
// generator can check signatures, GET /api/v1/keypairs/{alias} with the
// public key as signetd's describe shows it.
func (b *Bare) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/keypairs/{ref}/sign", b.sign)
	mux.HandleFunc("GET /api/v1/keypairs/{ref}", b.describe)
	return mux
}

func (b *Bare) sign(w http.ResponseWriter, r *http.Request) {
	s, ok := b.signers[r.PathValue("ref")]
	if !ok {
		http.Error(w, "no such keypair", http.StatusNotFound)
		return
	}
	var req struct {
		SigAlg string `json:"sig_alg"`
		Hash   []byte `json:"hash"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		http.Error(w, "bad JSON", http.StatusBadRequest)
		return
	}
	alg, err := sigalg.Parse(req.SigAlg)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	sig, err := s.Sign(nil, req.Hash, alg.SignerOpts())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, struct {
		Signature []byte `json:"signature"`
	}{sig})
}

func (b *Bare) describe(w http.ResponseWriter, r *http.Request) {
	s, ok := b.signers[r.PathValue("ref")]
	if !ok {
		http.Error(w, "no such keypair", http.StatusNotFound)
		return
	}
	der, err := x509.MarshalPKIXPublicKey(s.Public())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]string{"alias": r.PathValue("ref"),
		"public_key_pem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// BareServer returns an HTTPS server for h with the TLS settings and
// timeouts of signetd (internal/server): TLS 1.3, h2 and http/1.1, client
// certificates verified when given. Serve it with ServeTLS(ln, "", "").
func BareServer(h http.Handler, cert tls.Certificate, clientCAs *x509.CertPool) *http.Server {
	return &http.Server{
		Handler: h,
		TLSConfig: &tls.Config{
			MinVersion:   tls.VersionTLS13,
			Certificates: []tls.Certificate{cert},
			NextProtos:   []string{"h2", "http/1.1"},
			ClientCAs:    clientCAs,
			ClientAuth:   tls.VerifyClientCertIfGiven,
		},
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(log.Writer(), "bare: ", log.LstdFlags),
	}
}
