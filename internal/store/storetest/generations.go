package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/server"
)

// testGenerations: the generations of a dynamic keypair are its retired
// ones, oldest first, then the current one, each with its public key and
// times; store.ErrNotFound for a keypair that does not exist.
func testGenerations(t *testing.T, s server.Store) {
	ctx := t.Context()
	kp := newKeypair(1, "dyn")
	kp.Type, kp.Generation, kp.RotatedAt = keypair.TypeDynamic, 1, at(1)
	must(t, s.CreateKeypair(ctx, kp, nil))
	for g := 1; g <= 2; g++ {
		h := keys.Handle{Backend: "disk", URI: "disk:dyn", KEK: "kek-1", Blob: []byte{byte(g + 1)}}
		must(t, s.RotateKey(ctx, kp.ID, g, h, []byte{0x30, byte(g + 1)}, at(10*g), nil))
	}
	got, err := s.Generations(ctx, kp.ID)
	must(t, err)
	same(t, "generations", got, []keypair.Generation{
		{Generation: 1, PublicKey: kp.PublicKey, CreatedAt: at(1), RetiredAt: ptr(at(10))},
		{Generation: 2, PublicKey: []byte{0x30, 2}, CreatedAt: at(10), RetiredAt: ptr(at(20))},
		{Generation: 3, PublicKey: []byte{0x30, 3}, CreatedAt: at(20)},
	})
	_, err = s.Generations(ctx, "missing")
	wantErr(t, "Generations(missing)", err, errNotFound)
}

// testGenerationsDuringRotation: generations read while the keypair
// rotates are one consistent list: every generation from the first to the
// current one, none left out by a rotation committed mid-read.
func testGenerationsDuringRotation(t *testing.T, s server.Store) {
	ctx := t.Context()
	kp := newKeypair(1, "busy")
	kp.Type, kp.Generation = keypair.TypeDynamic, 1
	must(t, s.CreateKeypair(ctx, kp, nil))
	const rotations = 150
	var wg sync.WaitGroup
	done, stop := make(chan struct{}), make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for g := 1; g <= rotations; g++ {
			select {
			case <-stop:
				return
			default:
			}
			h := keys.Handle{Backend: "disk", URI: "disk:busy", KEK: "kek-1", Blob: []byte(fmt.Sprint(g + 1))}
			if err := s.RotateKey(ctx, kp.ID, g, h, []byte{0x30, byte(g + 1)}, at(g), nil); err != nil {
				t.Errorf("rotation %d: %v", g, err)
				return
			}
		}
	}()
	fail := func(format string, args ...any) {
		close(stop)
		wg.Wait()
		t.Fatalf(format, args...)
	}
	for reads := 1; ; reads++ {
		select {
		case <-done:
			wg.Wait()
			return
		default:
		}
		gens, err := s.Generations(ctx, kp.ID)
		if err != nil {
			fail("read %d: %v", reads, err)
		}
		for i, g := range gens {
			if g.Generation != i+1 || (g.RetiredAt == nil) != (i == len(gens)-1) {
				var list []int
				for _, g := range gens {
					list = append(list, g.Generation)
				}
				fail("read %d: generations %v: not every generation from 1 to the current one", reads, list)
			}
		}
	}
}
