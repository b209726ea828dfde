package api_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/server/servertest"
	"github.com/signet-project/signet/internal/store/sqlite"
)

// certsByGeneration returns a keypair's certificates by the generation of
// the key they certify, failing the test if a generation has two.
func certsByGeneration(t *testing.T, env *servertest.Env, alias string) map[int]certOut {
	t.Helper()
	var l certListOut
	env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/"+alias+"/certificates", nil, 200).JSON(t, &l)
	out := map[int]certOut{}
	for _, c := range l.Certificates {
		if _, dup := out[c.Generation]; dup {
			t.Fatalf("two certificates for generation %d of %s: %+v", c.Generation, alias, l.Certificates)
		}
		out[c.Generation] = c
	}
	return out
}

// genCert is one generation's certificate as downloaded, with the files
// openssl checks it with.
type genCert struct {
	cert                   *x509.Certificate
	leaf, chain, root, pub string
}

// downloadCert downloads a certificate and its chain (intermediates, then
// the root) by id, writes them and the certificate's public key to d, and
// checks the certificate with `openssl verify` against the chain at time
// at (the server's clock may run ahead of the real one).
func downloadCert(t *testing.T, env *servertest.Env, d workDir, id string, at time.Time) genCert {
	t.Helper()
	leafPEM := env.MustDo(t, env.Lead, "GET", "/api/v1/certificates/"+id+"/download?format=pem", nil, 200).Body
	chainPEM := env.MustDo(t, env.Lead, "GET", "/api/v1/certificates/"+id+"/download?format=chain", nil, 200).Body
	var chain []*x509.Certificate
	for rest := chainPEM; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, c)
	}
	if len(chain) < 2 {
		t.Fatalf("chain of %s has %d certificates, want the issuing CA and the root", id, len(chain))
	}
	b, _ := pem.Decode(leafPEM)
	if b == nil {
		t.Fatalf("certificate %s: no PEM", id)
	}
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	g := genCert{cert: cert, leaf: d.write(t, id+".pem", leafPEM), chain: d.write(t, id+".chain.pem", chainPEM),
		root: d.write(t, id+".root.pem", pemCert(chain[len(chain)-1].Raw))}
	if !bytes.Equal(pemCert(chain[len(chain)-1].Raw), fetch(t, env, "/api/v1/ca/root/certificate")) {
		t.Errorf("the chain of %s does not end with the published root", id)
	}
	d.must(t, "openssl", "verify", "-attime", strconv.FormatInt(at.Unix(), 10), "-CAfile", g.root, "-untrusted", g.chain, g.leaf)
	g.pub = id + ".pub.pem"
	d.write(t, g.pub, []byte(d.must(t, "openssl", "x509", "-in", g.leaf, "-noout", "-pubkey")))
	if len(cert.ExtKeyUsage) == 0 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageCodeSigning {
		t.Errorf("certificate %s has EKU %v, want codeSigning", id, cert.ExtKeyUsage)
	}
	return g
}

// opensslVerifies reports whether `openssl dgst -sha256 -verify` accepts
// sig over msg with the public key of g.
func opensslVerifies(t *testing.T, d workDir, g genCert, name, msg string, sig []byte) bool {
	t.Helper()
	data := d.write(t, name+".txt", []byte(msg))
	sigFile := d.write(t, name+".sig", sig)
	out, err := d.tool(t, "openssl", "dgst", "-sha256", "-verify", g.pub, "-signature", sigFile, data)
	if err == nil && !bytes.Contains([]byte(out), []byte("Verified OK")) {
		t.Fatalf("openssl dgst: %s", out)
	}
	return err == nil
}

// TestDynamicCertificatePerSignature: a dynamic keypair with a certificate,
// replaced after every signature: two consecutive signatures are made by
// two generations with two different certificates, both valid under the
// downloaded chain, each verifying its own signature and not the other's.
func TestDynamicCertificatePerSignature(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		d := newWorkDir(t)
		generate(t, env, env.Lead, map[string]any{"alias": "dyn", "algorithm": "ecdsa", "type": "dynamic",
			"rotate_per_signature": true, "generate_cert": true})
		_, s1 := signDigest(t, env, "dyn", "one")
		_, s2 := signDigest(t, env, "dyn", "two")
		if s1.Generation == s2.Generation {
			t.Fatalf("two signatures with generation %d", s1.Generation)
		}
		certs := certsByGeneration(t, env, "dyn")
		c1, ok1 := certs[s1.Generation]
		c2, ok2 := certs[s2.Generation]
		if !ok1 || !ok2 {
			t.Fatalf("no certificate for generation %d or %d: %+v", s1.Generation, s2.Generation, certs)
		}
		g1 := downloadCert(t, env, d, c1.ID, time.Now())
		g2 := downloadCert(t, env, d, c2.ID, time.Now())
		if c1.Serial == c2.Serial || bytes.Equal(g1.cert.RawSubjectPublicKeyInfo, g2.cert.RawSubjectPublicKeyInfo) {
			t.Fatalf("the two generations share a certificate or a key: %s, %s", c1.Serial, c2.Serial)
		}
		if !opensslVerifies(t, d, g1, "one", "one", s1.Signature) || !opensslVerifies(t, d, g2, "two", "two", s2.Signature) {
			t.Fatal("a signature does not verify under its generation's certificate")
		}
		if opensslVerifies(t, d, g2, "one-x", "one", s1.Signature) || opensslVerifies(t, d, g1, "two-x", "two", s2.Signature) {
			t.Fatal("a signature verifies under the other generation's certificate")
		}
		// The old certificates are kept, unrevoked; the newest is the default.
		cur := certs[s2.Generation+1]
		if c1.Status != "valid" || c2.Status != "valid" || c1.Default || c2.Default || !cur.Default {
			t.Errorf("certificates after two signatures: %+v", certs)
		}
	})
}

// TestDynamicCertificateInterval: with a short rotation interval on an
// injected clock, the rotation job replaces key and certificate on
// schedule, and the signatures of every past generation still verify under
// its kept certificate.
func TestDynamicCertificateInterval(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	env := servertest.Start(t, servertest.WithClock(clock))
	d := newWorkDir(t)
	env.MustDo(t, env.Lead, "PATCH", "/api/v1/settings", map[string]any{"rotation_interval_seconds": 300}, 200)
	generate(t, env, env.Lead, map[string]any{"alias": "dyn", "algorithm": "ecdsa", "type": "dynamic", "generate_cert": true})

	type signed struct {
		msg string
		out signOut
	}
	var all []signed
	for i := range 4 {
		// Inside the interval: no rotation, however often the job runs.
		for range 2 {
			env.Server.RunJobs(context.Background())
			offset.Add(int64(2 * time.Minute))
		}
		msg := fmt.Sprintf("signature %d", i)
		_, out := signDigest(t, env, "dyn", msg)
		if out.Generation != i+1 {
			t.Fatalf("signature %d made by generation %d, want %d", i, out.Generation, i+1)
		}
		all = append(all, signed{msg, out})
		offset.Add(int64(2 * time.Minute)) // 6 minutes since the last rotation
		env.Server.RunJobs(context.Background())
	}
	evs, err := env.Store.ListAudit(context.Background(), audit.Filter{Type: "Dynamic", Action: "Refresh"})
	if err != nil || len(evs) != 4 {
		t.Fatalf("%d Refresh events (%v), want 4", len(evs), err)
	}
	certs := certsByGeneration(t, env, "dyn")
	if len(certs) != 5 || !certs[5].Default {
		t.Fatalf("after 4 rotations: %+v", certs)
	}
	at := clock()
	for i, s := range all {
		c := certs[s.out.Generation]
		if c.Status != "valid" || c.Default {
			t.Errorf("kept certificate of generation %d: %+v", s.out.Generation, c)
		}
		g := downloadCert(t, env, d, c.ID, at)
		if !opensslVerifies(t, d, g, strconv.Itoa(i), s.msg, s.out.Signature) {
			t.Errorf("signature %d does not verify under the certificate of generation %d", i, s.out.Generation)
		}
	}
}

// certStore fails to record certificates while fail is set, as a CA whose
// database or key is unavailable would.
type certStore struct {
	server.Store
	fail atomic.Bool
}

var errInjected = errors.New("injected: the certificate cannot be recorded")

func (s *certStore) CreateCertificate(ctx context.Context, c *ca.Certificate, ev *audit.Event) error {
	if s.fail.Load() {
		return errInjected
	}
	return s.Store.CreateCertificate(ctx, c, ev)
}

func (s *certStore) SQL() *sql.DB { return s.Store.(interface{ SQL() *sql.DB }).SQL() }

// TestDynamicCertificateRetry: when the certificate of a rotated key
// cannot be issued, the rotation stands, the failure is audited, and the
// PKI job issues the certificate of the current generation once it can.
func TestDynamicCertificateRetry(t *testing.T) {
	var st *certStore
	open := servertest.WithStore(func(t testing.TB) server.Store {
		s, err := sqlite.Open(context.Background(), t.TempDir()+"/signet.db")
		if err != nil {
			t.Fatal(err)
		}
		st = &certStore{Store: s}
		return st
	})
	env := servertest.Start(t, open)
	ctx := context.Background()
	generate(t, env, env.Lead, map[string]any{"alias": "dyn", "algorithm": "ecdsa", "type": "dynamic", "generate_cert": true})
	failed := func() []*audit.Event {
		evs, err := env.Store.ListAudit(ctx, audit.Filter{Type: "Certificate", Action: "Refresh", Result: audit.Failed})
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}

	st.fail.Store(true)
	var kp certKeypair
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/dyn/refresh", nil, 200).JSON(t, &kp)
	if kp.Generation != 2 {
		t.Fatalf("generation %d after refresh", kp.Generation)
	}
	evs := failed()
	if len(evs) != 1 || evs[0].Details["generation"] != "2" || evs[0].ResourceName != "dyn" || evs[0].Reason == "" {
		t.Fatalf("failed Certificate/Refresh events: %+v", evs)
	}
	// Rotated again while the CA still fails: one more failure audited.
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/dyn/refresh", nil, 200)
	env.Server.RunJobs(ctx) // the retry fails too; it is logged, not audited again
	if n := len(failed()); n != 2 {
		t.Errorf("%d failed Certificate/Refresh events, want 2", n)
	}
	certs := certsByGeneration(t, env, "dyn")
	if len(certs) != 1 || !certs[1].Default {
		t.Fatalf("certificates while the CA fails: %+v", certs)
	}

	// The CA works again: the job certifies the current generation (3),
	// not the one retired meanwhile (2), whose key is destroyed.
	st.fail.Store(false)
	env.Server.RunJobs(ctx)
	certs = certsByGeneration(t, env, "dyn")
	if len(certs) != 2 || !certs[3].Default || certs[1].Default {
		t.Fatalf("certificates after the retry: %+v", certs)
	}
	env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/dyn", nil, 200).JSON(t, &kp)
	b, _ := pem.Decode([]byte(kp.CertificatePEM))
	if b == nil || !bytes.Equal(b.Bytes, mustCertDER(t, certs[3].CertificatePEM)) {
		t.Error("the keypair's default certificate is not the reissued one")
	}
	if evs, _ := env.Store.ListAudit(ctx, audit.Filter{Type: "Certificate", Action: "Refresh", Result: audit.Allowed}); len(evs) != 1 {
		t.Errorf("%d allowed Certificate/Refresh events, want 1", len(evs))
	}
	env.Server.RunJobs(ctx)
	if len(certsByGeneration(t, env, "dyn")) != 2 {
		t.Error("the job issued again")
	}
}

func mustCertDER(t *testing.T, p string) []byte {
	t.Helper()
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		t.Fatalf("no PEM certificate in %q", p)
	}
	return b.Bytes
}
