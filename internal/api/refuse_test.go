package api_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/server/servertest"
	"github.com/signet-project/signet/internal/siglog"
)

// TestRefusals covers every refusal of the signing path: each gets its
// status and stable code, and nothing is signed.
func TestRefusals(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		testRefusals(t, env)
	})
}

func testRefusals(t *testing.T, env *servertest.Env) {
	lead := env.Lead
	generate(t, env, lead, map[string]any{"alias": "ec", "algorithm": "ecdsa"})
	generate(t, env, lead, map[string]any{"alias": "susp", "algorithm": "ecdsa"})
	env.MustDo(t, lead, "POST", "/api/v1/keypairs/susp/suspend", nil, 200)
	generate(t, env, lead, map[string]any{"alias": "gone", "algorithm": "ecdsa"})
	env.MustDo(t, lead, "DELETE", "/api/v1/keypairs/gone", nil, 200)
	generate(t, env, lead, map[string]any{"alias": "off", "algorithm": "ecdsa", "status": "offline"})
	generate(t, env, lead, map[string]any{"alias": "restricted", "algorithm": "ecdsa", "access": "restricted", "allowed_users": []string{lead.ID}})

	d := sha256.Sum256([]byte("x"))
	good := map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:]}
	dev := env.NewUser(t, "dev", "developer")
	noCert := &servertest.User{User: dev.User, Token: dev.Token, Client: env.HTTPClient(nil)}
	otherCert := &servertest.User{User: dev.User, Token: dev.Token, Client: env.HTTPClient(&lead.Cert)}
	bogus := &servertest.User{User: dev.User, Token: "sgn_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Client: dev.Client}
	nobody := env.NewUser(t, "nobody")
	expired := &servertest.User{User: dev.User, Token: dev.Token, Client: env.HTTPClient(ptr(expiredCert(t, env, dev.User)))}
	foreign := &servertest.User{User: dev.User, Token: dev.Token, Client: forcing(env, selfSigned(t))}
	// Recorded as the user's (say its CA was trusted once), but of a CA the
	// server no longer trusts.
	stale := selfSigned(t)
	stale.Leaf, _ = x509.ParseCertificate(stale.Certificate[0])
	if err := env.Store.CreateClientCert(context.Background(), &auth.ClientCert{ID: "stale-" + dev.ID, UserID: dev.ID,
		Serial: "07", Fingerprint: pki.Fingerprint(stale.Leaf), NotAfter: stale.Leaf.NotAfter.UTC().Truncate(time.Microsecond),
		CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}, nil); err != nil {
		t.Fatal(err)
	}
	untrusted := &servertest.User{User: dev.User, Token: dev.Token, Client: forcing(env, stale)}
	huge := append([]byte(`{"sig_alg":"SHA256withECDSA","hash":"`), bytes.Repeat([]byte("A"), 2<<20)...)
	huge = append(huge, `"}`...)

	tests := []struct {
		name   string
		user   *servertest.User
		path   string
		body   any
		status int
		code   string
	}{
		{"wrong digest length", lead, "ec", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:20]}, 400, "bad_digest_length"},
		{"sha384 alg with sha256 digest", lead, "ec", map[string]any{"sig_alg": "SHA384withECDSA", "hash": d[:]}, 400, "bad_digest_length"},
		{"unknown alg", lead, "ec", map[string]any{"sig_alg": "MD5withRSA", "hash": d[:]}, 400, "unknown_sig_alg"},
		{"alg for another key type", lead, "ec", map[string]any{"sig_alg": "SHA256withRSA", "hash": d[:]}, 400, "sig_alg_mismatch"},
		{"empty hash", lead, "ec", map[string]any{"sig_alg": "SHA256withECDSA"}, 400, "bad_digest_length"},
		{"negative generation", lead, "ec", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:], "generation": -5}, 400, "invalid_generation"},
		{"negative file size", lead, "ec", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:], "file_size": -5}, 400, "invalid_file_size"},
		{"control characters in the file name", lead, "ec", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:], "file_name": "a\nforged,row"}, 400, "invalid_file_name"},
		{"tool name too long", lead, "ec", map[string]any{"sig_alg": "SHA256withECDSA", "hash": d[:], "tool": strings.Repeat("t", 5000)}, 400, "invalid_tool"},
		{"unknown keypair", lead, "nope", good, 404, "keypair_not_found"},
		{"suspended keypair", lead, "susp", good, 403, "keypair_suspended"},
		{"deleted keypair", lead, "gone", good, 403, "keypair_destroyed"},
		{"offline keypair", lead, "off", good, 403, "keypair_offline"},
		{"restricted keypair, not allowed", dev, "restricted", good, 403, "keypair_access_denied"},
		{"malformed JSON", lead, "ec", []byte(`{"sig_alg": "SHA256withECDSA", "hash": `), 400, "malformed_json"},
		{"not JSON", lead, "ec", []byte(`sig_alg=x`), 400, "malformed_json"},
		{"hash not base64", lead, "ec", []byte(`{"sig_alg":"SHA256withECDSA","hash":"!!"}`), 400, "malformed_json"},
		{"unknown field", lead, "ec", []byte(`{"sig_alg":"SHA256withECDSA","hash":"","digest":"x"}`), 400, "unknown_field"},
		{"two objects", lead, "ec", []byte(`{"sig_alg":"SHA256withECDSA"}{}`), 400, "malformed_json"},
		{"empty body", lead, "ec", []byte(``), 400, "malformed_json"},
		{"oversized body", lead, "ec", huge, 413, "body_too_large"},
		{"missing token", nil, "ec", good, 401, "missing_api_key"},
		{"invalid token", bogus, "ec", good, 401, "invalid_api_key"},
		{"token without client certificate", noCert, "ec", good, 403, "client_certificate_required"},
		{"client certificate of another user", otherCert, "ec", good, 401, "client_certificate_mismatch"},
		{"expired client certificate", expired, "ec", good, 401, "client_certificate_expired"},
		{"client certificate Signet did not issue", foreign, "ec", good, 401, "client_certificate_unknown"},
		{"recorded client certificate of a CA no longer trusted", untrusted, "ec", good, 401, "client_certificate_unknown"},
		{"no sign permission", nobody, "ec", good, 403, "permission_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Do(t, tt.user, "POST", "/api/v1/keypairs/"+tt.path+"/sign", tt.body)
			if r.Status != tt.status || r.Code() != tt.code {
				t.Fatalf("got %s, want %d %s", r, tt.status, tt.code)
			}
			var e struct{ Message string }
			r.JSON(t, &e)
			if e.Message == "" || strings.Contains(string(r.Body), "signature\"") {
				t.Fatalf("error body %s: want a message and no signature", r.Body)
			}
		})
	}
	// No refused request produced a signature; the denied ones are audited.
	recs, err := env.Store.ListSignatures(context.Background(), siglog.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Status == siglog.StatusSigned || len(r.Signature) > 0 {
			t.Fatalf("a refused request was signed: %+v", r)
		}
	}
	denied, err := env.Store.ListAudit(context.Background(), audit.Filter{Result: audit.Denied, Action: "Sign", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(denied) != 6 { // suspended, deleted, offline, restricted, client cert required, no permission
		t.Fatalf("%d denied Sign events in the audit log, want 6", len(denied))
	}
	// Refused client certificates are audited against the token's user,
	// those refused for their chain included.
	auth, err := env.Store.ListAudit(context.Background(), audit.Filter{Result: audit.Denied, Action: "Authenticate", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, ev := range auth {
		reasons = append(reasons, ev.Reason)
	}
	all := strings.Join(reasons, "\n")
	for _, want := range []string{"belongs to another user", "expired", "not issued by a client CA this server trusts"} {
		if !strings.Contains(all, want) {
			t.Errorf("no denied Authenticate event saying %q:\n%s", want, all)
		}
	}
}

func TestExpiredAndRevokedToken(t *testing.T) {
	servertest.EachStore(t, testExpiredAndRevokedToken)
}

func testExpiredAndRevokedToken(t *testing.T, store servertest.Option) {
	var offset atomic.Int64 // the injected clock runs this far ahead
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	now := time.Now()
	env := servertest.Start(t, store, servertest.WithClock(clock))
	u := env.NewUser(t, "temp", "developer")
	env.MustDo(t, u, "GET", "/api/v1/me", nil, 200)
	tok, err := env.Store.ListTokens(context.Background(), u.ID)
	if err != nil || len(tok) != 1 {
		t.Fatalf("tokens: %v %v", tok, err)
	}
	if err := env.Store.RevokeToken(context.Background(), tok[0].ID, now, &audit.Event{ID: "rev-" + tok[0].ID, Time: now, Type: "Token", Action: "Revoke", Result: audit.Allowed}); err != nil {
		t.Fatal(err)
	}
	if r := env.Do(t, u, "GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized || r.Code() != "api_key_revoked" {
		t.Fatalf("revoked token: %s", r)
	}

	secret, prefix, hash := auth.NewTokenSecret()
	exp := now.Add(time.Minute)
	if err := env.Store.CreateToken(context.Background(), &auth.Token{ID: "tok-exp", UserID: u.ID, Prefix: prefix, Hash: hash,
		CreatedAt: now.UTC().Truncate(time.Microsecond), ExpiresAt: &exp}, &audit.Event{ID: "ev-exp", Time: now, Type: "Token", Action: "Create", Result: audit.Allowed}); err != nil {
		t.Fatal(err)
	}
	u.Token = secret
	env.MustDo(t, u, "GET", "/api/v1/me", nil, 200)
	offset.Store(int64(2 * time.Minute)) // the clock moves past the expiry
	if r := env.Do(t, u, "GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized || r.Code() != "api_key_expired" {
		t.Fatalf("expired token: %s", r)
	}
}

func TestNotFoundAndMethodNotAllowedAreJSON(t *testing.T) {
	env := servertest.Start(t)
	if r := env.Do(t, env.Lead, "GET", "/api/v1/nothing", nil); r.Status != 404 || r.Code() != "not_found" {
		t.Fatalf("unknown path: %s", r)
	}
	if r := env.Do(t, env.Lead, "PUT", "/api/v1/keypairs", nil); r.Status != 405 || r.Code() != "method_not_allowed" {
		t.Fatalf("wrong method: %s", r)
	}
	if r := env.Do(t, nil, "GET", "/healthz", nil); r.Status != 200 {
		t.Fatalf("healthz: %s", r)
	}
	if r := env.Do(t, nil, "GET", "/readyz", nil); r.Status != 200 {
		t.Fatalf("readyz: %s", r)
	}
}

func ptr[T any](v T) *T { return &v }

// expiredCert issues u a client certificate, recorded as Signet records
// them, that has expired: issued when the test's CA began (a minute before
// it was made), valid for 30 seconds.
func expiredCert(t *testing.T, env *servertest.Env, u *auth.User) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	c, err := env.CA.Issue(pki.ClientTemplate(u.ID, u.Name, 30*time.Second), key.Public(), env.CA.Cert.NotBefore)
	if err != nil {
		t.Fatal(err)
	}
	cc := &auth.ClientCert{ID: "expired-" + u.ID, UserID: u.ID, Serial: hex.EncodeToString(c.SerialNumber.Bytes()),
		Fingerprint: pki.Fingerprint(c), NotAfter: c.NotAfter.UTC().Truncate(time.Microsecond), CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := env.Store.CreateClientCert(context.Background(), cc, nil); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: key, Leaf: c}
}

// forcing is a client that presents cert whatever CAs the server names
// (Go's own client would leave out a certificate of another CA; curl and
// OpenSSL send it).
func forcing(env *servertest.Env, cert tls.Certificate) *http.Client {
	tc := &tls.Config{RootCAs: env.Roots, GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
}

// selfSigned is a client certificate of no CA Signet knows.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "mallory"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
