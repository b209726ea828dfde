package api_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/server/servertest"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSecretsNeverLogged runs every credential flow, failures included,
// with the server logging at debug level, then looks for every secret it
// made or sent in the log, in every error answer and in the audit log.
func TestSecretsNeverLogged(t *testing.T) {
	var log syncBuffer
	env := servertest.Start(t, servertest.WithLog(&log))
	var secrets []string
	var errorBodies []string
	keep := func(r *servertest.Response) *servertest.Response {
		if r.Status >= 400 {
			errorBodies = append(errorBodies, string(r.Body))
		}
		return r
	}
	lead := env.Lead
	secrets = append(secrets, lead.Token)

	env.MustDo(t, lead, "POST", "/api/v1/users", map[string]any{"name": "sue", "roles": []string{"lead"}, "password": testPassword}, 201)
	var tok struct{ ID, Secret string }
	env.MustDo(t, lead, "POST", "/api/v1/tokens", map[string]any{"user": "sue"}, 201).JSON(t, &tok)
	cert := issueCert(t, env, lead, "sue")
	sue := withP12(t, env, &servertest.User{Token: tok.Secret}, cert)
	secrets = append(secrets, testPassword, tok.Secret, cert.Password, base64.StdEncoding.EncodeToString(cert.PKCS12))

	env.MustDo(t, lead, "PATCH", "/api/v1/settings", map[string]any{"require_2fa": true}, 200)
	s := &session{client: env.HTTPClient(nil)}
	var enrol auth.TOTPEnrolment
	s.do(t, env, "POST", "/api/v1/session/totp", map[string]any{"name": "sue", "password": testPassword}).JSON(t, &enrol)
	code, _ := auth.TOTPCode(enrol.Secret, env.Server.API.Guard.Now())
	r, sess := signIn(t, env, map[string]any{"name": "sue", "password": testPassword, "code": code})
	var first struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	r.JSON(t, &first)
	secrets = append(secrets, enrol.Secret, sess.cookie.Value, sess.csrf)
	secrets = append(secrets, first.RecoveryCodes...)
	var tok2 struct{ Secret string }
	sess.do(t, env, "POST", "/api/v1/tokens", map[string]any{"name": "console"}).JSON(t, &tok2)
	secrets = append(secrets, tok2.Secret)

	// Failures: every one sends a secret the server must not repeat.
	wrong := "wrong-password-" + pki.GeneratePassword()
	bogus := "sgn_" + strings.Repeat("q", 32)
	secrets = append(secrets, wrong, bogus)
	r, _ = signIn(t, env, map[string]any{"name": "sue", "password": wrong, "code": "123456"})
	keep(r)
	r, _ = signIn(t, env, map[string]any{"name": "nobody-" + wrong, "password": wrong})
	keep(r)
	keep(s.do(t, env, "POST", "/api/v1/session", map[string]any{"name": "sue", "password": wrong, "extra": wrong}).Response)
	keep(s.do(t, env, "POST", "/api/v1/session/totp", map[string]any{"name": "sue", "password": wrong}).Response)
	keep(env.Do(t, &servertest.User{Token: bogus, Client: env.HTTPClient(nil)}, "GET", "/api/v1/me", nil))
	keep(env.Do(t, sue, "PUT", "/api/v1/users/sue/password", map[string]any{"current": wrong, "password": wrong + "-new"}))

	// Imports: a PEM key and a PKCS#12 file with its password.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pemKey, _ := pki.EncodePrivateKeyPEM(key)
	p12, p12Password := selfSignedP12(t, key)
	pemBody := strings.Split(string(pemKey), "\n")[1]
	secrets = append(secrets, pemBody, p12Password, base64.StdEncoding.EncodeToString(p12))
	env.MustDo(t, sue, "POST", "/api/v1/keypairs/imp-pem/import", map[string]any{"key_pem": string(pemKey)}, 201)
	keep(env.Do(t, sue, "POST", "/api/v1/keypairs/imp-p12/import", map[string]any{"pkcs12": p12, "password": p12Password + "x"}))
	env.MustDo(t, sue, "POST", "/api/v1/keypairs/imp-p12/import", map[string]any{"pkcs12": p12, "password": p12Password}, 201)

	// Revoked credentials, used again.
	env.MustDo(t, sue, "DELETE", "/api/v1/tokens/"+tok.ID, nil, 200)
	keep(env.Do(t, sue, "GET", "/api/v1/me", nil))
	keep(sess.do(t, env, "POST", "/api/v1/tokens", map[string]any{}, "X-CSRF-Token", "forged-"+sess.csrf).Response)
	if len(errorBodies) < 8 {
		t.Fatalf("only %d error answers collected", len(errorBodies))
	}

	events, err := env.Store.ListAudit(context.Background(), audit.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	auditJSON, _ := json.Marshal(events)
	logText := log.String()
	if !strings.Contains(logText, "route=signIn") {
		t.Fatal("the server log is empty: nothing was checked")
	}
	for _, secret := range secrets {
		if len(secret) < 8 {
			t.Fatalf("secret %q too short to look for", secret)
		}
		if strings.Contains(logText, secret) {
			t.Errorf("a secret is in the server log: %q", secret)
		}
		if strings.Contains(string(auditJSON), secret) {
			t.Errorf("a secret is in the audit log: %q", secret)
		}
		for _, b := range errorBodies {
			if strings.Contains(b, secret) {
				t.Errorf("a secret is in an error answer: %q in %s", secret, b)
			}
		}
	}
}
