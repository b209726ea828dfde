package api_test

import (
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/server/servertest"
)

// TestClientCertNeedsSecondFactor: a client certificate is the second
// factor, so an API token alone makes none, neither for its own user nor,
// with user.manage, for another: a token leaked from CI cannot mint the
// factor that signing needs. A caller presenting its own certificate, or
// signed in to the web console (the first certificate of a standard user),
// may; the certificate made then signs.
func TestClientCertNeedsSecondFactor(t *testing.T) {
	env := servertest.Start(t)
	generate(t, env, env.Lead, map[string]any{"alias": "factor-key", "algorithm": "ecdsa"})
	dev := apiUser(t, env, "fiona", "developer")
	env.MustDo(t, env.Lead, "POST", "/api/v1/users", map[string]any{"name": "fbot", "type": "service", "roles": []string{"build_engineer"}}, 201)
	for _, c := range []struct {
		name string
		by   *servertest.User
		user string
	}{
		{"a developer's token, for itself", tokenOnly(env, dev), ""},
		{"a Lead's token, for itself", tokenOnly(env, env.Lead), ""},
		{"a Lead's token, for a service user", tokenOnly(env, env.Lead), "fbot"},
	} {
		r := env.Do(t, c.by, "POST", "/api/v1/client-certs", map[string]any{"user": c.user})
		if r.Status != 403 || r.Code() != "second_factor_required" || !strings.Contains(string(r.Body), "web console") {
			t.Errorf("%s: %d %s, want 403 second_factor_required naming the web console", c.name, r.Status, r.Code())
		}
	}
	// Making a token, the first factor, needs the first factor only.
	env.MustDo(t, tokenOnly(env, dev), "POST", "/api/v1/tokens", map[string]any{"name": "laptop"}, 201)

	// With both factors: for itself, and a Lead for a service user.
	issueCert(t, env, dev, "")
	issueCert(t, env, env.Lead, "fbot")

	// Signed in to the web console: the first certificate, which then
	// signs with the user's token.
	_, s := signIn(t, env, map[string]any{"name": "fiona", "password": testPassword})
	var c issuedCert
	a := s.do(t, env, "POST", "/api/v1/client-certs", map[string]any{"validity_days": 30})
	a.mustStatus(t, "a certificate from a web session", 201)
	a.JSON(t, &c)
	fresh := withP12(t, env, tokenOnly(env, dev), c)
	d := digest32()
	env.MustDo(t, fresh, "POST", "/api/v1/keypairs/factor-key/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d}, 200)
}

// TestPasswordsNeedSecondFactor: another user's password, or a reset of
// their 2FA, leads to a web session, which issues client certificates, so
// an API token alone sets neither, and creates no user with a password;
// with the caller's client certificate it may.
func TestPasswordsNeedSecondFactor(t *testing.T) {
	env := servertest.Start(t)
	apiUser(t, env, "gina", "developer")
	lead := tokenOnly(env, env.Lead)
	for _, c := range []struct{ method, path string }{
		{"POST", "/api/v1/users"}, {"PUT", "/api/v1/users/gina/password"}, {"DELETE", "/api/v1/users/gina/totp"},
	} {
		body := map[string]any{"password": "a long new passphrase"}
		if c.method == "POST" {
			body["name"] = "evil"
			body["roles"] = []string{"lead"}
		}
		if c.method == "DELETE" {
			body = nil
		}
		if r := env.Do(t, lead, c.method, c.path, body); r.Status != 403 || r.Code() != "second_factor_required" {
			t.Errorf("%s %s with a token alone: %d %s, want 403 second_factor_required", c.method, c.path, r.Status, r.Code())
		}
	}
	env.MustDo(t, lead, "POST", "/api/v1/users", map[string]any{"name": "nopass", "roles": []string{"developer"}}, 201)
	env.MustDo(t, env.Lead, "PUT", "/api/v1/users/gina/password", map[string]any{"password": "a long new passphrase"}, 204)
	env.MustDo(t, env.Lead, "POST", "/api/v1/users", map[string]any{"name": "withpass", "roles": []string{"developer"}, "password": "a long new passphrase"}, 201)
}
