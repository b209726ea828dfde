package api_test

import (
	"crypto/sha256"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/server/servertest"
)

// TestTokenLifecycle: a token is shown once, listed by its prefix, marks
// its last use, expires, is revoked at once, and carries its user's
// permissions, never more.
func TestTokenLifecycle(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		var offset atomic.Int64
		clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		env := servertest.Start(t, store, servertest.WithClock(clock))
		dev := apiUser(t, env, "devi", "developer")
		var tok struct {
			ID, Prefix, Secret string
		}
		env.MustDo(t, dev, "POST", "/api/v1/tokens", map[string]any{"name": "ci", "expires_in": "1h"}, 201).JSON(t, &tok)
		if !strings.HasPrefix(tok.Secret, tok.Prefix) || len(tok.Prefix) < 8 || len(tok.Secret) < 30 {
			t.Fatalf("token %+v", tok)
		}
		ci := &servertest.User{User: dev.User, Token: tok.Secret, Cert: dev.Cert, Client: dev.Client}
		env.MustDo(t, ci, "GET", "/api/v1/me", nil, 200)
		r := env.MustDo(t, dev, "GET", "/api/v1/tokens", nil, 200)
		body := string(r.Body)
		if strings.Contains(body, tok.Secret) || strings.Contains(body, `"hash"`) || !strings.Contains(body, tok.Prefix) {
			t.Fatalf("listing shows the secret or its hash, or not the prefix: %s", body)
		}
		var list struct {
			Tokens []struct {
				ID         string     `json:"id"`
				LastUsedAt *time.Time `json:"last_used_at"`
				ExpiresAt  *time.Time `json:"expires_at"`
			}
		}
		r.JSON(t, &list)
		for _, l := range list.Tokens {
			if l.ID == tok.ID && (l.LastUsedAt == nil || l.ExpiresAt == nil) {
				t.Fatalf("token listing lacks last use or expiry: %s", body)
			}
		}

		// Never more than its user: no user.manage, no token for another.
		if r := env.Do(t, ci, "GET", "/api/v1/users", nil); r.Status != 403 || !strings.Contains(string(r.Body), "user.manage") {
			t.Fatalf("developer's token listing users: %s", r)
		}
		if r := env.Do(t, ci, "POST", "/api/v1/tokens", map[string]any{"user": env.Lead.Name}); r.Status != 403 || r.Code() != "permission_denied" {
			t.Fatalf("token for another user: %s", r)
		}
		env.MustDo(t, dev, "DELETE", "/api/v1/tokens/"+tok.ID, nil, 200)
		if r := env.Do(t, ci, "GET", "/api/v1/me", nil); r.Status != 401 || r.Code() != "api_key_revoked" {
			t.Fatalf("revoked token: %s", r)
		}
		env.MustDo(t, dev, "POST", "/api/v1/tokens", map[string]any{"expires_in": "1h"}, 201).JSON(t, &tok)
		ci.Token = tok.Secret
		env.MustDo(t, ci, "GET", "/api/v1/me", nil, 200)
		offset.Store(int64(61 * time.Minute))
		if r := env.Do(t, ci, "GET", "/api/v1/me", nil); r.Status != 401 || r.Code() != "api_key_expired" {
			t.Fatalf("expired token: %s", r)
		}
		if r := env.Do(t, dev, "DELETE", "/api/v1/tokens/"+list.Tokens[0].ID, nil); r.Status != 200 {
			t.Fatalf("revoking own first token: %s", r)
		}
	})
}

// TestServiceUser: a service user has no password and cannot manage its
// own credentials; a Lead makes them, and it signs with both factors.
func TestServiceUser(t *testing.T) {
	env := servertest.Start(t)
	generate(t, env, env.Lead, map[string]any{"alias": "ci-key", "algorithm": "ecdsa"})
	if r := env.Do(t, env.Lead, "POST", "/api/v1/users", map[string]any{"name": "bot", "type": "service", "password": testPassword}); r.Status != 400 {
		t.Fatalf("service user with a password: %s", r)
	}
	env.MustDo(t, env.Lead, "POST", "/api/v1/users", map[string]any{"name": "bot", "type": "service", "roles": []string{"build_engineer"}}, 201)
	var tok struct{ Secret string }
	env.MustDo(t, env.Lead, "POST", "/api/v1/tokens", map[string]any{"user": "bot", "name": "pipeline"}, 201).JSON(t, &tok)
	bot := withP12(t, env, &servertest.User{Token: tok.Secret}, issueCert(t, env, env.Lead, "bot"))
	d := sha256.Sum256([]byte("artifact"))
	env.MustDo(t, bot, "POST", "/api/v1/keypairs/ci-key/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:]}, 200)
	for _, probe := range []struct{ method, path string }{{"POST", "/api/v1/tokens"}, {"GET", "/api/v1/tokens"}, {"POST", "/api/v1/client-certs"}} {
		r := env.Do(t, bot, probe.method, probe.path, map[string]any{})
		if r.Status != 403 || r.Code() != "service_user_credentials" || !strings.Contains(string(r.Body), "managed by a Lead") {
			t.Fatalf("service user: %s %s: %s", probe.method, probe.path, r)
		}
	}
	env.MustDo(t, env.Lead, "GET", "/api/v1/tokens?user=bot", nil, 200)
	env.MustDo(t, env.Lead, "DELETE", "/api/v1/users/bot", nil, 204)
	if r := env.Do(t, bot, "GET", "/api/v1/me", nil); r.Status != 401 {
		t.Fatalf("deleted user's token: %s", r)
	}
}

// TestCustomRoles: a custom role acts at once for its holders when it
// changes, cannot be deleted while held, and nobody gives a role holding
// more than they do.
func TestCustomRoles(t *testing.T) {
	env := servertest.Start(t)
	generate(t, env, env.Lead, map[string]any{"alias": "rel-key", "algorithm": "ecdsa"})
	env.MustDo(t, env.Lead, "POST", "/api/v1/roles", map[string]any{"name": "releaser", "permissions": []string{"release.request", "release.view"}}, 201)
	u := apiUser(t, env, "rita")
	env.MustDo(t, env.Lead, "PATCH", "/api/v1/users/rita", map[string]any{"roles": []string{"releaser"}}, 200)
	start, end := window(time.Now())
	rel := map[string]any{"name": "r", "type": "online", "keypairs": []string{"rel-key"}, "start": start, "end": end, "max_signatures": 5}
	createRelease(t, env, u, rel, 201)
	env.MustDo(t, env.Lead, "PUT", "/api/v1/roles/releaser", map[string]any{"permissions": []string{"release.view"}}, 200)
	if r := env.Do(t, u, "POST", "/api/v1/releases", rel); r.Status != 403 || !strings.Contains(string(r.Body), "release.request") {
		t.Fatalf("after the role lost release.request: %s", r)
	}
	if r := env.Do(t, env.Lead, "DELETE", "/api/v1/roles/releaser", nil); r.Status != 409 {
		t.Fatalf("deleting a held role: %s", r)
	}
	if r := env.Do(t, env.Lead, "POST", "/api/v1/roles", map[string]any{"name": "lead", "permissions": []string{"sign"}}); r.Status != 409 {
		t.Fatalf("redefining a built-in role: %s", r)
	}

	// A user manager who is no Lead cannot make anyone a Lead.
	env.MustDo(t, env.Lead, "POST", "/api/v1/roles", map[string]any{"name": "user-admin", "permissions": []string{"user.manage"}}, 201)
	env.MustDo(t, env.Lead, "PATCH", "/api/v1/users/rita", map[string]any{"roles": []string{"releaser", "user-admin"}}, 200)
	r := env.Do(t, u, "PATCH", "/api/v1/users/rita", map[string]any{"roles": []string{"releaser", "user-admin", "lead"}})
	if r.Status != 403 || !strings.Contains(string(r.Body), "giving role lead needs permission") {
		t.Fatalf("escalation to lead: %s", r)
	}
	if r := env.Do(t, u, "POST", "/api/v1/roles", map[string]any{"name": "x", "permissions": []string{"audit.view"}}); r.Status != 403 {
		t.Fatalf("creating a role without role.manage: %s", r)
	}
	env.MustDo(t, u, "POST", "/api/v1/users", map[string]any{"name": "newbie", "roles": []string{"releaser"}}, 201)

	// ...nor become one: a Lead's credentials, password and TOTP are out of
	// its reach, as is enabling a Lead; a user holding less is not.
	for _, probe := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/tokens", map[string]any{"user": env.Lead.Name, "name": "mine now"}},
		{"POST", "/api/v1/client-certs", map[string]any{"user": env.Lead.Name}},
		{"PUT", "/api/v1/users/" + env.Lead.Name + "/password", map[string]any{"password": "a long new passphrase"}},
		{"DELETE", "/api/v1/users/" + env.Lead.Name + "/totp", nil},
		{"POST", "/api/v1/users/" + env.Lead.Name + "/enable", nil},
	} {
		r := env.Do(t, u, probe.method, probe.path, probe.body)
		if r.Status != 403 || r.Code() != "permission_denied" || !strings.Contains(string(r.Body), "user "+env.Lead.Name+" holds permission") {
			t.Errorf("user manager: %s %s on a Lead: %d %s", probe.method, probe.path, r.Status, r.Code())
		}
	}
	env.MustDo(t, u, "POST", "/api/v1/tokens", map[string]any{"user": "newbie", "name": "for newbie"}, 201)
}
