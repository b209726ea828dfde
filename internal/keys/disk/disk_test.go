package disk

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/keys/keystest"
	"github.com/signet-project/signet/internal/sigalg"
)

var p256 = keys.Algorithm{Type: sigalg.ECDSA, Curve: "P-256"}

func masterKey() []byte { k := make([]byte, 32); rand.Read(k); return k }

func newDisk(t testing.TB, current string, kms map[string][]byte) *Disk {
	t.Helper()
	km, err := keys.New(context.Background(), Backend, keys.Options{MasterKeys: kms, CurrentKEK: current})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { km.Close() })
	return km.(*Disk)
}

func TestConformance(t *testing.T) {
	keystest.Run(t, newDisk(t, "k1", map[string][]byte{"k1": masterKey()}))
}

func TestNewRejectsBadMasterKeys(t *testing.T) {
	for _, c := range []struct {
		name    string
		keys    map[string][]byte
		current string
		want    string
	}{
		{"none", nil, "k1", "no master keys"},
		{"short", map[string][]byte{"k1": make([]byte, 16)}, "k1", "16 bytes; want exactly 32"},
		{"long", map[string][]byte{"k1": make([]byte, 33)}, "k1", "33 bytes; want exactly 32"},
		{"current missing", map[string][]byte{"k1": masterKey()}, "k2", `"k2" is not among`},
		{"empty id", map[string][]byte{"": masterKey()}, "", "1 to 255 bytes"},
		{"long id", map[string][]byte{strings.Repeat("k", 256): masterKey()}, "k", "1 to 255 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(t.Context(), keys.Options{MasterKeys: c.keys, CurrentKEK: c.current})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New: %v; want an error containing %q", err, c.want)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	k1, k2 := masterKey(), masterKey()
	old := newDisk(t, "k1", map[string][]byte{"k1": k1})
	spec := keystest.NewSpec(p256)
	h, pub, err := old.Create(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	both := newDisk(t, "k2", map[string][]byte{"k1": k1, "k2": k2})
	if _, err := both.Signer(t.Context(), h); err != nil {
		t.Fatalf("Signer with k1 still present: %v", err)
	}
	h2, err := both.Rewrap(t.Context(), spec, h)
	if err != nil {
		t.Fatalf("Rewrap: %v", err)
	}
	if h2.KEK != "k2" {
		t.Fatalf("rewrapped handle KEK = %q; want k2", h2.KEK)
	}
	e1, _ := parseEnvelope(h.Blob)
	e2, _ := parseEnvelope(h2.Blob)
	if !bytes.Equal(e1.keyCT, e2.keyCT) || !bytes.Equal(e1.keyNonce, e2.keyNonce) {
		t.Fatal("Rewrap changed the key ciphertext")
	}
	if again, _ := both.Rewrap(t.Context(), spec, h2); !bytes.Equal(again.Blob, h2.Blob) {
		t.Fatal("Rewrap of a current handle changed it")
	}
	only2 := newDisk(t, "k2", map[string][]byte{"k2": k2})
	s, err := only2.Signer(t.Context(), h2)
	if err != nil {
		t.Fatalf("Signer with only k2: %v", err)
	}
	if !pub.(*ecdsa.PublicKey).Equal(s.Public()) {
		t.Fatal("rewrapped key has another public key")
	}
	keystest.SignAll(t, s)
	if _, err := only2.Signer(t.Context(), h); err == nil || !strings.Contains(err.Error(), `"k1", which is not configured`) {
		t.Fatalf("Signer of the old handle with only k2: %v; want unknown master key", err)
	}
	if _, err := both.Rewrap(t.Context(), keystest.NewSpec(p256), h); err == nil {
		t.Fatal("Rewrap with another keypair's spec succeeded")
	}
}

func TestTamperedBlobRefused(t *testing.T) {
	d := newDisk(t, "k1", map[string][]byte{"k1": masterKey()})
	h, _, err := d.Create(t.Context(), keystest.NewSpec(p256))
	if err != nil {
		t.Fatal(err)
	}
	for i := range h.Blob {
		bad := h
		bad.Blob = bytes.Clone(h.Blob)
		bad.Blob[i] ^= 0x01
		if _, err := d.Signer(t.Context(), bad); err == nil {
			t.Fatalf("Signer accepted a blob with byte %d flipped", i)
		}
	}
	for _, n := range []int{0, 5, 6, len(h.Blob) - 1} {
		bad := h
		bad.Blob = h.Blob[:n]
		if _, err := d.Signer(t.Context(), bad); err == nil {
			t.Fatalf("Signer accepted a blob cut to %d bytes", n)
		}
	}
}

func TestBlobOfAnotherKeypairRefused(t *testing.T) {
	d := newDisk(t, "k1", map[string][]byte{"k1": masterKey()})
	a, _, err := d.Create(t.Context(), keystest.NewSpec(p256))
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := d.Create(t.Context(), keystest.NewSpec(p256))
	if err != nil {
		t.Fatal(err)
	}
	moved := b
	moved.Blob = a.Blob
	if _, err := d.Signer(t.Context(), moved); !errors.Is(err, ErrOpen) {
		t.Fatalf("Signer of a blob moved to another keypair: %v; want ErrOpen", err)
	}
}

func TestHandleChecks(t *testing.T) {
	d := newDisk(t, "k1", map[string][]byte{"k1": masterKey(), "k0": masterKey()})
	h, _, err := d.Create(t.Context(), keystest.NewSpec(p256))
	if err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*keys.Handle){
		"backend":   func(h *keys.Handle) { h.Backend = "hsm" },
		"uri":       func(h *keys.Handle) { h.URI = "pkcs11:token=x" },
		"empty id":  func(h *keys.Handle) { h.URI = "disk:" },
		"kek":       func(h *keys.Handle) { h.KEK = "k0" },
		"no blob":   func(h *keys.Handle) { h.Blob = nil },
		"wrong kek": func(h *keys.Handle) { h.Blob = bytes.Replace(h.Blob, []byte("k1"), []byte("k0"), 1); h.KEK = "" },
	} {
		t.Run(name, func(t *testing.T) {
			bad := h
			mod(&bad)
			if _, err := d.Signer(t.Context(), bad); err == nil {
				t.Fatal("Signer succeeded")
			}
		})
	}
}

func TestSignerHidesPrivateKey(t *testing.T) {
	d := newDisk(t, "k1", map[string][]byte{"k1": masterKey()})
	h, _, err := d.Create(t.Context(), keystest.NewSpec(p256))
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.Signer(t.Context(), h)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*ecdsa.PrivateKey); ok {
		t.Fatal("Signer returned the bare private key")
	}
	if _, err := s.Sign(rand.Reader, make([]byte, 32), crypto.Hash(0)); err == nil {
		t.Fatal("ECDSA signer accepted an unhashed input")
	}
}

func TestClosed(t *testing.T) {
	d := newDisk(t, "k1", map[string][]byte{"k1": masterKey()})
	h, _, err := d.Create(t.Context(), keystest.NewSpec(p256))
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := d.Signer(t.Context(), h); !errors.Is(err, ErrClosed) {
		t.Fatalf("Signer after Close: %v; want ErrClosed", err)
	}
}

func BenchmarkSign(b *testing.B) {
	keystest.BenchmarkSign(b, newDisk(b, "k1", map[string][]byte{"k1": masterKey()}))
}
