package disk

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/keys/keystest"
	"github.com/signet-project/signet/internal/sigalg"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzOpen seeds")

// The fuzz seeds are sealed under this fixed master key so that mutations of
// valid envelopes reach the decryption and PKCS#8 parsing paths.
var fuzzKEK = bytes.Repeat([]byte{0x5a}, 32)

const fuzzID = "kp-fuzz"

func fuzzDisk(t testing.TB) *Disk {
	return newDisk(t, "fuzz", map[string][]byte{"fuzz": fuzzKEK})
}

func TestEnvelopeLayout(t *testing.T) {
	d := newDisk(t, "kek-7", map[string][]byte{"kek-7": masterKey()})
	h, _, err := d.Create(t.Context(), keystest.NewSpec(keys.Algorithm{Type: sigalg.Ed25519}))
	if err != nil {
		t.Fatal(err)
	}
	b := h.Blob
	if string(b[:4]) != "SGNK" || b[4] != 1 || b[5] != 5 || string(b[6:11]) != "kek-7" {
		t.Fatalf("header = %q", b[:11])
	}
	e, err := parseEnvelope(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.wrappedKey) != 48 || !bytes.Equal(e.marshal(), b) {
		t.Fatal("envelope does not round-trip")
	}
	if want := 11 + 12 + 48 + 12 + 48 + 16; len(b) != want { // Ed25519 PKCS#8 is 48 bytes
		t.Fatalf("Ed25519 envelope is %d bytes; want %d", len(b), want)
	}
}

func TestWriteFuzzSeeds(t *testing.T) {
	if !*updateSeeds {
		return
	}
	d := fuzzDisk(t)
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	h, err := d.Import(t.Context(), keys.Spec{ID: fuzzID}, k)
	if err != nil {
		t.Fatal(err)
	}
	seeds := [][]byte{h.Blob, h.Blob[:len(h.Blob)-20], []byte("SGNK\x01\x04fuzz"), []byte("SGNK\x02"), {}}
	dir := filepath.Join("testdata", "fuzz", "FuzzOpen")
	os.MkdirAll(dir, 0o755)
	for i, s := range seeds {
		data := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%d", i)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzOpen feeds arbitrary blobs to the envelope parser and to Signer. It
// must return errors, never panic, and parsed envelopes must round-trip.
func FuzzOpen(f *testing.F) {
	d := fuzzDisk(f)
	f.Fuzz(func(t *testing.T, blob []byte) {
		if e, err := parseEnvelope(blob); err == nil && !bytes.Equal(e.marshal(), blob) {
			t.Fatalf("envelope does not round-trip")
		}
		h := keys.Handle{Backend: Backend, URI: uriPrefix + fuzzID, Blob: blob}
		if s, err := d.Signer(context.Background(), h); err == nil {
			keystest.SignAll(t, s)
		}
	})
}
