//go:build e2e

package pkcs11

import (
	"crypto/sha256"
	"strings"
	"testing"
)

// TestBuildEngineer signs through the module as a service user holding only
// the build_engineer role (sign, no keypair.view): the token shows the
// keypairs it may sign with and no other, and its signature verifies.
func TestBuildEngineer(t *testing.T) {
	var me struct{ ID string }
	if err := signet(t).api.call("GET", "/api/v1/me", nil, &me); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, ecKey, keySpec{"theirs", map[string]any{"algorithm": "ecdsa", "curve": "P-256",
		"access": "restricted", "allowed_users": []string{me.ID}}})

	name := testSlug(t) + "-bot"
	var tok struct{ Secret string }
	var cert struct {
		PKCS12   []byte `json:"pkcs12"`
		Password string `json:"password"`
	}
	for _, c := range []struct {
		path string
		body map[string]any
		out  any
	}{
		{"/api/v1/users", map[string]any{"name": name, "type": "service", "roles": []string{"build_engineer"}}, nil},
		{"/api/v1/tokens", map[string]any{"user": name, "name": "ci"}, &tok},
		{"/api/v1/client-certs", map[string]any{"user": name}, &cert},
	} {
		if err := f.srv.api.call("POST", c.path, c.body, c.out); err != nil {
			t.Fatalf("POST %s: %v", c.path, err)
		}
	}
	env := []string{"SIGNET_API_KEY=" + tok.Secret, "SIGNET_CLIENT_CERT_FILE=" + f.write("bot.p12", cert.PKCS12),
		"SIGNET_CLIENT_CERT_PASSWORD=" + cert.Password}
	tool := func(args ...string) string {
		t.Helper()
		return f.run(t, true, env, "pkcs11-tool", append([]string{"--module", f.module}, args...)...)
	}

	out := tool("-O")
	if !strings.Contains(out, "label:      "+f.keys["ec"].Alias) {
		t.Errorf("the keypair the build engineer may sign with is not on the token:\n%s", out)
	}
	if strings.Contains(out, f.keys["theirs"].Alias) {
		t.Errorf("a restricted keypair of another user is on the token:\n%s", out)
	}
	msg := []byte("built by CI\n")
	sum := sha256.Sum256(msg)
	data, hash, sig := f.write("data", msg), f.write("data.sha256", sum[:]), f.path("data.sig")
	tool("--sign", "--id", f.id("ec"), "-m", "ECDSA", "--signature-format", "openssl", "-i", hash, "-o", sig)
	f.verified(t, "Verified OK", "openssl", "dgst", "-sha256", "-verify", f.path("ec.pub.pem"), "-signature", sig, data)
}
