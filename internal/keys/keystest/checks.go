package keystest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/sigalg"
)

func keyType(t *testing.T, pub crypto.PublicKey) sigalg.KeyType {
	switch pub.(type) {
	case *rsa.PublicKey:
		return sigalg.RSA
	case *ecdsa.PublicKey:
		return sigalg.ECDSA
	case ed25519.PublicKey:
		return sigalg.Ed25519
	}
	t.Fatalf("unexpected public key type %T", pub)
	return ""
}

// checkPublic checks that pub is a key of algorithm a.
func checkPublic(t *testing.T, a keys.Algorithm, pub crypto.PublicKey) {
	t.Helper()
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if a.Type != sigalg.RSA || k.N.BitLen() != a.Bits {
			t.Fatalf("public key is RSA-%d; want %+v", k.N.BitLen(), a)
		}
	case *ecdsa.PublicKey:
		if a.Type != sigalg.ECDSA || k.Curve.Params().Name != a.Curve {
			t.Fatalf("public key is ECDSA %s; want %+v", k.Curve.Params().Name, a)
		}
	case ed25519.PublicKey:
		if a.Type != sigalg.Ed25519 || len(k) != ed25519.PublicKeySize {
			t.Fatalf("public key is Ed25519 of %d bytes; want %+v", len(k), a)
		}
	default:
		t.Fatalf("public key is a %T; want %+v", pub, a)
	}
}

// checkDestroy destroys h. Backends whose handles carry no key material
// (Blob empty) must then refuse both a new Signer and the old signer s.
func checkDestroy(t *testing.T, km keys.KeyManager, h keys.Handle, s crypto.Signer) {
	t.Helper()
	if err := km.Destroy(t.Context(), h); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	if len(h.Blob) != 0 {
		return // the key lives in the blob, which the store erases
	}
	if _, err := km.Signer(t.Context(), h); err == nil {
		t.Error("Signer succeeded after Destroy")
	}
	alg, _ := sigalg.Parse("Ed25519")
	if _, ok := s.Public().(ed25519.PublicKey); !ok {
		alg, _ = sigalg.Parse("SHA256withECDSA")
		if _, ok := s.Public().(*rsa.PublicKey); ok {
			alg, _ = sigalg.Parse("SHA256withRSA")
		}
	}
	if _, err := s.Sign(rand.Reader, Input(alg, []byte("x")), alg.SignerOpts()); err == nil {
		t.Error("a signer obtained before Destroy still signs")
	}
	if err := km.Destroy(t.Context(), h); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
}

// runImport imports in-memory keys of each type, signs with them and checks
// that a key not matching the spec's algorithm is refused.
func runImport(t *testing.T, km keys.KeyManager, imp keys.Importer, opts []Option) {
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, dk, _ := ed25519.GenerateKey(rand.Reader)
	for _, c := range []struct {
		alg keys.Algorithm
		key crypto.Signer
	}{
		{keys.Algorithm{Type: sigalg.RSA, Bits: 2048}, rk},
		{keys.Algorithm{Type: sigalg.ECDSA, Curve: "P-384"}, ek},
		{keys.Algorithm{Type: sigalg.Ed25519, Curve: "Ed25519"}, dk},
	} {
		t.Run(Name(c.alg), func(t *testing.T) {
			h, err := imp.Import(t.Context(), NewSpec(c.alg), c.key)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			s, err := km.Signer(t.Context(), h)
			if err != nil {
				t.Fatalf("Signer: %v", err)
			}
			if !c.key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(s.Public()) {
				t.Fatal("imported key's signer has another public key")
			}
			SignAll(t, s, opts...)
			if err := km.Destroy(t.Context(), h); err != nil {
				t.Fatalf("Destroy: %v", err)
			}
		})
	}
	wrong := NewSpec(keys.Algorithm{Type: sigalg.ECDSA, Curve: "P-256"})
	if _, err := imp.Import(t.Context(), wrong, ek); err == nil {
		t.Error("Import of a P-384 key into a P-256 keypair succeeded")
	}
}
