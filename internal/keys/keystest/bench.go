package keystest

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/sigalg"
)

// BenchmarkSign measures km's in-process signing for ECDSA P-256
// (SHA256withECDSA), RSA-3072 (SHA256withRSA) and Ed25519 (pure, on a
// 64-byte message), serially and with b.RunParallel. These are the raw
// crypto.Signer baselines for the service's end-to-end benchmarks.
func BenchmarkSign(b *testing.B, km keys.KeyManager) {
	for _, c := range []struct {
		name string
		alg  keys.Algorithm
		sig  string
	}{
		{"ECDSA-P256", keys.Algorithm{Type: sigalg.ECDSA, Curve: "P-256"}, "SHA256withECDSA"},
		{"RSA-3072", keys.Algorithm{Type: sigalg.RSA, Bits: 3072}, "SHA256withRSA"},
		{"Ed25519", keys.Algorithm{Type: sigalg.Ed25519, Curve: "Ed25519"}, "Ed25519"},
	} {
		b.Run(c.name, func(b *testing.B) {
			h, _, err := km.Create(b.Context(), NewSpec(c.alg))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { km.Destroy(context.Background(), h) })
			s, err := km.Signer(b.Context(), h)
			if err != nil {
				b.Fatal(err)
			}
			alg, _ := sigalg.Parse(c.sig)
			in := Input(alg, []byte("signet benchmark message, 64 bytes long, padded to that length.."))
			opts := alg.SignerOpts()
			b.Run("serial", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.Sign(rand.Reader, in, opts); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("parallel", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := s.Sign(rand.Reader, in, opts); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}
