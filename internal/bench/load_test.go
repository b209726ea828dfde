package bench

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/server/servertest"
)

// checkResult asserts what a smoke run may: requests succeeded and their
// signatures verified. No timing is asserted.
func checkResult(t *testing.T, r Result) {
	t.Helper()
	if r.OK == 0 || r.Verified == 0 || r.ErrorCount() != 0 {
		t.Fatalf("ok %d, verified %d, errors %v", r.OK, r.Verified, r.Errors)
	}
	if r.P50 <= 0 || r.P99 < r.P50 || r.Max < r.P99 {
		t.Fatalf("percentiles out of order: p50 %v p99 %v max %v", r.P50, r.P99, r.Max)
	}
}

func TestLoadSignetd(t *testing.T) {
	env := servertest.Start(t)
	tc := &tls.Config{RootCAs: env.Roots, Certificates: []tls.Certificate{env.Lead.Cert}}
	target := Target{Name: "signetd", URL: env.URL, APIKey: env.Lead.Token, TLS: tc}
	ctx := context.Background()
	for _, a := range Algs[:1] {
		alias, err := target.CreateKeypair(ctx, a, "")
		if err != nil {
			t.Fatal(err)
		}
		pub, err := target.PublicKey(ctx, alias)
		if err != nil {
			t.Fatal(err)
		}
		var release string
		for _, h2 := range []bool{false, true} {
			if h2 { // the second run signs inside a release, reserving budget
				if release, err = target.CreateRelease(ctx, alias, 1000000); err != nil {
					t.Fatal(err)
				}
			}
			l := Load{Target: target, Alias: alias, SigAlg: a.SigAlg, Public: pub, Clients: 2,
				Warmup: 100 * time.Millisecond, Duration: 300 * time.Millisecond, HTTP2: h2, VerifyEvery: 1}
			r, err := l.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, r)
		}
		if err := target.CloseRelease(ctx, release); err != nil {
			t.Fatal(err)
		}
		if err := target.DeleteKeypair(ctx, alias); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadCountsRefusals(t *testing.T) {
	env := servertest.Start(t)
	tc := &tls.Config{RootCAs: env.Roots, Certificates: []tls.Certificate{env.Lead.Cert}}
	target := Target{Name: "signetd", URL: env.URL, APIKey: "not-a-token", TLS: tc}
	l := Load{Target: target, Alias: "nope", SigAlg: "SHA256withECDSA", Clients: 1, Duration: 200 * time.Millisecond}
	r, err := l.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.OK != 0 || r.Errors["401"] == 0 {
		t.Fatalf("a bad token should give only 401s: ok %d, errors %v", r.OK, r.Errors)
	}
}

func TestLoadBare(t *testing.T) {
	dir := t.TempDir()
	if err := WriteTLS(dir); err != nil {
		t.Fatal(err)
	}
	cert, pool, err := ServerTLS(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, err := NewBare(ctx, Algs[:1])
	if err != nil {
		t.Fatal(err)
	}
	srv := BareServer(b.Handler(), cert, pool)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })
	tc, err := ClientTLS(dir+"/ca.crt", dir+"/client.crt", "", dir+"/client.key")
	if err != nil {
		t.Fatal(err)
	}
	target := Target{Name: "bare", URL: "https://" + ln.Addr().String(), TLS: tc}
	pub, err := target.PublicKey(ctx, Algs[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	l := Load{Target: target, Alias: Algs[0].Name, SigAlg: Algs[0].SigAlg, Public: pub, Clients: 2,
		Warmup: 100 * time.Millisecond, Duration: 300 * time.Millisecond, VerifyEvery: 1}
	r, err := l.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, r)
}

func TestRaw(t *testing.T) {
	ctx := context.Background()
	s, err := NewSigner(ctx, Algs[0])
	if err != nil {
		t.Fatal(err)
	}
	r, err := Raw(ctx, s, Algs[0], 2, 0, 100*time.Millisecond)
	if err != nil || r.Signatures == 0 {
		t.Fatalf("raw: %d signatures, %v", r.Signatures, err)
	}
}

func TestCheckLoopback(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://127.0.0.1:8443": true, "https://[::1]:8443": true, "https://localhost:1": true,
		"https://10.0.0.1:8443": false, "https://192.0.2.1": false,
	} {
		if err := CheckLoopback(context.Background(), url); (err == nil) != ok {
			t.Errorf("%s: %v", url, err)
		}
	}
}
