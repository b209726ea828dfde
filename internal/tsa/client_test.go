package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/signet-project/signet/internal/pki"
)

// checkToken parses a token and checks that it is over digest, signed by
// the test TSA's certificate, which chains to the test root for
// timeStamping.
func checkToken(t *testing.T, tt *testTSA, tok []byte, h crypto.Hash, digest []byte) {
	t.Helper()
	ts, err := timestamp.Parse(tok) // verifies the CMS signature
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	if ts.HashAlgorithm != h || !bytes.Equal(ts.HashedMessage, digest) {
		t.Fatalf("token is for %v %x, want %v %x", ts.HashAlgorithm, ts.HashedMessage, h, digest)
	}
	var leaf *x509.Certificate
	inter := x509.NewCertPool()
	for _, c := range ts.Certificates {
		if c.Equal(tt.cert) {
			leaf = c
		} else {
			inter.AddCert(c)
		}
	}
	if leaf == nil {
		t.Fatal("the token does not carry the TSA certificate")
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: tt.roots(), Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		t.Fatalf("TSA certificate does not chain to the root: %v", err)
	}
}

func digestOf(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}

// rewriteRequest returns a request rewriter applying fn to the parsed
// request.
func rewriteRequest(t *testing.T, fn func(r *timestamp.Request)) func([]byte) []byte {
	return func(der []byte) []byte {
		r, err := timestamp.ParseRequest(der)
		if err != nil {
			t.Errorf("client sent a bad request: %v", err)
			return der
		}
		r.ExtraExtensions = r.Extensions
		fn(r)
		out, err := r.Marshal()
		if err != nil {
			t.Errorf("marshal: %v", err)
			return der
		}
		return out
	}
}

func TestClientStamps(t *testing.T) {
	tt := newTSA(t)
	srv := serve(t, authorityHandler(tt.Authority, nil))
	c := &Client{URLs: []string{srv.URL}}
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		t.Run(h.String(), func(t *testing.T) {
			d := h.New()
			d.Write([]byte("signature bytes"))
			digest := d.Sum(nil)
			tok, url, err := c.Stamp(context.Background(), h, digest)
			if err != nil {
				t.Fatal(err)
			}
			if url != srv.URL {
				t.Errorf("url %q, want %q", url, srv.URL)
			}
			checkToken(t, tt, tok, h, digest)
		})
	}
	// Every request carried a fresh nonce, which the TSA recorded.
	seen := map[string]bool{}
	for _, r := range tt.log.recs {
		if r.Nonce == "" || seen[r.Nonce] {
			t.Errorf("nonce %q missing or repeated", r.Nonce)
		}
		seen[r.Nonce] = true
	}
}

// TestClientFailover: a TSA that is down (refusing connections, or
// answering 503) is retried, then the next one answers.
func TestClientFailover(t *testing.T) {
	tt := newTSA(t)
	closed := serve(t, statusHandler(http.StatusOK))
	closed.Close() // connection refused
	down := serve(t, statusHandler(http.StatusServiceUnavailable))
	good := serve(t, authorityHandler(tt.Authority, nil))
	var s sleeps
	c := &Client{URLs: []string{closed.URL, down.URL, good.URL}, Retries: 2, Backoff: 3 * time.Second, Sleep: s.sleep}
	digest := digestOf("x")
	tok, url, err := c.Stamp(context.Background(), crypto.SHA256, digest)
	if err != nil {
		t.Fatal(err)
	}
	if url != good.URL {
		t.Errorf("answered by %s, want %s", url, good.URL)
	}
	checkToken(t, tt, tok, crypto.SHA256, digest)
	if n := down.hits.Load(); n != 3 {
		t.Errorf("the TSA answering 503 was asked %d times, want 3 (1 + 2 retries)", n)
	}
	if n := good.hits.Load(); n != 1 {
		t.Errorf("the good TSA was asked %d times, want 1", n)
	}
	// Two retries for each failing URL, none before moving on.
	if s.count() != 4 {
		t.Errorf("%d waits %v, want 4", s.count(), s.d)
	}
	for _, d := range s.d {
		if d != 3*time.Second {
			t.Errorf("waited %s, want the configured backoff", d)
		}
	}
}

// flaky answers status for the first n requests, then as the authority.
func flaky(a *Authority, status, n int) func(http.ResponseWriter, []byte) {
	count := 0
	good := authorityHandler(a, nil)
	return func(w http.ResponseWriter, body []byte) {
		count++ // the test server handles one request at a time here
		if count <= n {
			w.WriteHeader(status)
			return
		}
		good(w, body)
	}
}

func TestClientRetries(t *testing.T) {
	tt := newTSA(t)
	for _, tc := range []struct {
		name      string
		status    int // answered first
		failures  int // how many times
		ok        bool
		hits      int
		waits     int
		errSubstr string
	}{
		{name: "503-then-ok", status: 503, failures: 2, ok: true, hits: 3, waits: 2},
		{name: "500-then-ok", status: 500, failures: 1, ok: true, hits: 2, waits: 1},
		{name: "429-then-ok", status: 429, failures: 2, ok: true, hits: 3, waits: 2},
		{name: "502-exhausted", status: 502, failures: 99, hits: 3, waits: 2, errSubstr: "502"},
		{name: "429-exhausted", status: 429, failures: 99, hits: 3, waits: 2, errSubstr: "429"},
		{name: "400-no-retry", status: 400, failures: 99, hits: 1, waits: 0, errSubstr: "400"},
		{name: "403-no-retry", status: 403, failures: 99, hits: 1, waits: 0, errSubstr: "403"},
		{name: "404-no-retry", status: 404, failures: 99, hits: 1, waits: 0, errSubstr: "404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, flaky(tt.Authority, tc.status, tc.failures))
			var s sleeps
			c := &Client{URLs: []string{srv.URL}, Retries: 2, Sleep: s.sleep}
			digest := digestOf(tc.name)
			tok, _, err := c.Stamp(context.Background(), crypto.SHA256, digest)
			switch {
			case tc.ok && err != nil:
				t.Fatal(err)
			case tc.ok:
				checkToken(t, tt, tok, crypto.SHA256, digest)
			case err == nil:
				t.Fatal("no error")
			case !strings.Contains(err.Error(), tc.errSubstr):
				t.Errorf("error %q does not mention %s", err, tc.errSubstr)
			}
			if !tc.ok && tok != nil {
				t.Error("a token with the error")
			}
			if n := srv.hits.Load(); int(n) != tc.hits {
				t.Errorf("%d requests, want %d", n, tc.hits)
			}
			if s.count() != tc.waits {
				t.Errorf("%d waits, want %d", s.count(), tc.waits)
			}
		})
	}
}

// TestClientRefusesBadTokens: an answer that is not a good token for this
// request is refused at once (no retry) and the next TSA asked.
func TestClientRefusesBadTokens(t *testing.T) {
	tt := newTSA(t)
	for _, tc := range []struct {
		name      string
		handler   func(t *testing.T) func(http.ResponseWriter, []byte)
		errSubstr string
	}{
		{"other-digest", func(t *testing.T) func(http.ResponseWriter, []byte) {
			return authorityHandler(tt.Authority, rewriteRequest(t, func(r *timestamp.Request) { r.HashedMessage = digestOf("other") }))
		}, "another digest"},
		{"other-hash", func(t *testing.T) func(http.ResponseWriter, []byte) {
			return authorityHandler(tt.Authority, rewriteRequest(t, func(r *timestamp.Request) {
				d := sha512.Sum384([]byte("x"))
				r.HashAlgorithm, r.HashedMessage = crypto.SHA384, d[:]
			}))
		}, "another digest"},
		{"no-nonce", func(t *testing.T) func(http.ResponseWriter, []byte) {
			return authorityHandler(tt.Authority, rewriteRequest(t, func(r *timestamp.Request) { r.Nonce = nil }))
		}, "nonce"},
		{"other-nonce", func(t *testing.T) func(http.ResponseWriter, []byte) {
			return authorityHandler(tt.Authority, rewriteRequest(t, func(r *timestamp.Request) { r.Nonce = new(big.Int).Add(r.Nonce, big.NewInt(1)) }))
		}, "nonce"},
		{"no-certificate", func(t *testing.T) func(http.ResponseWriter, []byte) {
			return authorityHandler(tt.Authority, rewriteRequest(t, func(r *timestamp.Request) { r.Certificates = false }))
		}, "no TSA certificate"},
		{"rejection-with-200", func(*testing.T) func(http.ResponseWriter, []byte) {
			return func(w http.ResponseWriter, _ []byte) { _, _ = w.Write(Rejection(timestamp.SystemFailure)) }
		}, "rejected"},
		{"garbage-200", func(*testing.T) func(http.ResponseWriter, []byte) {
			return func(w http.ResponseWriter, _ []byte) { _, _ = w.Write([]byte("<html>hello</html>")) }
		}, "bad response"},
		{"huge-200", func(*testing.T) func(http.ResponseWriter, []byte) {
			return func(w http.ResponseWriter, _ []byte) { _, _ = w.Write(make([]byte, MaxResponse+1)) }
		}, "too large"},
		{"tampered-token", func(*testing.T) func(http.ResponseWriter, []byte) {
			good := authorityHandler(tt.Authority, nil)
			return func(w http.ResponseWriter, body []byte) {
				rec := &bufferWriter{header: http.Header{}}
				good(rec, body)
				b := rec.buf.Bytes()
				b[len(b)-5] ^= 0xff // inside the signature
				_, _ = w.Write(b)
			}
		}, "bad response"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := serve(t, tc.handler(t))
			var s sleeps
			c := &Client{URLs: []string{bad.URL}, Retries: 3, Sleep: s.sleep}
			digest := digestOf("x")
			tok, _, err := c.Stamp(context.Background(), crypto.SHA256, digest)
			if err == nil || tok != nil {
				t.Fatalf("accepted: %v", err)
			}
			if !strings.Contains(err.Error(), tc.errSubstr) {
				t.Errorf("error %q does not mention %q", err, tc.errSubstr)
			}
			if n := bad.hits.Load(); n != 1 || s.count() != 0 {
				t.Errorf("%d requests and %d waits, want 1 and 0: a bad token is not retried", n, s.count())
			}
			// With a good TSA after it, the good one's token is used.
			good := serve(t, authorityHandler(tt.Authority, nil))
			c.URLs = []string{bad.URL, good.URL}
			tok, url, err := c.Stamp(context.Background(), crypto.SHA256, digest)
			if err != nil || url != good.URL {
				t.Fatalf("failover: %q, %v", url, err)
			}
			checkToken(t, tt, tok, crypto.SHA256, digest)
		})
	}
}

type bufferWriter struct {
	header http.Header
	buf    bytes.Buffer
}

func (b *bufferWriter) Header() http.Header         { return b.header }
func (b *bufferWriter) Write(p []byte) (int, error) { return b.buf.Write(p) }
func (b *bufferWriter) WriteHeader(int)             {}

// TestClientContext: a cancelled context ends the retries at once.
func TestClientContext(t *testing.T) {
	down := serve(t, statusHandler(http.StatusServiceUnavailable))
	other := serve(t, statusHandler(http.StatusServiceUnavailable))
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{URLs: []string{down.URL, other.URL}, Retries: 5, Sleep: func(ctx context.Context, _ time.Duration) error {
		cancel()
		return ctx.Err()
	}}
	if _, _, err := c.Stamp(ctx, crypto.SHA256, digestOf("x")); err == nil {
		t.Fatal("no error")
	}
	if down.hits.Load() != 1 || other.hits.Load() != 0 {
		t.Errorf("%d and %d requests after cancelling, want 1 and 0", down.hits.Load(), other.hits.Load())
	}
	// The real sleep also ends with the context.
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := (&Client{Backoff: time.Hour}).sleep(ctx, time.Hour); err == nil || time.Since(start) > time.Minute {
		t.Errorf("sleep on a cancelled context: %v after %s", err, time.Since(start))
	}
}

func TestClientNoURLs(t *testing.T) {
	if _, _, err := (&Client{}).Stamp(context.Background(), crypto.SHA256, digestOf("x")); err == nil {
		t.Fatal("no error without URLs")
	}
}

// TestStamper: the signing API's stamper uses the external TSAs when they
// are configured, else Signet's own, and names the one that answered.
func TestStamper(t *testing.T) {
	tt := newTSA(t)
	digest := digestOf("sig")
	s := &Stamper{Internal: tt.Authority, InternalURL: func() string { return "https://signet.example/tsa" }}
	tok, url, err := s.Stamp(context.Background(), crypto.SHA256, digest)
	if err != nil || url != "https://signet.example/tsa" {
		t.Fatalf("internal: %q, %v", url, err)
	}
	checkToken(t, tt, tok, crypto.SHA256, digest)
	if r := tt.log.recs[len(tt.log.recs)-1]; r.Source != "sign" {
		t.Errorf("recorded source %q, want sign", r.Source)
	}

	ext := newTSA(t)
	srv := serve(t, authorityHandler(ext.Authority, nil))
	s.External = &Client{URLs: []string{srv.URL}}
	n := tt.log.len()
	tok, url, err = s.Stamp(context.Background(), crypto.SHA256, digest)
	if err != nil || url != srv.URL {
		t.Fatalf("external: %q, %v", url, err)
	}
	checkToken(t, ext, tok, crypto.SHA256, digest)
	if tt.log.len() != n {
		t.Error("the internal TSA was used although external TSAs are configured")
	}
	if _, _, err := (&Stamper{}).Stamp(context.Background(), crypto.SHA256, digest); err == nil {
		t.Error("a stamper without a TSA answered")
	}
}

// TestClientRefusesNonTSACertificate: a token signed with a certificate
// without the timeStamping EKU (here a TLS server certificate) is refused.
func TestClientRefusesNonTSACertificate(t *testing.T) {
	tt := newTSA(t)
	key := newKey(t)
	cert, err := tt.inter.Issue(pki.ServerTemplate([]string{"tsa.example"}, 6*time.Hour), key.Public(), time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	chain := tt.inter.IssuerChain()
	tt.Authority.Identity = func(context.Context) (*x509.Certificate, []*x509.Certificate, crypto.Signer, error) {
		return cert, chain, key, nil
	}
	srv := serve(t, authorityHandler(tt.Authority, nil))
	c := &Client{URLs: []string{srv.URL}}
	_, _, err = c.Stamp(context.Background(), crypto.SHA256, digestOf("x"))
	if err == nil || !strings.Contains(err.Error(), "not for time-stamping") {
		t.Fatalf("a token signed by a TLS server certificate: %v", err)
	}
}

// TestClientRoots: with trust anchors set, a token counts only if its TSA's
// certificate chains to one of them.
func TestClientRoots(t *testing.T) {
	tt := newTSA(t)
	srv := serve(t, authorityHandler(tt.Authority, nil))
	digest := digestOf("signature bytes")
	c := &Client{URLs: []string{srv.URL}, Roots: tt.roots()}
	if _, _, err := c.Stamp(context.Background(), crypto.SHA256, digest); err != nil {
		t.Fatalf("TSA under the configured root: %v", err)
	}
	c.Roots = newTSA(t).roots() // another hierarchy
	if _, _, err := c.Stamp(context.Background(), crypto.SHA256, digest); err == nil || !strings.Contains(err.Error(), "timestamp_roots") {
		t.Fatalf("TSA under another root: %v", err)
	}
}

// TestClientRefusesStaleTime: a token stamped far from now (a TSA with a
// wrong clock, or a backdated token) is refused.
func TestClientRefusesStaleTime(t *testing.T) {
	tt := newTSA(t)
	tt.Authority.Now = func() time.Time { return time.Now().Add(-time.Hour) }
	srv := serve(t, authorityHandler(tt.Authority, nil))
	c := &Client{URLs: []string{srv.URL}, Roots: tt.roots()}
	if _, _, err := c.Stamp(context.Background(), crypto.SHA256, digestOf("x")); err == nil || !strings.Contains(err.Error(), "from now") {
		t.Fatalf("token an hour old: %v", err)
	}
}
