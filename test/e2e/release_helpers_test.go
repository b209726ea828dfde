//go:build e2e

package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/pki"
)

// release is the part of a release answer the tests use.
type release struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Status          string `json:"status"`
	EffectiveStatus string `json:"effective_status"`
	Used            int    `json:"used"`
	Remaining       int    `json:"remaining"`
	MaxSignatures   int    `json:"max_signatures"`
}

func (c *client) createRelease(t *testing.T, body map[string]any) release {
	t.Helper()
	var r release
	if err := c.call(context.Background(), "POST", "/api/v1/releases", body, &r); err != nil {
		t.Fatalf("creating release %v: %v", body["name"], err)
	}
	return r
}

func (c *client) getRelease(t *testing.T, id string) release {
	t.Helper()
	var r release
	if err := c.call(context.Background(), "GET", "/api/v1/releases/"+url.PathEscape(id), nil, &r); err != nil {
		t.Fatalf("describing release %s: %v", id, err)
	}
	return r
}

// releaseSignatures returns the signature-log rows of a release with a status.
func (c *client) releaseSignatures(t *testing.T, id, status string) []sigRecord {
	t.Helper()
	var page struct {
		Records []sigRecord `json:"records"`
	}
	q := url.Values{"release": {id}, "status": {status}, "limit": {"1000"}}
	if err := c.call(context.Background(), "GET", "/api/v1/logs/signatures?"+q.Encode(), nil, &page); err != nil {
		t.Fatalf("listing the signatures of release %s: %v", id, err)
	}
	return page.Records
}

// window is an RFC 3339 window from now-1m to now+1h.
func window() (string, string) {
	now := time.Now().UTC()
	return now.Add(-time.Minute).Format(time.RFC3339), now.Add(time.Hour).Format(time.RFC3339)
}

// burst sends n signing requests with alias at once (all goroutines wait
// for one start signal), spread round-robin over clients, and sorts the
// answers: signatures, quota refusals, and anything else.
type burst struct {
	mu     sync.Mutex
	got    []received
	quota  []*apiError
	others []error
}

func signBurst(clients []*client, alias string, n int) *burst {
	b := &burst{}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		c := clients[i%len(clients)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			digest := randomDigest()
			<-start
			s, err := c.sign(context.Background(), alias, "SHA256withECDSA", digest)
			b.mu.Lock()
			defer b.mu.Unlock()
			ae, isAPI := err.(*apiError)
			switch {
			case err == nil:
				b.got = append(b.got, received{id: s.SignatureID, digest: digest, signature: s.Signature})
			case isAPI && ae.Status == 403 && ae.Code == "release_quota_exhausted":
				b.quota = append(b.quota, ae)
			default:
				b.others = append(b.others, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	return b
}

// addUser creates a user with a role, an API token and a client
// certificate through signetd's admin commands on the configuration cfg;
// roots verify the server.
func addUser(t *testing.T, env []string, cfg, name, role string, roots *x509.CertPool) creds {
	t.Helper()
	runOK(t, env, "user", "create", name, "--role", role, "-c", cfg)
	token := strings.TrimSpace(runOK(t, env, "token", "create", name, "-c", cfg))
	p12 := filepath.Join(t.TempDir(), name+".p12")
	issued := runOK(t, env, "client-cert", "issue", name, "--out", p12, "-c", cfg)
	_, password, ok := strings.Cut(issued, "password: ")
	if !ok {
		t.Fatalf("client-cert issue printed no password: %q", issued)
	}
	der, err := os.ReadFile(p12)
	if err != nil {
		t.Fatal(err)
	}
	key, cert, _, err := pki.DecodePKCS12(der, strings.TrimSpace(password))
	if err != nil {
		t.Fatal(err)
	}
	return creds{token: token, roots: roots, cert: tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}}
}
