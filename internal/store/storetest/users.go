package storetest

import (
	"crypto/sha256"
	"testing"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/server"
)

func newUser(id, name string) *auth.User {
	return &auth.User{ID: id, Name: name, Email: name + "@example.com", Type: auth.UserStandard,
		Roles: []string{"Lead", "Signer"}, Groups: []string{"g1"}, Disabled: false, CreatedAt: at(1)}
}

func testUsers(t *testing.T, s server.Store) {
	ctx := t.Context()
	alice := newUser("u-alice", "alice")
	must(t, s.CreateUser(ctx, alice, event(1, "Create", "u-alice")))
	bot := &auth.User{ID: "u-bot", Name: "bot", Type: auth.UserService, Roles: []string{}, Groups: nil,
		Disabled: true, CreatedAt: at(2)}
	must(t, s.CreateUser(ctx, bot, event(2, "Create", "u-bot")))

	for _, key := range []string{"u-alice", "alice"} {
		got, err := s.GetUser(ctx, key)
		must(t, err)
		same(t, "GetUser("+key+")", got, alice)
	}
	got, err := s.GetUser(ctx, "bot")
	must(t, err)
	same(t, "service user (empty roles, nil groups, disabled)", got, bot)

	_, err = s.GetUser(ctx, "nobody")
	wantErr(t, "GetUser(missing)", err, errNotFound)
	wantErr(t, "CreateUser(taken name)", s.CreateUser(ctx, newUser("u-other", "alice"), event(3, "Create", "u-other")), errConflict)
	wantErr(t, "CreateUser(taken id)", s.CreateUser(ctx, newUser("u-alice", "alice2"), event(4, "Create", "u-alice")), errConflict)

	users, err := s.ListUsers(ctx)
	must(t, err)
	same(t, "ListUsers", users, []*auth.User{alice, bot})
	if n := auditCount(t, s); n != 2 {
		t.Fatalf("audit records: %d, want 2", n)
	}
}

func newToken(id, userID, secret string) *auth.Token {
	h := sha256.Sum256([]byte(secret))
	return &auth.Token{ID: id, UserID: userID, Name: "ci " + id, Prefix: secret[:6], Hash: h[:],
		CreatedAt: at(3), ExpiresAt: ptr(at(3600))}
}

func testTokens(t *testing.T, s server.Store) {
	ctx := t.Context()
	must(t, s.CreateUser(ctx, newUser("u-alice", "alice"), nil))
	must(t, s.CreateUser(ctx, newUser("u-bob", "bob"), nil))
	t1 := newToken("t1", "u-alice", "sgn_secret-one")
	t2 := newToken("t2", "u-alice", "sgn_secret-two")
	t2.ExpiresAt, t2.CreatedAt = nil, at(4)
	t3 := newToken("t3", "u-bob", "sgn_secret-three")
	for i, tok := range []*auth.Token{t1, t2, t3} {
		must(t, s.CreateToken(ctx, tok, event(i, "Create", tok.ID)))
	}

	got, err := s.TokenByHash(ctx, t2.Hash)
	must(t, err)
	same(t, "TokenByHash", got, t2)
	other := sha256.Sum256([]byte("sgn_unknown"))
	_, err = s.TokenByHash(ctx, other[:])
	wantErr(t, "TokenByHash(unknown)", err, errNotFound)

	list, err := s.ListTokens(ctx, "u-alice")
	must(t, err)
	same(t, "ListTokens(alice)", list, []*auth.Token{t1, t2})
	list, err = s.ListTokens(ctx, "u-nobody")
	must(t, err)
	same(t, "ListTokens(nobody)", len(list), 0)

	dup := newToken("t4", "u-bob", "sgn_secret-one")
	wantErr(t, "CreateToken(taken hash)", s.CreateToken(ctx, dup, event(5, "Create", "t4")), errConflict)
	orphan := newToken("t5", "u-nobody", "sgn_secret-five")
	wantErr(t, "CreateToken(unknown user)", s.CreateToken(ctx, orphan, event(6, "Create", "t5")), errNotFound)
	if n := auditCount(t, s); n != 3 {
		t.Fatalf("audit records: %d, want 3", n)
	}
}

func testTokenRevokeTouch(t *testing.T, s server.Store) {
	ctx := t.Context()
	must(t, s.CreateUser(ctx, newUser("u-alice", "alice"), nil))
	tok := newToken("t1", "u-alice", "sgn_secret-one")
	must(t, s.CreateToken(ctx, tok, nil))

	must(t, s.TouchToken(ctx, tok.ID, at(50)))
	must(t, s.RevokeToken(ctx, tok.ID, at(60), event(1, "Revoke", tok.ID)))
	must(t, s.RevokeToken(ctx, tok.ID, at(70), event(2, "Revoke", tok.ID))) // keeps the first time
	got, err := s.TokenByHash(ctx, tok.Hash)
	must(t, err)
	tok.LastUsedAt, tok.RevokedAt = ptr(at(50)), ptr(at(60))
	same(t, "revoked token", got, tok)

	wantErr(t, "RevokeToken(missing)", s.RevokeToken(ctx, "missing", at(1), event(3, "Revoke", "missing")), errNotFound)
	wantErr(t, "TouchToken(missing)", s.TouchToken(ctx, "missing", at(1)), errNotFound)
	if n := auditCount(t, s); n != 2 {
		t.Fatalf("audit records: %d, want 2", n)
	}
}

func testClientCerts(t *testing.T, s server.Store) {
	ctx := t.Context()
	must(t, s.CreateUser(ctx, newUser("u-alice", "alice"), nil))
	fp1, fp2 := sha256.Sum256([]byte("cert-1")), sha256.Sum256([]byte("cert-2"))
	c1 := &auth.ClientCert{ID: "c1", UserID: "u-alice", Serial: "0a1b", Fingerprint: fp1[:], NotAfter: at(86400), CreatedAt: at(1)}
	c2 := &auth.ClientCert{ID: "c2", UserID: "u-alice", Serial: "0a1c", Fingerprint: fp2[:], NotAfter: at(86401), CreatedAt: at(2),
		RevokedAt: ptr(at(5))}
	must(t, s.CreateClientCert(ctx, c1, event(1, "Create", "c1")))
	must(t, s.CreateClientCert(ctx, c2, event(2, "Create", "c2")))

	got, err := s.ClientCertByFingerprint(ctx, fp1[:])
	must(t, err)
	same(t, "ClientCertByFingerprint", got, c1)
	missing := sha256.Sum256([]byte("cert-3"))
	_, err = s.ClientCertByFingerprint(ctx, missing[:])
	wantErr(t, "ClientCertByFingerprint(unknown)", err, errNotFound)

	dup := *c1
	dup.ID = "c3"
	wantErr(t, "CreateClientCert(taken fingerprint)", s.CreateClientCert(ctx, &dup, event(3, "Create", "c3")), errConflict)
	orphan := &auth.ClientCert{ID: "c4", UserID: "u-nobody", Serial: "ff", Fingerprint: missing[:], NotAfter: at(9), CreatedAt: at(9)}
	wantErr(t, "CreateClientCert(unknown user)", s.CreateClientCert(ctx, orphan, nil), errNotFound)

	must(t, s.RevokeClientCert(ctx, "c1", at(30), event(4, "Revoke", "c1")))
	wantErr(t, "RevokeClientCert(missing)", s.RevokeClientCert(ctx, "missing", at(30), nil), errNotFound)
	c1.RevokedAt = ptr(at(30))
	list, err := s.ListClientCerts(ctx, "u-alice")
	must(t, err)
	same(t, "ListClientCerts", list, []*auth.ClientCert{c1, c2})
	if n := auditCount(t, s); n != 3 {
		t.Fatalf("audit records: %d, want 3", n)
	}
}
