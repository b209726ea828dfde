package bench

import (
	"context"
	"crypto"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/keys/disk"
	"github.com/signet-project/signet/internal/sigalg"
)

// Alg is a key algorithm the benchmark measures.
type Alg struct {
	Name   string         `json:"name"`    // also the bare server's alias
	SigAlg string         `json:"sig_alg"` // signing API name
	Key    keys.Algorithm `json:"key"`
}

// Algs are the algorithms the issue sets targets for.
var Algs = []Alg{
	{Name: "ecdsa-p256", SigAlg: "SHA256withECDSA", Key: keys.Algorithm{Type: sigalg.ECDSA, Curve: "P-256"}},
	{Name: "rsa-3072", SigAlg: "SHA256withRSA", Key: keys.Algorithm{Type: sigalg.RSA, Bits: 3072}},
}

// AlgNamed returns the algorithm called name.
func AlgNamed(name string) (Alg, error) {
	for _, a := range Algs {
		if a.Name == name {
			return a, nil
		}
	}
	return Alg{}, fmt.Errorf("bench: unknown algorithm %q (want ecdsa-p256 or rsa-3072)", name)
}

// NewSigner makes a fresh key in a disk backend with a random master key
// and returns its signer: the code signetd signs disk keys with.
func NewSigner(ctx context.Context, a Alg) (crypto.Signer, error) {
	mk := make([]byte, 32)
	rand.Read(mk)
	km, err := disk.New(ctx, keys.Options{MasterKeys: map[string][]byte{"bench": mk}, CurrentKEK: "bench"})
	if err != nil {
		return nil, err
	}
	h, _, err := km.Create(ctx, keys.Spec{ID: "bench-" + a.Name, Label: a.Name, Algorithm: a.Key})
	if err != nil {
		return nil, err
	}
	return km.Signer(ctx, h)
}

// RawResult is the in-process signing rate.
type RawResult struct {
	Goroutines int           `json:"goroutines"`
	Signatures uint64        `json:"signatures"`
	Elapsed    time.Duration `json:"elapsed_ns"`
	Rate       float64       `json:"rate"` // signatures per second
}

// Raw signs with s from goroutines goroutines for warmup+d and counts the
// signatures made during d.
func Raw(ctx context.Context, s crypto.Signer, a Alg, goroutines int, warmup, d time.Duration) (RawResult, error) {
	alg, err := sigalg.Parse(a.SigAlg)
	if err != nil {
		return RawResult{}, err
	}
	digest := digestOf(alg, []byte("signet raw baseline"))
	opts := alg.SignerOpts()
	var measuring atomic.Bool
	var count atomic.Uint64
	var firstErr error
	var once sync.Once
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.Sign(rand.Reader, digest, opts); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				if measuring.Load() {
					count.Add(1)
				}
			}
		})
	}
	sleep(ctx, warmup)
	measuring.Store(true)
	start := time.Now()
	sleep(ctx, d)
	measuring.Store(false)
	elapsed := time.Since(start)
	close(stop)
	wg.Wait()
	if firstErr != nil {
		return RawResult{}, fmt.Errorf("bench: raw %s signing: %w", a.Name, firstErr)
	}
	n := count.Load()
	return RawResult{Goroutines: goroutines, Signatures: n, Elapsed: elapsed, Rate: float64(n) / elapsed.Seconds()}, ctx.Err()
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
