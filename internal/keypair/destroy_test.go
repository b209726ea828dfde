package keypair_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/server/servertest"
	"github.com/signet-project/signet/internal/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// stores opens a fresh store of each kind.
var stores = servertest.OpenStores()

// tokenHSM is a key backend that keeps track of the keys on its token.
// before, when set, runs once before the first key is destroyed.
type tokenHSM struct {
	mu     sync.Mutex
	n      int
	live   map[string]bool
	fired  atomic.Bool
	before func()
}

func (h *tokenHSM) Create(_ context.Context, spec keys.Spec) (keys.Handle, crypto.PublicKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keys.Handle{}, nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n++
	uri := fmt.Sprintf("pkcs11:token=t;id=%d", h.n)
	h.live[uri] = true
	return keys.Handle{Backend: "hsm", URI: uri}, k.Public(), nil
}

func (h *tokenHSM) Signer(context.Context, keys.Handle) (crypto.Signer, error) {
	return nil, errors.New("tokenHSM does not sign")
}

func (h *tokenHSM) Destroy(_ context.Context, k keys.Handle) error {
	if h.before != nil && h.fired.CompareAndSwap(false, true) {
		h.before()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.live, k.URI) // destroying a destroyed key succeeds, as on a token
	return nil
}

func (h *tokenHSM) Close() error { return nil }

// onToken lists the keys left on the token.
func (h *tokenHSM) onToken() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for uri := range h.live {
		out = append(out, uri)
	}
	sort.Strings(out)
	return out
}

var lead = policy.Principal{UserID: "u-lead", Name: "lead", Roles: []string{policy.RoleLead}, SecondFactor: true}

// service returns a keypair service over st with hsm as its "hsm" backend
// and a dynamic keypair on it.
func service(t *testing.T, st server.Store, hsm *tokenHSM) (*keypair.Service, *keypair.Keypair) {
	j := journal.New(st)
	t.Cleanup(j.Close)
	s := &keypair.Service{Store: st, Backends: map[string]keys.KeyManager{"hsm": hsm},
		Guard: &guard.Guard{Journal: j, Now: time.Now}, DefaultStorage: "hsm"}
	kp, err := s.Generate(t.Context(), lead, keypair.CreateRequest{Alias: "dyn", Type: keypair.TypeDynamic,
		Algorithm: "ecdsa", Curve: "P-256", Category: keypair.CategoryTest, Storage: "hsm"})
	if err != nil {
		t.Fatal(err)
	}
	return s, kp
}

// TestDestroyRacesRotation: a rotation committed between the destruction of
// the key a delete (or an expiry) read and the marking of the record leaves
// no key on the token: the new generation's key is destroyed too.
func TestDestroyRacesRotation(t *testing.T) {
	for name, open := range stores {
		for _, how := range []string{"delete", "expire"} {
			t.Run(name+"/"+how, func(t *testing.T) {
				ctx := t.Context()
				hsm := &tokenHSM{live: map[string]bool{}}
				s, kp := service(t, open(t), hsm)
				hsm.before = func() {
					if _, err := s.Rotate(ctx, lead, kp, "interval"); err != nil {
						t.Errorf("rotating: %v", err)
					}
				}
				var got *keypair.Keypair
				var err error
				if how == "delete" {
					got, err = s.Delete(ctx, lead, kp.Alias)
				} else {
					got, err = s.Expire(ctx, kp.Alias)
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.State != keypair.StateDestroyed {
					t.Fatalf("state %q after %s", got.State, how)
				}
				if left := hsm.onToken(); len(left) != 0 {
					t.Fatalf("keys left on the token after %s: %v", how, left)
				}
				cur, err := s.Store.GetKeypair(ctx, kp.ID)
				if err != nil {
					t.Fatal(err)
				}
				if cur.State != keypair.StateDestroyed || cur.Handle.URI != "" {
					t.Fatalf("record after %s: state %q, handle %+v", how, cur.State, cur.Handle)
				}
			})
		}
	}
}
