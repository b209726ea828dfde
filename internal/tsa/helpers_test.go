package tsa

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/pki"
)

// memLog is a Store keeping records in memory.
type memLog struct {
	mu   sync.Mutex
	recs []*Record
	fail error
}

func (m *memLog) LogTimestamp(_ context.Context, r *Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.recs = append(m.recs, r)
	return nil
}

func (m *memLog) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.recs)
}

// discardLog records nothing.
type discardLog struct{}

func (discardLog) LogTimestamp(context.Context, *Record) error { return nil }

// testTSA is a real Authority under a root and an intermediate.
type testTSA struct {
	*Authority
	root, inter *pki.CA
	cert        *x509.Certificate
	log         *memLog
}

func newKey(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newTSA makes a root, an issuing CA and a TSA certificate (critical EKU
// timeStamping), and an Authority signing with it.
func newTSA(t testing.TB) *testTSA {
	t.Helper()
	now := time.Now()
	root, err := pki.NewRoot(pkix.Name{CommonName: "tsa test root"}, newKey(t), 24*time.Hour, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.NewIntermediate(pkix.Name{CommonName: "tsa test issuing"}, newKey(t), 12*time.Hour, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	key := newKey(t)
	cert, err := inter.Issue(pki.TimeStampingTemplate(pkix.Name{CommonName: "tsa test"}, 6*time.Hour), key.Public(), now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tt := &testTSA{root: root, inter: inter, cert: cert, log: &memLog{}}
	chain := inter.IssuerChain()
	tt.Authority = &Authority{
		Identity: func(context.Context) (*x509.Certificate, []*x509.Certificate, crypto.Signer, error) {
			return cert, chain, key, nil
		},
		Log:    tt.log,
		Logger: slog.New(slog.DiscardHandler),
	}
	return tt
}

// roots is a pool holding the test root.
func (tt *testTSA) roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(tt.root.Cert)
	return p
}

// tsaServer serves a handler and counts the requests it gets.
type tsaServer struct {
	*httptest.Server
	hits atomic.Int32
}

// serve answers time-stamp queries like signetd's /tsa: the request body
// is passed to rewrite (which may alter it) and then to the Authority;
// reply may replace the Authority's answer and status.
func serve(t testing.TB, h func(w http.ResponseWriter, body []byte)) *tsaServer {
	t.Helper()
	s := &tsaServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.Header.Get("Content-Type") != "application/timestamp-query" {
			w.WriteHeader(http.StatusUnsupportedMediaType)
			return
		}
		h(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

// authorityHandler answers with a's reply to the (possibly rewritten)
// request.
func authorityHandler(a *Authority, rewrite func(der []byte) []byte) func(http.ResponseWriter, []byte) {
	return func(w http.ResponseWriter, body []byte) {
		if rewrite != nil {
			body = rewrite(body)
		}
		resp, status := a.Respond(context.Background(), body, "127.0.0.1")
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.WriteHeader(status)
		_, _ = w.Write(resp)
	}
}

// statusHandler answers every request with status and no body.
func statusHandler(status int) func(http.ResponseWriter, []byte) {
	return func(w http.ResponseWriter, _ []byte) { w.WriteHeader(status) }
}

// sleeps records the waits a Client asks for without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.d)
}

var errStoreDown = errors.New("store down")
