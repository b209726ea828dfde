package api_test

import (
	"context"
	"crypto/x509"
	"sync/atomic"
	"testing"

	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/server/servertest"
	"github.com/signet-project/signet/internal/store/sqlite"
)

// hookedStore is a SQLite store whose CA calls a test watches or
// interferes with.
type hookedStore struct {
	server.Store
	// overtake makes the next PutCRL find that another node stored that
	// number first, with the CRL it had built before: the stored one,
	// renumbered.
	overtake atomic.Bool
	// lists counts ListAuthorities calls.
	lists atomic.Int64
}

func (s *hookedStore) PutCRL(ctx context.Context, crl *ca.CRL) error {
	if s.overtake.CompareAndSwap(true, false) {
		if cur, err := s.Store.GetCRL(ctx, crl.AuthorityID); err == nil {
			other := *cur
			other.Number = crl.Number
			if err := s.Store.PutCRL(ctx, &other); err != nil {
				return err
			}
		}
	}
	return s.Store.PutCRL(ctx, crl)
}

func (s *hookedStore) ListAuthorities(ctx context.Context) ([]*ca.Authority, error) {
	s.lists.Add(1)
	return s.Store.ListAuthorities(ctx)
}

// startHooked starts a server on a hookedStore.
func startHooked(t *testing.T, opts ...servertest.Option) (*servertest.Env, *hookedStore) {
	t.Helper()
	hs := &hookedStore{}
	open := servertest.WithStore(func(t testing.TB) server.Store {
		st, err := sqlite.Open(context.Background(), t.TempDir()+"/signet.db")
		if err != nil {
			t.Fatal(err)
		}
		hs.Store = st
		return hs
	})
	return servertest.Start(t, append(opts, open)...), hs
}

// crlSerials fetches a CA's CRL and returns its serials (lowercase hex).
func crlSerials(t *testing.T, env *servertest.Env, name string) (*x509.RevocationList, map[string]bool) {
	t.Helper()
	rl, err := x509.ParseRevocationList(fetch(t, env, "/crl/"+name+".crl"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range rl.RevokedCertificateEntries {
		out[e.SerialNumber.Text(16)] = true
	}
	return rl, out
}

// TestCRLAfterRevocationRace: when another node stores the next CRL
// number, built before this revocation committed, between this node's
// read and its write, the revocation still reaches the published CRL at
// once (it was missing until the next scheduled CRL, up to 12 hours).
func TestCRLAfterRevocationRace(t *testing.T) {
	env, hs := startHooked(t)
	var kp certKeypair
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "raced", "algorithm": "ecdsa", "generate_cert": true}, 201).JSON(t, &kp)
	var list certListOut
	env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/raced/certificates", nil, 200).JSON(t, &list)
	c := list.Certificates[0]
	before, _ := crlSerials(t, env, "issuing")

	hs.overtake.Store(true)
	env.MustDo(t, env.Lead, "POST", "/api/v1/certificates/"+c.ID+"/revoke", map[string]any{"reason": "keyCompromise"}, 200)
	if hs.overtake.Load() {
		t.Fatal("the revocation stored no CRL")
	}
	rl, serials := crlSerials(t, env, "issuing")
	if !serials[c.Serial] {
		t.Fatalf("CRL %v (was %v) does not list the revoked certificate %s", rl.Number, before.Number, c.Serial)
	}
	if rl.Number.Int64() != before.Number.Int64()+2 {
		t.Errorf("CRL number %v, want %d: the other node's, then this one's", rl.Number, before.Number.Int64()+2)
	}
}
