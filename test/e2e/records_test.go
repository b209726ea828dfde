//go:build e2e

package e2e

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"testing"
)

// checkRecorded shows that every signature the clients received is valid
// for pub and has its signature-log row (same digest, same signature) and
// an allowed audit Sign event naming it. It returns how many signed rows of
// the keypair no client received (answers lost when the server died).
func checkRecorded(t *testing.T, c *client, got []received, keypairID string, pub crypto.PublicKey) int {
	t.Helper()
	rows := map[string]sigRecord{}
	for _, r := range c.signatures(t) {
		rows[r.ID] = r
	}
	events := map[string]auditEvent{}
	for _, e := range c.auditEvents(t, url.Values{"action": {"Sign"}, "resource": {keypairID}}) {
		if id := e.Details["signature_id"]; id != "" {
			events[id] = e
		}
	}
	bad := 0
	fail := func(format string, args ...any) {
		t.Helper()
		if bad++; bad <= 10 {
			t.Errorf(format, args...)
		}
	}
	for _, g := range got {
		if !verifyDigest(pub, g.digest, g.signature) {
			fail("signature %s does not verify with the keypair's public key", g.id)
		}
		r, ok := rows[g.id]
		switch {
		case !ok:
			fail("signature %s was returned to the client but has no signature-log row", g.id)
		case r.Status != "signed" || r.KeypairID != keypairID:
			fail("signature-log row %s: status %q keypair %s, want signed by %s", g.id, r.Status, r.KeypairID, keypairID)
		case !bytes.Equal(r.Digest, g.digest) || !bytes.Equal(r.Signature, g.signature):
			fail("signature-log row %s differs from what the client received:\n digest %x / %x\n signature %x / %x",
				g.id, r.Digest, g.digest, r.Signature, g.signature)
		}
		e, ok := events[g.id]
		switch {
		case !ok:
			fail("signature %s was returned to the client but no audit Sign event names it", g.id)
		case e.Result != "allowed" || e.Type != "Keypair":
			fail("audit event %d for signature %s: %s %s, want an allowed Keypair Sign", e.Seq, g.id, e.Type, e.Result)
		}
	}
	if bad > 10 {
		t.Errorf("… %d problems in all", bad)
	}
	received := map[string]bool{}
	for _, g := range got {
		received[g.id] = true
	}
	// The two records of a signature are written together or not at all.
	unseen := 0
	for id, r := range rows {
		if r.KeypairID != keypairID || r.Status != "signed" {
			continue
		}
		if _, ok := events[id]; !ok {
			t.Errorf("signature-log row %s has no audit Sign event", id)
		}
		if !received[id] {
			unseen++
		}
	}
	for id, e := range events {
		if _, ok := rows[id]; !ok {
			t.Errorf("audit event %d names signature %s, which has no signature-log row", e.Seq, id)
		}
	}
	return unseen
}

// verifyDigest checks an ECDSA (DER) or RSA PKCS#1 v1.5 signature of a
// SHA-256 digest.
func verifyDigest(pub crypto.PublicKey, digest, sig []byte) bool {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(k, digest, sig)
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, digest, sig) == nil
	}
	return false
}

func parsePublicKey(t *testing.T, pemText string) crypto.PublicKey {
	t.Helper()
	b, _ := pem.Decode([]byte(pemText))
	if b == nil {
		t.Fatalf("no PEM public key in %q", pemText)
	}
	pub, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// auditVerify runs `signetd audit verify` with args and fails the test
// unless it exits 0.
func auditVerify(t *testing.T, env []string, args ...string) {
	t.Helper()
	code, out := run(t, env, append([]string{"audit", "verify"}, args...)...)
	if code != 0 {
		t.Fatalf("signetd audit verify %v: exit %d\n%s", args, code, out)
	}
	t.Logf("audit verify: %s", bytes.TrimSpace([]byte(out)))
}
