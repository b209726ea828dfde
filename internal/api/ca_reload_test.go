package api_test

import (
	"context"
	"crypto"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/signet-project/signet/internal/server/servertest"
)

// TestUnknownCANamesDoNotReload: anonymous requests for CA names that do
// not exist no longer reload every CA key each time (they did, under the
// global lock): a name no CA may have is refused at once, and unknown
// names reload at most once per interval, one reload at a time.
func TestUnknownCANamesDoNotReload(t *testing.T) {
	var offset atomic.Int64
	env, hs := startHooked(t, servertest.WithClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }))
	fetch(t, env, "/ca/issuing.crt") // loaded
	lists := hs.lists.Load()
	get := func(path string) {
		t.Helper()
		if r := env.Do(t, nil, "GET", path, nil); r.Status != 404 || r.Code() != "ca_not_found" {
			t.Errorf("GET %s: %s", path, r)
		}
	}
	for _, name := range []string{"Issuing", "-x", "a%20b"} {
		get("/ca/" + name + ".crt")
		get("/api/v1/ca/" + name)
	}
	// Control characters are refused at the edge, before any lookup.
	for _, name := range []string{"x%00", url.PathEscape(string(make([]byte, 65)))} {
		for _, path := range []string{"/ca/" + name + ".crt", "/api/v1/ca/" + name} {
			if r := env.Do(t, nil, "GET", path, nil); r.Status != 400 || !strings.HasPrefix(r.Code(), "invalid_") {
				t.Errorf("GET %s: %s", path, r)
			}
		}
	}
	if n := hs.lists.Load() - lists; n != 0 {
		t.Errorf("impossible names reloaded the hierarchy %d times", n)
	}

	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 3 {
			case 0:
				get(fmt.Sprintf("/ca/nope-%d.crt", i))
			case 1:
				if r := env.Do(t, nil, "GET", fmt.Sprintf("/crl/nope-%d.crl", i), nil); r.Status != 404 {
					t.Errorf("GET /crl/nope-%d.crl: %s", i, r)
				}
			default:
				get(fmt.Sprintf("/api/v1/ca/nope-%d", i))
			}
		}()
	}
	wg.Wait()
	if n := hs.lists.Load() - lists; n != 1 {
		t.Errorf("30 unknown names reloaded the hierarchy %d times, want 1", n)
	}
	offset.Add(int64(11 * time.Second))
	get("/ca/nope.crt")
	get("/ca/nope.crt")
	if n := hs.lists.Load() - lists; n != 2 {
		t.Errorf("%d reloads after the interval, want 2", n)
	}
}

// TestCAMadeOnAnotherNode: a CA made on one node is known to the other's
// OCSP responder (it answered unauthorized), its CRL follows a revocation
// made on the other node, and the other node's PKI jobs publish its CRL.
func TestCAMadeOnAnotherNode(t *testing.T) {
	var offset atomic.Int64
	a, b := twoNodes(t, servertest.WithClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }))
	fetch(t, a, "/ca/issuing.crt") // a has loaded the hierarchy
	issue := func(ca string) (certOut, *certKeypair) {
		b.MustDo(t, b.Lead, "POST", "/api/v1/ca", map[string]any{"name": ca, "common_name": ca + " CA", "validity": "5y"}, 201)
		b.MustDo(t, b.Lead, "POST", "/api/v1/certificate-profiles", map[string]any{"name": ca, "validity": "1y",
			"subject": map[string]string{"CN": "${alias}"}, "issuer": ca}, 201)
		var kp certKeypair
		b.MustDo(t, b.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": ca + "-key", "algorithm": "ecdsa",
			"generate_cert": true, "cert_profile": ca}, 201).JSON(t, &kp)
		var list certListOut
		b.MustDo(t, b.Lead, "GET", "/api/v1/keypairs/"+ca+"-key/certificates", nil, 200).JSON(t, &list)
		return list.Certificates[0], &kp
	}

	// OCSP on a, about a certificate of a CA made on b.
	_, kp := issue("team1")
	leaf, issuer := parsePEM(t, kp.CertificatePEM), parsePEM(t, kp.ChainPEM)
	req, err := ocsp.CreateRequest(leaf, issuer, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	_, body := post(t, a, "/ocsp", "application/ocsp-request", req)
	if r, err := ocsp.ParseResponseForCert(body, leaf, issuer); err != nil || r.Status != ocsp.Good {
		t.Errorf("node a's OCSP about team1's certificate: %v %v", r, err)
	}

	// A revocation on a, of a certificate of a CA made on b, reaches its CRL.
	c, _ := issue("team2")
	crlSerials(t, b, "team2") // its first CRL, by b
	a.MustDo(t, a.Lead, "POST", "/api/v1/certificates/"+c.ID+"/revoke", map[string]any{}, 200)
	if _, serials := crlSerials(t, b, "team2"); !serials[c.Serial] {
		t.Error("team2's CRL does not list the certificate revoked on node a")
	}

	// a's PKI jobs publish the CRL of a CA made on b.
	issue("team3")
	offset.Add(int64(time.Minute)) // past any PKI lease b's background jobs took
	a.Server.RunJobs(context.Background())
	var n int
	if err := rawDB(t, a).QueryRow(`SELECT COUNT(*) FROM crls c JOIN authorities a ON a.id = c.authority_id WHERE a.name = 'team3'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("team3 has %d CRLs (%v) after node a's jobs, want 1", n, err)
	}
}
