package api_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/server/servertest"
)

// TestImportKeypairProfiles: an import goes through keypair profiles as a
// generation does: the account's demand for a profile, fields the profile
// fixes, its team, and a test keypair's expiry.
func TestImportKeypairProfiles(t *testing.T) {
	env := servertest.Start(t)
	lead := env.Lead
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecPEM, rsaPEM := mustPEM(t, ecKey), mustPEM(t, rsaKey)

	env.MustDo(t, lead, "POST", "/api/v1/teams", map[string]any{"name": "blue"}, 201)
	env.MustDo(t, lead, "POST", "/api/v1/keypair-profiles", map[string]any{"name": "qa", "team": "blue", "expires_after": "5d",
		"fields": map[string]any{
			"category":  map[string]any{"value": "test", "fixed": true},
			"algorithm": map[string]any{"value": "ecdsa", "fixed": true},
		}}, 201)
	env.MustDo(t, lead, "PUT", "/api/v1/settings/profiles", map[string]any{"require_keypair_profile": true}, 200)

	for _, c := range []struct {
		name, alias string
		body        map[string]any
		code        string
	}{
		{"no profile", "p1", map[string]any{"key_pem": ecPEM}, "profile_required"},
		{"another algorithm than the profile fixes", "p2", map[string]any{"key_pem": rsaPEM, "profile": "qa"}, "profile_field_fixed"},
		{"another category than the profile fixes", "p3", map[string]any{"key_pem": ecPEM, "profile": "qa", "category": "production"}, "profile_field_fixed"},
	} {
		if r := env.Do(t, lead, "POST", "/api/v1/keypairs/"+c.alias+"/import", c.body); r.Status != 400 || r.Code() != c.code {
			t.Errorf("%s: want 400 %s, got %s", c.name, c.code, r)
		}
		if r := env.Do(t, lead, "GET", "/api/v1/keypairs/"+c.alias, nil); r.Status != 404 {
			t.Errorf("%s: the keypair was made anyway: %s", c.name, r)
		}
	}

	var kp struct {
		Team      string `json:"team"`
		Category  string `json:"category"`
		ExpiresAt string `json:"expires_at"`
		Profile   string `json:"profile"`
	}
	env.MustDo(t, lead, "POST", "/api/v1/keypairs/imported/import", map[string]any{"key_pem": ecPEM, "profile": "qa"}, 201).JSON(t, &kp)
	answered := kp
	env.MustDo(t, lead, "GET", "/api/v1/keypairs/imported", nil, 200).JSON(t, &kp)
	if kp.Team != "blue" || kp.Category != "test" || kp.ExpiresAt == "" || kp.Profile != "qa" {
		t.Errorf("imported under profile qa: %+v; want team blue, category test, an expiry", kp)
	}
	if answered != kp {
		t.Errorf("the import answered %+v, GET shows %+v", answered, kp)
	}
}

func mustPEM(t *testing.T, k crypto.Signer) string {
	t.Helper()
	b, err := pki.EncodePrivateKeyPEM(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
