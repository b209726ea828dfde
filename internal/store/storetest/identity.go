package storetest

import (
	"crypto/sha256"
	"testing"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/server"
)

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// testCredentials reads a token, its user, a certificate and the settings
// in one call, whatever the certificate.
func testCredentials(t *testing.T, s server.Store) {
	ctx := t.Context()
	alice, bob := newUser("u-alice", "alice"), newUser("u-bob", "bob")
	must(t, s.CreateUser(ctx, alice, nil))
	must(t, s.CreateUser(ctx, bob, nil))
	tok := newToken("t1", "u-alice", "sgn_secret-one")
	must(t, s.CreateToken(ctx, tok, nil))
	c1 := &auth.ClientCert{ID: "c1", UserID: "u-alice", Serial: "01", Fingerprint: hashOf("cert-1"), NotAfter: at(100), CreatedAt: at(1)}
	c2 := &auth.ClientCert{ID: "c2", UserID: "u-bob", Serial: "02", Fingerprint: hashOf("cert-2"), NotAfter: at(100), CreatedAt: at(1), RevokedAt: ptr(at(5))}
	must(t, s.CreateClientCert(ctx, c1, nil))
	must(t, s.CreateClientCert(ctx, c2, nil))
	_, err := s.UpdateSettings(ctx, auth.SettingsUpdate{TeamsEnabled: ptr(true)}, at(7), event(1, "Update", "settings"))
	must(t, err)

	got, err := s.CredentialsByToken(ctx, tok.Hash, nil)
	must(t, err)
	same(t, "token", got.Token, tok)
	same(t, "user", got.User, alice)
	same(t, "settings", got.Settings, auth.Settings{TeamsEnabled: true, UpdatedAt: at(7)})
	if got.Cert != nil {
		t.Fatalf("no fingerprint given, got certificate %+v", got.Cert)
	}
	got, err = s.CredentialsByToken(ctx, tok.Hash, c1.Fingerprint)
	must(t, err)
	same(t, "own certificate", got.Cert, c1)
	got, err = s.CredentialsByToken(ctx, tok.Hash, c2.Fingerprint)
	must(t, err)
	same(t, "another user's revoked certificate (the caller judges it)", got.Cert, c2)
	got, err = s.CredentialsByToken(ctx, tok.Hash, hashOf("unknown"))
	must(t, err)
	if got.Cert != nil {
		t.Fatalf("unknown fingerprint, got certificate %+v", got.Cert)
	}
	_, err = s.CredentialsByToken(ctx, hashOf("sgn_unknown"), c1.Fingerprint)
	wantErr(t, "unknown token", err, errNotFound)

	// Sessions are tokens of another kind, left out of token listings.
	sess := newToken("s1", "u-alice", "sgs_session")
	sess.Kind = auth.TokenSession
	must(t, s.CreateToken(ctx, sess, nil))
	got, err = s.CredentialsByToken(ctx, sess.Hash, nil)
	must(t, err)
	same(t, "session kind", got.Token.Kind, auth.TokenSession)
	list, err := s.ListTokens(ctx, "u-alice")
	must(t, err)
	same(t, "tokens without sessions", list, []*auth.Token{tok})
	gt, err := s.GetToken(ctx, "s1")
	must(t, err)
	same(t, "GetToken", gt, sess)
	gc, err := s.GetClientCert(ctx, "c2")
	must(t, err)
	same(t, "GetClientCert", gc, c2)
}

// grantsOf reads a user's resolved grants through its token.
func grantsOf(t *testing.T, s server.Store, token string) auth.Grants {
	t.Helper()
	c, err := s.CredentialsByToken(t.Context(), hashOf(token), nil)
	must(t, err)
	return c.Grants
}

// testGrants follows a user's teams and custom roles through every change
// of users, groups, teams and roles.
func testGrants(t *testing.T, s server.Store) {
	ctx := t.Context()
	u := &auth.User{ID: "u-dev", Name: "dev", Type: auth.UserStandard, Roles: []string{"developer"}, Groups: []string{}, CreatedAt: at(1)}
	must(t, s.CreateUser(ctx, u, nil))
	must(t, s.CreateToken(ctx, newToken("t1", "u-dev", "sgn_dev"), nil))
	same(t, "no teams, no custom roles", grantsOf(t, s, "sgn_dev"), auth.Grants{})

	releaser := &policy.Role{Name: "releaser", Scope: policy.ScopeAccount, Permissions: []policy.Action{policy.ReleaseRequest}}
	must(t, s.CreateRole(ctx, releaser, event(1, "Create", "releaser")))
	must(t, s.CreateGroup(ctx, &auth.Group{Name: "builders", CreatedAt: at(2)}, event(2, "Create", "builders")))
	must(t, s.CreateTeam(ctx, &auth.Team{Name: "blue", CreatedAt: at(3), Members: []auth.TeamMember{
		{Kind: auth.MemberGroup, Member: "builders", Roles: []string{"releaser"}},
	}}, event(3, "Create", "blue")))
	same(t, "not in the group yet", grantsOf(t, s, "sgn_dev"), auth.Grants{})

	u.Groups = []string{"builders"}
	must(t, s.UpdateUser(ctx, u, event(4, "Update", u.ID)))
	want := auth.Grants{Teams: map[string][]string{"blue": {"releaser"}}, Custom: map[string]policy.Role{"releaser": *releaser}}
	same(t, "team through the group", grantsOf(t, s, "sgn_dev"), want)
	all, err := s.UserGrants(ctx)
	must(t, err)
	same(t, "UserGrants", all[u.ID], want)

	must(t, s.SetTeamMember(ctx, "blue", auth.TeamMember{Kind: auth.MemberUser, Member: u.ID, Roles: []string{"team_lead"}}, event(5, "Update", "blue")))
	want.Teams["blue"] = []string{"releaser", "team_lead"}
	same(t, "roles of both memberships", grantsOf(t, s, "sgn_dev"), want)

	releaser.Permissions = append(releaser.Permissions, policy.ReleaseView)
	must(t, s.UpdateRole(ctx, releaser, event(6, "Update", "releaser")))
	want.Custom["releaser"] = *releaser
	same(t, "custom role updated", grantsOf(t, s, "sgn_dev"), want)
	wantErr(t, "DeleteRole(held)", s.DeleteRole(ctx, "releaser", event(7, "Delete", "releaser")), errConflict)

	must(t, s.DeleteGroup(ctx, "builders", event(8, "Delete", "builders")))
	want = auth.Grants{Teams: map[string][]string{"blue": {"team_lead"}}}
	same(t, "group deleted", grantsOf(t, s, "sgn_dev"), want)
	got, err := s.GetUser(ctx, u.ID)
	must(t, err)
	same(t, "groups after the group's deletion", got.Groups, []string{})
	must(t, s.DeleteRole(ctx, "releaser", event(9, "Delete", "releaser")))

	team, err := s.GetTeam(ctx, "blue")
	must(t, err)
	same(t, "team members", team.Members, []auth.TeamMember{{Kind: auth.MemberUser, Member: u.ID, Roles: []string{"team_lead"}}})
	must(t, s.RemoveTeamMember(ctx, "blue", auth.MemberUser, u.ID, event(10, "Update", "blue")))
	wantErr(t, "RemoveTeamMember(again)", s.RemoveTeamMember(ctx, "blue", auth.MemberUser, u.ID, event(11, "Update", "blue")), errNotFound)
	same(t, "out of the team", grantsOf(t, s, "sgn_dev"), auth.Grants{})
	wantErr(t, "SetTeamMember(no team)", s.SetTeamMember(ctx, "red", auth.TeamMember{Kind: auth.MemberUser, Member: u.ID, Roles: []string{}}, nil), errNotFound)
	must(t, s.DeleteTeam(ctx, "blue", event(12, "Delete", "blue")))
	_, err = s.GetTeam(ctx, "blue")
	wantErr(t, "GetTeam(deleted)", err, errNotFound)
	if n := auditCount(t, s); n != 10 { // the two refused changes left no record
		t.Fatalf("audit records: %d, want 10", n)
	}
}

// testDisableDelete: disabling revokes every credential at once; deleting
// removes the user and its credentials.
func testDisableDelete(t *testing.T, s server.Store) {
	ctx := t.Context()
	must(t, s.CreateUser(ctx, newUser("u-alice", "alice"), nil))
	tok := newToken("t1", "u-alice", "sgn_one")
	must(t, s.CreateToken(ctx, tok, nil))
	sess := newToken("s1", "u-alice", "sgs_one")
	sess.Kind = auth.TokenSession
	must(t, s.CreateToken(ctx, sess, nil))
	must(t, s.CreateClientCert(ctx, &auth.ClientCert{ID: "c1", UserID: "u-alice", Serial: "01", Fingerprint: hashOf("c1"), NotAfter: at(100), CreatedAt: at(1)}, nil))

	must(t, s.SetUserDisabled(ctx, "u-alice", true, at(50), event(1, "Disable", "u-alice")))
	for _, secret := range []string{"sgn_one", "sgs_one"} {
		c, err := s.CredentialsByToken(ctx, hashOf(secret), hashOf("c1"))
		must(t, err)
		if !c.User.Disabled || c.Token.RevokedAt == nil || !c.Token.RevokedAt.Equal(at(50)) || c.Cert.RevokedAt == nil {
			t.Fatalf("after disabling: user disabled %v, token revoked %v, cert revoked %v", c.User.Disabled, c.Token.RevokedAt, c.Cert.RevokedAt)
		}
	}
	must(t, s.SetUserDisabled(ctx, "u-alice", false, at(60), event(2, "Enable", "u-alice")))
	c, err := s.CredentialsByToken(ctx, tok.Hash, nil)
	must(t, err)
	if c.User.Disabled || c.Token.RevokedAt == nil {
		t.Fatalf("enabling must not bring back revoked credentials: %+v", c.Token)
	}
	wantErr(t, "SetUserDisabled(missing)", s.SetUserDisabled(ctx, "nobody", true, at(1), nil), errNotFound)

	must(t, s.DeleteUser(ctx, "u-alice", event(3, "Delete", "u-alice")))
	_, err = s.GetUser(ctx, "u-alice")
	wantErr(t, "GetUser(deleted)", err, errNotFound)
	_, err = s.CredentialsByToken(ctx, tok.Hash, nil)
	wantErr(t, "token of a deleted user", err, errNotFound)
	wantErr(t, "DeleteUser(again)", s.DeleteUser(ctx, "u-alice", nil), errNotFound)
}
