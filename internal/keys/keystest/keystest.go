// Package keystest is the conformance suite every key backend passes, plus
// the signing benchmark the project's benchmarks compare against.
//
// A backend's test calls [Run] with a ready [keys.KeyManager]; the suite
// creates keys of every supported algorithm, signs with every sig_alg that
// fits each one, and verifies with Go's standard library.
package keystest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/sigalg"
)

// Algorithms lists every key algorithm Signet supports.
var Algorithms = []keys.Algorithm{
	{Type: sigalg.RSA, Bits: 2048},
	{Type: sigalg.RSA, Bits: 3072},
	{Type: sigalg.RSA, Bits: 4096},
	{Type: sigalg.ECDSA, Curve: "P-256"},
	{Type: sigalg.ECDSA, Curve: "P-384"},
	{Type: sigalg.ECDSA, Curve: "P-521"},
	{Type: sigalg.Ed25519, Curve: "Ed25519"},
}

// Name returns a short name for a, such as "rsa-3072" or "ecdsa-P-256".
func Name(a keys.Algorithm) string {
	switch {
	case a.Bits != 0:
		return fmt.Sprintf("%s-%d", a.Type, a.Bits)
	case a.Curve != "":
		return fmt.Sprintf("%s-%s", a.Type, a.Curve)
	}
	return string(a.Type)
}

// SigAlgs returns the signature algorithms that fit key type k.
func SigAlgs(k sigalg.KeyType) []sigalg.Alg {
	var out []sigalg.Alg
	for _, n := range sigalg.Names() {
		a, err := sigalg.Parse(n)
		if err == nil && a.Key == k {
			out = append(out, a)
		}
	}
	return out
}

// Option adjusts [Run] for a backend's documented limits.
type Option func(*config)

type config struct{ unsupported []string }

// Unsupported declares sig_algs (canonical names) the backend refuses. Run
// then requires Sign to return an error for them, never a signature.
func Unsupported(names ...string) Option {
	return func(c *config) { c.unsupported = append(c.unsupported, names...) }
}

// NewSpec returns a spec with a fresh random id for a.
func NewSpec(a keys.Algorithm) keys.Spec {
	id := make([]byte, 8)
	rand.Read(id)
	return keys.Spec{ID: "kp-" + hex.EncodeToString(id), Label: "keystest-" + Name(a), Algorithm: a}
}

// Input returns the bytes to sign for alg: a digest of msg, or msg itself
// for pure Ed25519.
func Input(alg sigalg.Alg, msg []byte) []byte {
	if alg.Pure {
		return msg
	}
	h := alg.Hash.New()
	h.Write(msg)
	return h.Sum(nil)
}

// Verify checks sig over input (as [Input] returns it) with the standard library.
func Verify(pub crypto.PublicKey, alg sigalg.Alg, input, sig []byte) error {
	var ok bool
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if alg.PSS {
			return rsa.VerifyPSS(k, alg.Hash, input, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		return rsa.VerifyPKCS1v15(k, alg.Hash, input, sig)
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(k, input, sig)
	case ed25519.PublicKey:
		var opts ed25519.Options
		if !alg.Pure {
			opts.Hash = crypto.SHA512
		}
		return ed25519.VerifyWithOptions(k, input, sig, &opts)
	default:
		return fmt.Errorf("keystest: unexpected public key type %T", pub)
	}
	if !ok {
		return errors.New("keystest: invalid ECDSA signature")
	}
	return nil
}

// Run runs the conformance suite against km.
func Run(t *testing.T, km keys.KeyManager, opts ...Option) {
	for _, a := range Algorithms {
		t.Run(Name(a), func(t *testing.T) {
			spec := NewSpec(a)
			h, pub, err := km.Create(t.Context(), spec)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			checkPublic(t, a, pub)
			s, err := km.Signer(t.Context(), h)
			if err != nil {
				t.Fatalf("Signer: %v", err)
			}
			if !pub.(interface{ Equal(crypto.PublicKey) bool }).Equal(s.Public()) {
				t.Fatal("Signer().Public() differs from the public key Create returned")
			}
			SignAll(t, s, opts...)
			checkDestroy(t, km, h, s)
		})
	}
	t.Run("bad-algorithm", func(t *testing.T) {
		for _, a := range []keys.Algorithm{
			{Type: sigalg.RSA, Bits: 1024}, {Type: sigalg.ECDSA, Curve: "P-224"},
			{Type: sigalg.Ed25519, Curve: "Ed448"}, {Type: "dsa"}, {},
		} {
			if _, _, err := km.Create(t.Context(), NewSpec(a)); err == nil {
				t.Errorf("Create(%+v) succeeded; want an error", a)
			}
		}
	})
	if imp, ok := km.(keys.Importer); ok {
		t.Run("import", func(t *testing.T) { runImport(t, km, imp, opts) })
	}
	if ch, ok := km.(keys.Checker); ok {
		if err := ch.Check(t.Context()); err != nil {
			t.Errorf("Check: %v", err)
		}
	}
}

// SignAll signs with every sig_alg that fits s's key, verifies each
// signature, and checks that digests of the wrong length are refused.
func SignAll(t *testing.T, s crypto.Signer, opts ...Option) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	msg := []byte("signet conformance message")
	for _, alg := range SigAlgs(keyType(t, s.Public())) {
		t.Run(alg.Name, func(t *testing.T) {
			in := Input(alg, msg)
			sig, err := s.Sign(rand.Reader, in, alg.SignerOpts())
			if slices.Contains(c.unsupported, alg.Name) {
				if err == nil {
					t.Fatalf("Sign succeeded for %s, declared unsupported", alg.Name)
				}
				t.Logf("unsupported as declared: %v", err)
				return
			}
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if err := Verify(s.Public(), alg, in, sig); err != nil {
				t.Fatalf("signature does not verify: %v", err)
			}
			if alg.Pure {
				return
			}
			for _, bad := range [][]byte{in[:len(in)-1], append(slices.Clip(in), 0), nil} {
				if _, err := s.Sign(rand.Reader, bad, alg.SignerOpts()); err == nil {
					t.Errorf("Sign accepted a %d-byte digest for %s", len(bad), alg.Name)
				}
			}
		})
	}
}
