package main

import (
	"context"
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/server/servertest"
	"github.com/signet-project/signet/internal/sigalg"
	"github.com/signet-project/signet/internal/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// stores opens a fresh store of each kind.
var stores = servertest.OpenStores()

// rotatingStore runs rotate once, just before the first re-wrapped handle
// is written: a server rotating the dynamic key between the command's read
// and its write.
type rotatingStore struct {
	server.Store
	once   sync.Once
	rotate func()
}

func (s *rotatingStore) SetKeyHandle(ctx context.Context, id string, generation int, old, h keys.Handle) error {
	s.once.Do(s.rotate)
	return s.Store.SetKeyHandle(ctx, id, generation, old, h)
}

// TestRewrapRacesRotation: a dynamic key rotated while `master-key rotate`
// re-wraps it keeps the new generation's private key, re-wrapped.
func TestRewrapRacesRotation(t *testing.T) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			oldKey, newKey := servertest.NewMasterKey(), servertest.NewMasterKey()
			// The servers still wrap under "old"; the command re-wraps under "new".
			srv, err := keys.New(ctx, "disk", keys.Options{MasterKeys: map[string][]byte{"old": oldKey}, CurrentKEK: "old"})
			if err != nil {
				t.Fatal(err)
			}
			cmd, err := keys.New(ctx, "disk", keys.Options{MasterKeys: map[string][]byte{"old": oldKey, "new": newKey}, CurrentKEK: "new"})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Truncate(time.Microsecond)
			kp := &keypair.Keypair{ID: "0190c0de-0000-7000-8000-000000000002", Alias: "dyn", Type: keypair.TypeDynamic,
				Algorithm: keys.Algorithm{Type: sigalg.ECDSA, Curve: "P-256"}, Category: "production", Storage: "disk",
				Status: "online", Access: "open", State: keypair.StateActive, Generation: 1, CreatedAt: now}
			spec := keys.Spec{ID: kp.ID, Label: kp.Alias, Algorithm: kp.Algorithm}
			h, pub, err := srv.Create(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			kp.Handle = h
			kp.PublicKey, _ = x509.MarshalPKIXPublicKey(pub)
			if err := st.CreateKeypair(ctx, kp, nil); err != nil {
				t.Fatal(err)
			}
			rs := &rotatingStore{Store: st, rotate: func() {
				h2, pub2, err := srv.Create(ctx, spec)
				if err != nil {
					t.Fatal(err)
				}
				der, _ := x509.MarshalPKIXPublicKey(pub2)
				if err := st.RotateKey(ctx, kp.ID, 1, h2, der, now.Add(time.Second), nil); err != nil {
					t.Fatal(err)
				}
			}}
			n, err := rewrapAll(ctx, rs, cmd.(keys.Rewrapper), "new")
			if err != nil || n != 1 {
				t.Fatalf("rewrapAll: %d, %v", n, err)
			}
			got, err := st.GetKeypair(ctx, kp.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Generation != 2 || got.Handle.KEK != "new" {
				t.Fatalf("after re-wrapping: generation %d under %q, want 2 under new", got.Generation, got.Handle.KEK)
			}
			sg, err := cmd.Signer(ctx, got.Handle)
			if err != nil {
				t.Fatal(err)
			}
			der, _ := x509.MarshalPKIXPublicKey(sg.Public())
			if string(der) != string(got.PublicKey) {
				t.Fatal("the stored private key is not generation 2's: its public key differs from the keypair's")
			}
		})
	}
}
