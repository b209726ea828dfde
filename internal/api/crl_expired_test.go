package api_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/server/servertest"
)

// TestCRLKeepsExpiredRevoked: a revoked certificate stays on its CA's CRL
// after it expires (time-stamped signatures are checked long after; it
// dropped off while OCSP still said revoked), and the CRL says so with
// ExpiredCertsOnCRL, from the CA's start.
func TestCRLKeepsExpiredRevoked(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		var offset atomic.Int64
		clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		env := servertest.Start(t, store, servertest.WithClock(clock))
		var kp certKeypair
		env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "weekly", "algorithm": "ecdsa",
			"category": "test", "generate_cert": true}, 201).JSON(t, &kp)
		var list certListOut
		env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/weekly/certificates", nil, 200).JSON(t, &list)
		c := list.Certificates[0]
		env.MustDo(t, env.Lead, "POST", "/api/v1/certificates/"+c.ID+"/revoke", map[string]any{"reason": "superseded"}, 200)
		if _, serials := crlSerials(t, env, "issuing"); !serials[c.Serial] {
			t.Fatal("the CRL does not list the revoked certificate")
		}

		// Eight days on, the 7-day certificate has expired; the CRL is remade.
		offset.Add(int64(8 * 24 * time.Hour))
		rl, serials := crlSerials(t, env, "issuing")
		if !rl.ThisUpdate.After(parsePEM(t, c.CertificatePEM).NotAfter) {
			t.Fatalf("the CRL was made %v, before the certificate expired", rl.ThisUpdate)
		}
		if !serials[c.Serial] {
			t.Error("the expired revoked certificate left the CRL")
		}
		issuing := parsePEM(t, string(fetch(t, env, "/api/v1/ca/issuing/certificate")))
		if since, ok := pki.ExpiredCertsOnCRL(rl); !ok || !since.Equal(issuing.NotBefore) {
			t.Errorf("ExpiredCertsOnCRL %v, %v; want the issuing CA's start %v", since, ok, issuing.NotBefore)
		}
		for _, e := range rl.Extensions {
			if e.Id.String() == "2.5.29.60" && e.Critical {
				t.Error("ExpiredCertsOnCRL is critical")
			}
		}
	})
}
