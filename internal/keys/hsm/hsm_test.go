//go:build cgo && !nohsm

package hsm

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/pkcs11"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/keys/hsm/hsmtest"
	"github.com/signet-project/signet/internal/keys/keystest"
	"github.com/signet-project/signet/internal/sigalg"
)

var (
	p256    = keys.Algorithm{Type: sigalg.ECDSA, Curve: "P-256"}
	ed      = keys.Algorithm{Type: sigalg.Ed25519, Curve: "Ed25519"}
	rsa2048 = keys.Algorithm{Type: sigalg.RSA, Bits: 2048}
)

// newHSM opens a backend on tok (a fresh token if tok is nil).
func newHSM(t testing.TB, tok *hsmtest.Token, wrap func(p11) p11) *HSM {
	t.Helper()
	if tok == nil {
		tk := hsmtest.NewToken(t)
		tok = &tk
	}
	k, err := open(context.Background(), tok.Options(), wrap)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// create makes a key and returns its handle and signer.
func create(t *testing.T, km keys.KeyManager, a keys.Algorithm) (keys.Handle, crypto.Signer) {
	t.Helper()
	h, _, err := km.Create(t.Context(), keystest.NewSpec(a))
	if err != nil {
		t.Fatal(err)
	}
	s, err := km.Signer(t.Context(), h)
	if err != nil {
		t.Fatal(err)
	}
	return h, s
}

// mustSign signs with s (SHA256withECDSA, SHA256withRSA or pure Ed25519)
// and verifies the signature.
func mustSign(t *testing.T, s crypto.Signer) {
	t.Helper()
	name := "SHA256withECDSA"
	switch s.Public().(type) {
	case *rsa.PublicKey:
		name = "SHA256withRSA"
	case ed25519.PublicKey:
		name = "Ed25519"
	}
	alg, _ := sigalg.Parse(name)
	in := keystest.Input(alg, []byte("m"))
	sig, err := s.Sign(rand.Reader, in, alg.SignerOpts())
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if err := keystest.Verify(s.Public(), alg, in, sig); err != nil {
		t.Fatal(err)
	}
}

func TestConformance(t *testing.T) {
	tok := hsmtest.NewToken(t)
	km, err := keys.New(t.Context(), Backend, tok.Options())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { km.Close() })
	keystest.Run(t, km, keystest.Unsupported("Ed25519ph"))
}

func TestNewRefuses(t *testing.T) {
	tok := hsmtest.NewToken(t)
	for _, c := range []struct {
		name string
		mod  func(*keys.Options)
		want string
	}{
		{"wrong PIN", func(o *keys.Options) { o.PIN = "wrong-pin-1234" }, "CKR_PIN_INCORRECT"},
		{"unknown token", func(o *keys.Options) { o.TokenLabel = "nope" }, `no token labelled "nope"`},
		{"no module", func(o *keys.Options) { o.Module = "" }, "no PKCS#11 module"},
		{"missing module", func(o *keys.Options) { o.Module = "/nonexistent/lib.so" }, "/nonexistent/lib.so"},
		{"no PIN", func(o *keys.Options) { o.PIN = "" }, "no user PIN"},
		{"negative pool", func(o *keys.Options) { o.PoolSize = -1 }, "negative"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := tok.Options()
			c.mod(&o)
			_, err := New(t.Context(), o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New: %v; want an error containing %q", err, c.want)
			}
			if strings.Contains(err.Error(), "wrong-pin") {
				t.Fatalf("error reveals the PIN: %v", err)
			}
		})
	}
}

func TestHandleChecks(t *testing.T) {
	k := newHSM(t, nil, nil)
	h, _ := create(t, k, p256)
	for name, mod := range map[string]func(*keys.Handle){
		"backend":      func(h *keys.Handle) { h.Backend = "disk" },
		"other token":  func(h *keys.Handle) { h.URI = strings.Replace(h.URI, "token=", "token=x", 1) },
		"malformed":    func(h *keys.Handle) { h.URI = "pkcs11:token=a" },
		"unknown id":   func(h *keys.Handle) { h.URI = URI{Token: k.label, ID: []byte{1, 2, 3}}.String() },
		"not a pkcs11": func(h *keys.Handle) { h.URI = "disk:kp-1" },
	} {
		t.Run(name, func(t *testing.T) {
			bad := h
			mod(&bad)
			if _, err := k.Signer(t.Context(), bad); err == nil {
				t.Fatal("Signer succeeded")
			}
		})
	}
}

// TestSoftHSMEd25519ph records why Ed25519ph is refused: given
// CK_EDDSA_PARAMS{phFlag: true}, SoftHSM2 2.6.1 signs the digest as a pure
// Ed25519 message.
func TestSoftHSMEd25519ph(t *testing.T) {
	k := newHSM(t, nil, nil)
	h, s := create(t, k, ed)
	digest := sha512.Sum512([]byte("m"))
	id, _ := k.keyID(h)
	var sig []byte
	err := k.do(t.Context(), func(sh pkcs11.SessionHandle) error {
		o, err := k.privateKey(sh, id)
		if err != nil {
			return err
		}
		if err := k.p.SignInit(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(ckmEDDSA, eddsaPrehashParams())}, o); err != nil {
			return err
		}
		sig, err = k.p.Sign(sh, digest[:])
		return err
	})
	if err != nil {
		t.Fatalf("raw CKM_EDDSA with phFlag: %v", err)
	}
	pub := s.Public().(ed25519.PublicKey)
	ph := ed25519.VerifyWithOptions(pub, digest[:], sig, &ed25519.Options{Hash: crypto.SHA512}) == nil
	pure := ed25519.Verify(pub, digest[:], sig)
	t.Logf("SoftHSM2 with phFlag: valid Ed25519ph %v, valid pure Ed25519 over the digest %v", ph, pure)
	_, err = s.Sign(rand.Reader, digest[:], &ed25519.Options{Hash: crypto.SHA512})
	if ph && err != nil {
		t.Fatalf("token implements Ed25519ph but the signer refused it: %v", err)
	}
	if !ph && (err == nil || !strings.Contains(err.Error(), "does not implement Ed25519ph")) {
		t.Fatalf("Sign(Ed25519ph) = %v; want the does-not-implement error", err)
	}
}

func TestCheckAndClose(t *testing.T) {
	k := newHSM(t, nil, nil)
	h, s := create(t, k, p256)
	if err := k.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	mustSign(t, s) // Check's session closing did not break the pool
	k.Close()
	if err := k.Check(t.Context()); err == nil {
		t.Fatal("Check succeeded after Close")
	}
	if _, err := k.Signer(t.Context(), h); err == nil {
		t.Fatal("Signer succeeded after Close")
	}
	if _, err := s.Sign(rand.Reader, make([]byte, 32), crypto.SHA256); err == nil {
		t.Fatal("Sign succeeded after Close")
	}
	if err := k.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestModuleShared(t *testing.T) {
	tok := hsmtest.NewToken(t)
	a := newHSM(t, &tok, nil)
	b := newHSM(t, &tok, nil)
	h, _ := create(t, a, p256)
	sb, err := b.Signer(t.Context(), h)
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	mustSign(t, sb) // the module outlives a, since b still uses it
}

func TestConcurrentSign(t *testing.T) {
	tok := hsmtest.NewToken(t)
	o := tok.Options()
	o.PoolSize = 2
	km, err := New(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { km.Close() })
	_, s := create(t, km, p256)
	done := make(chan error)
	alg, _ := sigalg.Parse("SHA256withECDSA")
	in := keystest.Input(alg, []byte("m"))
	for range 8 {
		go func() {
			var err error
			for range 20 {
				var sig []byte
				if sig, err = s.Sign(nil, in, alg.SignerOpts()); err == nil {
					err = keystest.Verify(s.Public(), alg, in, sig)
				}
				if err != nil {
					break
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestConcurrentObjects creates and destroys keys from many goroutines
// while others sign: every call succeeds (SoftHSM2 fails overlapping
// object writes now and then, which the backend serializes).
func TestConcurrentObjects(t *testing.T) {
	k := newHSM(t, nil, nil)
	ctx := context.Background()
	_, signer := create(t, k, p256)
	digest := make([]byte, 32)
	var wg sync.WaitGroup
	errc := make(chan error, 64)
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 4 {
				if g%2 == 0 {
					if _, err := signer.Sign(rand.Reader, digest, crypto.SHA256); err != nil {
						errc <- err
					}
					continue
				}
				h, _, err := k.Create(ctx, keys.Spec{ID: "c", Label: "concurrent", Algorithm: p256})
				if err != nil {
					errc <- err
					continue
				}
				if err := k.Destroy(ctx, h); err != nil {
					errc <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}
