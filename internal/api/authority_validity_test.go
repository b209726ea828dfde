package api_test

import (
	"crypto"
	"crypto/sha256"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/signet-project/signet/internal/server/servertest"
)

// TestRevokedOrExpiredAuthoritiesSignNothing: once the TSA's certificate
// is revoked the TSA answers systemFailure and signing with a time-stamp
// fails; once the issuing CA's certificate is revoked, or a CA's validity
// has ended, issuing under it is refused with 409 ca_revoked or
// ca_expired (both kept signing).
func TestRevokedOrExpiredAuthoritiesSignNothing(t *testing.T) {
	var offset atomic.Int64
	env := servertest.Start(t, servertest.WithClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }))
	h := sha256.Sum256([]byte("artifact"))
	tsq, err := (&timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: h[:], Certificates: true}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	stamp := func() (int, error) {
		resp, body := post(t, env, "/tsa", "application/timestamp-query", tsq)
		_, err := timestamp.ParseResponse(body)
		return resp.StatusCode, err
	}
	if status, err := stamp(); status != 200 || err != nil {
		t.Fatalf("time-stamp: %d %v", status, err)
	}
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "k1", "algorithm": "ecdsa"}, 201)
	sign := map[string]any{"sig_alg": "SHA256withECDSA", "hash": h[:], "timestamp": true}
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/k1/sign", sign, 200)
	certID := func(profile, subject string) string {
		var id string
		if err := rawDB(t, env).QueryRow(`SELECT id FROM certificates WHERE profile = ? AND subject LIKE ?`, profile, "%"+subject+"%").Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}

	// The TSA's certificate is revoked: no more time-stamps.
	env.MustDo(t, env.Lead, "POST", "/api/v1/certificates/"+certID("tsa", "Time-Stamping")+"/revoke", map[string]any{"reason": "keyCompromise"}, 200)
	if status, err := stamp(); status != http.StatusServiceUnavailable || err == nil || !strings.Contains(err.Error(), timestamp.SystemFailure.String()) {
		t.Errorf("time-stamp by a revoked TSA: %d %v", status, err)
	}
	if r := env.Do(t, env.Lead, "POST", "/api/v1/keypairs/k1/sign", sign); r.Status != http.StatusBadGateway || r.Code() != "timestamp_failed" {
		t.Errorf("signing with a time-stamp by a revoked TSA: %d %s", r.Status, r.Code())
	}
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/k1/certificates", map[string]any{}, 201)

	// The issuing CA's certificate is revoked: it issues nothing, and a
	// keypair asking for a certificate is refused before its key is made.
	env.MustDo(t, env.Lead, "POST", "/api/v1/certificates/"+certID("ca", "Issuing CA")+"/revoke", map[string]any{"reason": "cACompromise"}, 200)
	if r := env.Do(t, env.Lead, "POST", "/api/v1/keypairs/k1/certificates", map[string]any{}); r.Status != 409 || r.Code() != "ca_revoked" {
		t.Errorf("issuing under a revoked CA: %d %s", r.Status, r.Code())
	}
	if r := env.Do(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "k2", "algorithm": "ecdsa", "generate_cert": true}); r.Status != 409 || r.Code() != "ca_revoked" {
		t.Errorf("generating with a certificate under a revoked CA: %d %s", r.Status, r.Code())
	}
	if r := env.Do(t, env.Lead, "GET", "/api/v1/keypairs/k2", nil); r.Status != 404 {
		t.Errorf("the keypair was made: %d", r.Status)
	}

	// A CA of one day issues nothing once it has ended.
	env.MustDo(t, env.Lead, "POST", "/api/v1/ca", map[string]any{"name": "day", "common_name": "Day CA", "validity": "1d"}, 201)
	env.MustDo(t, env.Lead, "POST", "/api/v1/certificate-profiles", map[string]any{"name": "hour", "validity": "1h",
		"subject": map[string]string{"CN": "${alias}"}, "issuer": "day"}, 201)
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/k1/certificates", map[string]any{"profile": "hour"}, 201)
	offset.Add(int64(2 * 24 * time.Hour))
	if r := env.Do(t, env.Lead, "POST", "/api/v1/keypairs/k1/certificates", map[string]any{"profile": "hour"}); r.Status != 409 || r.Code() != "ca_expired" {
		t.Errorf("issuing under an expired CA: %d %s", r.Status, r.Code())
	}
}
