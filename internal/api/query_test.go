package api_test

import (
	"testing"

	"github.com/signet-project/signet/internal/server/servertest"
)

// TestQueryRefusals: listings refuse what would otherwise match nothing, or
// everything, without a word: unknown or repeated parameters, cursors that
// are not one, values no filter has, names where ids belong.
func TestQueryRefusals(t *testing.T) {
	env := servertest.Start(t)
	for _, tc := range []struct{ path, code string }{
		{"/api/v1/keypairs?stat=active", "unknown_parameter"},
		{"/api/v1/keypairs?state=active&state=suspended", "repeated_parameter"},
		{"/api/v1/keypairs?after=garbage", "invalid_after"},
		{"/api/v1/keypairs?state=bogus", "invalid_state"},
		{"/api/v1/keypairs?status=nope", "invalid_status"},
		{"/api/v1/releases?after=zzz", "invalid_after"},
		{"/api/v1/releases?status=in_progress", "invalid_status"},
		{"/api/v1/logs/signatures?after=zzzz", "invalid_after"},
		{"/api/v1/logs/signatures?keypair=no-such-key", "invalid_keypair"},
		{"/api/v1/logs/signatures?user=nobody", "invalid_user"},
		{"/api/v1/logs/audit?actor=nobody", "invalid_actor"},
		{"/api/v1/logs/signatures?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "invalid_range"},
		{"/api/v1/logs/audit?result=zzz", "invalid_result"},
		{"/api/v1/me?x=1", "unknown_parameter"},
	} {
		if r := env.Do(t, env.Lead, "GET", tc.path, nil); r.Status != 400 || r.Code() != tc.code {
			t.Errorf("GET %s: %s, want 400 %s", tc.path, r, tc.code)
		}
	}
	// Users and keypairs are named by id or by name, as in paths.
	generate(t, env, env.Lead, map[string]any{"alias": "named", "algorithm": "ecdsa"})
	generate(t, env, env.Lead, map[string]any{"alias": "other", "algorithm": "ecdsa"})
	signDigest(t, env, "named", "one")
	signDigest(t, env, "other", "two")
	var page struct {
		Records []struct {
			KeypairAlias string `json:"keypair_alias"`
		} `json:"records"`
	}
	env.MustDo(t, env.Lead, "GET", "/api/v1/logs/signatures?keypair=named&user="+env.Lead.Name, nil, 200).JSON(t, &page)
	if len(page.Records) != 1 || page.Records[0].KeypairAlias != "named" {
		t.Errorf("signatures of keypair named, by alias: %+v", page.Records)
	}
	env.MustDo(t, env.Lead, "GET", "/api/v1/logs/audit?actor="+env.Lead.Name, nil, 200)
	// signetd's own actors, ids of users who may be gone, and every result.
	for _, path := range []string{"/api/v1/logs/audit?actor=system", "/api/v1/logs/audit?actor=local-admin",
		"/api/v1/logs/audit?actor=0190c0de-0000-7000-8000-000000000001", "/api/v1/logs/audit?result=failed",
		"/api/v1/logs/signatures?user=0190c0de-0000-7000-8000-000000000001"} {
		env.MustDo(t, env.Lead, "GET", path, nil, 200)
	}
	for _, path := range []string{"/api/v1/keypairs?state=active&limit=5", "/api/v1/releases?status=approved",
		"/api/v1/logs/signatures?status=signed", "/api/v1/logs/audit?result=denied&after=3"} {
		env.MustDo(t, env.Lead, "GET", path, nil, 200)
	}
}
