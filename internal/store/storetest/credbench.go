package storetest

import (
	"context"
	"testing"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/server"
)

// BenchmarkCredentials compares what authenticating a request reads: the
// one joined query (CredentialsByToken) against the three reads it
// replaced (token by hash, user, client certificate by fingerprint).
func BenchmarkCredentials(b *testing.B, open func(tb testing.TB) server.Store) {
	s := open(b)
	ctx := context.Background()
	u := newUser("u-alice", "alice")
	tok := newToken("t1", u.ID, "sgn_bench-secret")
	c := &auth.ClientCert{ID: "c1", UserID: u.ID, Serial: "01", Fingerprint: hashOf("cert"), NotAfter: at(3600), CreatedAt: at(1)}
	for _, err := range []error{s.CreateUser(ctx, u, nil), s.CreateToken(ctx, tok, nil), s.CreateClientCert(ctx, c, nil)} {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Run("one query", func(b *testing.B) {
		for b.Loop() {
			if cr, err := s.CredentialsByToken(ctx, tok.Hash, c.Fingerprint); err != nil || cr.Cert == nil {
				b.Fatal(cr, err)
			}
		}
	})
	b.Run("three reads", func(b *testing.B) {
		for b.Loop() {
			t, err := s.TokenByHash(ctx, tok.Hash)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.GetUser(ctx, t.UserID); err != nil {
				b.Fatal(err)
			}
			if _, err := s.ClientCertByFingerprint(ctx, c.Fingerprint); err != nil {
				b.Fatal(err)
			}
		}
	})
}
