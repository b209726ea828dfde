package storetest

import (
	"testing"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/server"
)

// ReadCache checks that what a store keeps in memory of the signing path's
// reads (credentials, keypairs) never outlives a change made through
// another store on the same database: another node, or an admin command in
// another process. a and b must share one database.
func ReadCache(t *testing.T, a, b server.Store) {
	ctx := t.Context()
	u := newUser("u-alice", "alice")
	tok := newToken("t1", u.ID, "sgn_secret-cache")
	c := &auth.ClientCert{ID: "c1", UserID: u.ID, Serial: "01", Fingerprint: hashOf("cert-cache"), NotAfter: at(3600), CreatedAt: at(1)}
	kp := newKeypair(1, "cached")
	must(t, a.CreateUser(ctx, u, nil))
	must(t, a.CreateToken(ctx, tok, nil))
	must(t, a.CreateClientCert(ctx, c, nil))
	must(t, a.CreateKeypair(ctx, kp, nil))

	creds := func(what string) *auth.Credentials {
		t.Helper()
		var got *auth.Credentials
		for range 3 { // the first read fills the cache, the others hit it
			var err error
			got, err = a.CredentialsByToken(ctx, tok.Hash, c.Fingerprint)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		return got
	}
	kpState := func(what string) string {
		t.Helper()
		var byAlias, byID *keypair.Keypair
		for range 3 {
			var err error
			if byAlias, err = a.GetKeypair(ctx, kp.Alias); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if byID, err = a.GetKeypair(ctx, kp.ID); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		if byAlias.State != byID.State {
			t.Fatalf("%s: by alias %s, by id %s", what, byAlias.State, byID.State)
		}
		return byID.State
	}

	if got := creds("fresh"); got.Token.RevokedAt != nil || got.User.Disabled || got.Cert == nil || got.Cert.RevokedAt != nil {
		t.Fatalf("fresh credentials: %+v %+v %+v", got.Token, got.User, got.Cert)
	}
	if s := kpState("fresh"); s != keypair.StateActive {
		t.Fatalf("fresh keypair state %s", s)
	}

	must(t, b.RevokeToken(ctx, tok.ID, at(10), nil))
	if got := creds("token revoked elsewhere"); got.Token.RevokedAt == nil {
		t.Fatal("token revoked through another store, still read as valid")
	}
	must(t, b.RevokeClientCert(ctx, c.ID, at(11), nil))
	if got := creds("certificate revoked elsewhere"); got.Cert == nil || got.Cert.RevokedAt == nil {
		t.Fatalf("certificate revoked through another store, still read as %+v", got.Cert)
	}
	must(t, b.SetUserDisabled(ctx, u.ID, true, at(12), nil))
	if got := creds("user disabled elsewhere"); !got.User.Disabled {
		t.Fatal("user disabled through another store, still read as enabled")
	}
	kpState("cached again")
	must(t, b.SetKeypairState(ctx, kp.ID, keypair.StateSuspended, at(13), nil))
	if s := kpState("keypair suspended elsewhere"); s != keypair.StateSuspended {
		t.Fatalf("keypair suspended through another store, still read as %s", s)
	}

	// A caller changing what it was given does not change the next answer.
	got := creds("after edits")
	got.User.Disabled = false
	got.Token.RevokedAt = nil
	if again := creds("after the caller's edit"); !again.User.Disabled || again.Token.RevokedAt == nil {
		t.Fatal("a caller's edit of returned credentials reached the cache")
	}
}
