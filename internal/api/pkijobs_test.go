package api_test

import (
	"context"
	"crypto/x509"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/server/servertest"
)

// crlNumber fetches a CA's CRL and returns its number.
func crlNumber(t *testing.T, env *servertest.Env, name string) int64 {
	t.Helper()
	crl, err := x509.ParseRevocationList(fetch(t, env, "/crl/"+name+".crl"))
	if err != nil {
		t.Fatal(err)
	}
	return crl.Number.Int64()
}

// TestPKIJobs moves an injected clock: an auto-renewing certificate is
// renewed inside its window, CRLs are republished after half their life,
// a dynamic keypair's certificate follows its key, and an expired test
// keypair's key is destroyed.
func TestPKIJobs(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	advance := func(d time.Duration) { offset.Add(int64(d)) }
	env := servertest.Start(t, servertest.WithClock(clock))
	run := func() { env.Server.RunJobs(context.Background()) }
	certs := func(alias string) []certOut {
		var l certListOut
		env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/"+alias+"/certificates", nil, 200).JSON(t, &l)
		return l.Certificates
	}

	// Test keypairs living 10 days (the clients' certificates live 30).
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypair-profiles", map[string]any{"name": "short", "expires_after": "10d",
		"fields": map[string]any{"category": map[string]any{"value": "test", "fixed": true}}}, 201)
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "weekly", "algorithm": "ecdsa", "profile": "short",
		"generate_cert": true, "auto_renew": true}, 201)
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "manual", "algorithm": "ecdsa", "profile": "short",
		"generate_cert": true}, 201)
	run()
	n0 := crlNumber(t, env, "issuing")
	if len(certs("weekly")) != 1 {
		t.Fatal("renewed at once")
	}

	// Day 5 of 7: inside the renewal window (a third of the life).
	advance(5 * 24 * time.Hour)
	run()
	cs := certs("weekly")
	if len(cs) != 2 || cs[0].Default || !cs[1].Default || !cs[1].AutoRenew || cs[1].Serial == cs[0].Serial {
		t.Fatalf("after renewal: %+v", cs)
	}
	if len(certs("manual")) != 1 {
		t.Error("a certificate without auto_renew was renewed")
	}
	if n := crlNumber(t, env, "issuing"); n <= n0 {
		t.Errorf("CRL number %d after 5 days, was %d", n, n0)
	}
	if evs, _ := env.Store.ListAudit(context.Background(), audit.Filter{Type: "Certificate", Action: "Renew"}); len(evs) != 1 {
		t.Errorf("%d Renew events, want 1", len(evs))
	}
	run()
	if len(certs("weekly")) != 2 {
		t.Error("renewed twice")
	}

	// A dynamic keypair's refresh gives it a certificate for the new key.
	var dyn certKeypair
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "dyn", "algorithm": "ecdsa", "type": "dynamic", "generate_cert": true}, 201)
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/dyn/refresh", nil, 200)
	env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/dyn", nil, 200).JSON(t, &dyn)
	if dyn.Generation != 2 || dyn.CertificatePEM == "" {
		t.Fatalf("after refresh: generation %d, certificate %q", dyn.Generation, dyn.CertificatePEM)
	}
	if cs := certs("dyn"); len(cs) != 2 || cs[1].Generation != 2 || !cs[1].Default {
		t.Errorf("dynamic keypair certificates: %+v", cs)
	}

	// Day 11: the test keypairs have expired; their keys are destroyed.
	advance(6 * 24 * time.Hour)
	run()
	var kp struct {
		State string `json:"state"`
	}
	env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/manual", nil, 200).JSON(t, &kp)
	if kp.State != "destroyed" {
		t.Errorf("expired test keypair is %s", kp.State)
	}
	if evs, _ := env.Store.ListAudit(context.Background(), audit.Filter{Type: "Keypair", Action: "Expire"}); len(evs) != 2 {
		t.Errorf("%d Expire events, want 2", len(evs))
	}
	if r := env.Do(t, env.Lead, "POST", "/api/v1/keypairs/weekly/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": make([]byte, 32)}); r.Status == 200 {
		t.Error("an expired keypair signed")
	}
}

// TestPKITwoNodes starts two nodes on one PostgreSQL together: they share
// one CA hierarchy, and when both republish a CRL at once each number is
// stored once.
func TestPKITwoNodes(t *testing.T) {
	var offset atomic.Int64
	clock := servertest.WithClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) })
	a, b := twoNodes(t, clock)
	rootA, rootB := fetch(t, a, "/api/v1/ca/root/certificate"), fetch(t, b, "/api/v1/ca/root/certificate")
	if string(rootA) != string(rootB) {
		t.Fatal("the nodes made two roots")
	}
	var n int
	if err := rawDB(t, a).QueryRow(`SELECT COUNT(*) FROM authorities`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d authorities (%v), want 3", n, err)
	}
	n0 := crlNumber(t, a, "issuing")
	for i := 1; i <= 3; i++ {
		offset.Add(int64(13 * time.Hour))
		done := make(chan struct{})
		go func() { a.Server.RunJobs(context.Background()); close(done) }()
		b.Server.RunJobs(context.Background())
		<-done
		if na, nb := crlNumber(t, a, "issuing"), crlNumber(t, b, "issuing"); na != n0+int64(i) || nb != na {
			t.Fatalf("round %d: CRL numbers %d and %d, want %d", i, na, nb, n0+int64(i))
		}
	}
	// A certificate issued on one node is answered for by the other.
	var kp certKeypair
	a.MustDo(t, a.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "both", "algorithm": "ecdsa", "generate_cert": true}, 201).JSON(t, &kp)
	var list certListOut
	b.MustDo(t, b.Lead, "GET", "/api/v1/keypairs/both/certificates", nil, 200).JSON(t, &list)
	b.MustDo(t, b.Lead, "POST", "/api/v1/certificates/"+list.Certificates[0].ID+"/revoke", map[string]any{}, 200)
	if na := crlNumber(t, a, "issuing"); na != n0+4 {
		t.Errorf("CRL number %d on the other node after a revocation, want %d", na, n0+4)
	}
}
