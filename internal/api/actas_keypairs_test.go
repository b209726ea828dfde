package api_test

import (
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/server/servertest"
)

// TestUserManagerAndAllowLists: acting as someone signs with what they may
// sign with, so a user manager (here one who covers a Developer's
// permissions) may not mint the credentials of a user on a restricted
// keypair's allow-list, nor join a group on one, unless on that list too or
// able to change it (keypair.manage: a Lead), on each store.
func TestUserManagerAndAllowLists(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		lead := env.Lead
		env.MustDo(t, lead, "POST", "/api/v1/roles", map[string]any{"name": "dev-admin", "permissions": []string{
			"keypair.generate", "keypair.view", "certificate.generate", "certificate.view", "profile.view", "sign",
			"release.request", "release.view", "audit.view", "credentials.manage_own", "user.manage"}}, 201)
		admin := env.NewUser(t, "dev-admin", "dev-admin")
		bob := env.NewUser(t, "bob", "developer")
		env.NewUser(t, "carol", "developer")
		env.MustDo(t, lead, "POST", "/api/v1/groups", map[string]any{"name": "prod-signers"}, 201)
		generate(t, env, lead, map[string]any{"alias": "prod", "algorithm": "ecdsa", "access": "restricted",
			"allowed_users": []string{bob.ID}, "allowed_groups": []string{"prod-signers"}})

		if r := env.Do(t, admin, "POST", "/api/v1/tokens", map[string]any{"user": "bob", "name": "x"}); r.Status != 403 ||
			r.Code() != "permission_denied" || !strings.Contains(string(r.Body), "allow-list") {
			t.Errorf("a token for a user on an allow-list: %s, want 403 naming the allow-list", r)
		}
		if r := env.Do(t, admin, "PUT", "/api/v1/groups/prod-signers/members/dev-admin", nil); r.Status != 403 {
			t.Errorf("joining a group on an allow-list: %s, want 403", r)
		}
		env.MustDo(t, admin, "POST", "/api/v1/tokens", map[string]any{"user": "carol", "name": "x"}, 201)
		env.MustDo(t, lead, "POST", "/api/v1/tokens", map[string]any{"user": "bob", "name": "x"}, 201)
	})
}
