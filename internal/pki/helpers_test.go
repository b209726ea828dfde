package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"
)

// keyKinds are the key algorithms Signet issues certificates for.
var keyKinds = []string{"rsa", "ecdsa", "ed25519"}

func newKey(t testing.TB, kind string) crypto.Signer {
	t.Helper()
	var (
		k   crypto.Signer
		err error
	)
	switch kind {
	case "rsa":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ecdsa":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ed25519":
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("unknown key kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// hierarchy is a root, an intermediate under it, and the time they were made.
type hierarchy struct {
	root, inter *CA
	now         time.Time
}

func newHierarchy(t testing.TB) hierarchy {
	t.Helper()
	now := time.Now()
	root, err := NewRoot(pkix.Name{CommonName: "Signet Test Root"}, newKey(t, "ecdsa"), 10*365*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.NewIntermediate(pkix.Name{CommonName: "Signet Test Intermediate"}, newKey(t, "ecdsa"), 5*365*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	return hierarchy{root: root, inter: inter, now: now}
}

// issue makes a leaf certificate from tmpl under the intermediate.
func (h hierarchy) issue(t testing.TB, tmpl Template, key crypto.Signer) *x509.Certificate {
	t.Helper()
	cert, err := h.inter.Issue(tmpl, key.Public(), h.now)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
