package api_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/server/servertest"
)

// TestRenewalKeepsSubject: a certificate renewed by the PKI job, or
// reissued for a dynamic keypair's new key, keeps the subject of the one
// it replaces: a profile's ${user} named the server ("signetd"), which
// issues those, instead of the user who asked for the first.
func TestRenewalKeepsSubject(t *testing.T) {
	var offset atomic.Int64
	env := servertest.Start(t, servertest.WithClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }))
	subject := map[string]string{"CN": "${alias}", "OU": "${user}", "E": "${alias}@example.com"}
	env.MustDo(t, env.Lead, "POST", "/api/v1/certificate-profiles", map[string]any{"name": "byuser-test", "category": "test",
		"validity": "7d", "subject": subject}, 201)
	env.MustDo(t, env.Lead, "POST", "/api/v1/certificate-profiles", map[string]any{"name": "byuser", "validity": "1y", "subject": subject}, 201)
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "weekly", "algorithm": "ecdsa", "category": "test",
		"generate_cert": true, "auto_renew": true, "cert_profile": "byuser-test"}, 201)
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "dyn", "algorithm": "ecdsa", "type": "dynamic",
		"generate_cert": true, "cert_profile": "byuser"}, 201)
	certs := func(alias string) []certOut {
		var l certListOut
		env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/"+alias+"/certificates", nil, 200).JSON(t, &l)
		return l.Certificates
	}
	check := func(alias string, cs []certOut) {
		t.Helper()
		if len(cs) != 2 {
			t.Fatalf("%s has %d certificates, want 2", alias, len(cs))
		}
		first, next := parsePEM(t, cs[0].CertificatePEM), parsePEM(t, cs[1].CertificatePEM)
		if !strings.Contains(first.Subject.String(), "OU="+env.Lead.Name) {
			t.Fatalf("%s's first subject %s does not name %s", alias, first.Subject, env.Lead.Name)
		}
		if string(next.RawSubject) != string(first.RawSubject) {
			t.Errorf("%s's reissued certificate has subject %s, want %s", alias, next.Subject, first.Subject)
		}
	}

	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/dyn/refresh", nil, 200)
	check("dyn", certs("dyn"))
	offset.Add(int64(5 * 24 * time.Hour)) // inside the renewal window of a 7-day certificate
	env.Server.RunJobs(context.Background())
	check("weekly", certs("weekly"))
}
