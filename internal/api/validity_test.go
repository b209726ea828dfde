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
