package api_test

import (
	"crypto/sha256"
	"testing"

	"github.com/signet-project/signet/internal/server/servertest"
)

// TestSignExpectedGeneration: a sign request naming the key generation it
// expects is refused, before anything is signed, when the key has been
// replaced; the current generation signs.
func TestSignExpectedGeneration(t *testing.T) {
	env := servertest.Start(t)
	generate(t, env, env.Lead, map[string]any{"alias": "dyn", "algorithm": "ecdsa", "type": "dynamic"})
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/dyn/refresh", map[string]any{}, 200)
	h := sha256.Sum256([]byte("x"))
	r := env.Do(t, env.Lead, "POST", "/api/v1/keypairs/dyn/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": h[:], "generation": 1})
	if r.Status != 409 || r.Code() != "keypair_rotated" {
		t.Fatalf("signing with generation 1 after a refresh: %s", r)
	}
	var out signOut
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/dyn/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": h[:], "generation": 2}, 200).JSON(t, &out)
	if out.Generation != 2 {
		t.Errorf("signed with generation %d, want 2", out.Generation)
	}
	var page struct {
		Records []struct {
			Status string `json:"status"`
		} `json:"records"`
	}
	env.MustDo(t, env.Lead, "GET", "/api/v1/logs/signatures?limit=100", nil, 200).JSON(t, &page)
	signed := 0
	for _, rec := range page.Records {
		if rec.Status == "signed" {
			signed++
		}
	}
	if signed != 1 {
		t.Errorf("%d signed records, want 1: the refused request signed nothing", signed)
	}
}
