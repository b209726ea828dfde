package api_test

import (
	"testing"

	"github.com/signet-project/signet/internal/server/servertest"
)

// TestValidityBounds: validities that once overflowed into a short (or
// negative) one, or made a CA that is born expired, are refused with 400.
func TestValidityBounds(t *testing.T) {
	env := servertest.Start(t)
	lead := env.Lead
	for _, v := range []any{213510, 1000000, -5, 3651} {
		if r := env.Do(t, lead, "POST", "/api/v1/client-certs", map[string]any{"validity_days": v}); r.Status != 400 || r.Code() != "invalid_validity" {
			t.Errorf("client certificate for %v days: %s", v, r)
		}
	}
	env.MustDo(t, lead, "POST", "/api/v1/client-certs", map[string]any{"validity_days": 30}, 201)
	for _, v := range []string{"1ns", "1m", "23h", "31y"} {
		if r := env.Do(t, lead, "POST", "/api/v1/ca", map[string]any{"name": "short", "common_name": "Short CA", "validity": v}); r.Status != 400 {
			t.Errorf("CA valid for %s: %s", v, r)
		}
	}
	for _, v := range []string{"587y", "300y", "9223372036854775807d"} {
		r := env.Do(t, lead, "POST", "/api/v1/certificate-profiles", map[string]any{"name": "long", "validity": v})
		if r.Status != 400 {
			t.Errorf("profile valid for %s: %s", v, r)
		}
	}
}

// TestOptionalBodies: a revocation needs no body (the reason defaults to
// unspecified); a token takes one expiry, not two.
func TestOptionalBodies(t *testing.T) {
	env := servertest.Start(t)
	generate(t, env, env.Lead, map[string]any{"alias": "certified", "algorithm": "ecdsa", "generate_cert": true})
	var list certListOut
	env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/certified/certificates", nil, 200).JSON(t, &list)
	if len(list.Certificates) != 1 {
		t.Fatalf("certificates: %+v", list)
	}
	var revoked certOut
	env.MustDo(t, env.Lead, "POST", "/api/v1/certificates/"+list.Certificates[0].ID+"/revoke", nil, 200).JSON(t, &revoked)
	if revoked.Status != "revoked" {
		t.Fatalf("revoked without a body: %+v", revoked)
	}
	r := env.Do(t, env.Lead, "POST", "/api/v1/tokens", map[string]any{"name": "two", "expires_in": "1h", "expires_at": "2099-01-01T00:00:00Z"})
	if r.Status != 400 || r.Code() != "invalid_expiry" {
		t.Errorf("token with two expiries: %s", r)
	}
}
