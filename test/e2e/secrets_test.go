//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/config"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/store/pgtest"
)

// TestSecretsNeverInOutput runs the credential flows against real
// processes at log level debug: `signetd dev` (SQLite, disk and SoftHSM2
// keys), then the admin commands and `signetd serve` on PostgreSQL (with
// webhook and SMTP notifications that fail), then signetd refusing bad
// secrets in its configuration. Every secret the run made or handed over
// is then looked for in the complete stdout and stderr of every signetd
// process and in every error answer received. A failure names the kind of
// secret and where it was found, never the secret itself.
func TestSecretsNeverInOutput(t *testing.T) {
	sec := &secretSet{}
	debug := []string{"SIGNET_LOG_LEVEL=debug"}
	dir := t.TempDir()
	hsmConf := "SOFTHSM2_CONF=" + filepath.Join(dir, "softhsm", "softhsm2.conf")

	// signetd dev, and the secrets it made.
	dev := sec.startServer(t, "signetd dev", debug, filepath.Join(dir, "tls", "ca.crt"), func(addr string) []string {
		return []string{"dev", "--data-dir", dir, "--listen", addr}
	}, filepath.Join(dir, "credentials.env"))
	devEnv := readEnv(t, filepath.Join(dir, "credentials.env"))
	sec.add(t, "dev API token", devEnv["SIGNET_API_KEY"])
	sec.add(t, "dev PKCS#12 password", devEnv["SIGNET_CLIENT_CERT_PASSWORD"])
	sec.addFile(t, "dev client certificate PKCS#12 file (base64)", filepath.Join(dir, "client.p12"), fileBase64)
	mk := sec.addFile(t, "master key (base64)", filepath.Join(dir, "master.key"), fileTrimmed)
	raw, err := base64.StdEncoding.DecodeString(mk)
	if err != nil || len(raw) != 32 {
		t.Fatalf("master.key does not hold 32 base64 bytes (%d, %v)", len(raw), err)
	}
	sec.add(t, "master key (hex)", hex.EncodeToString(raw))
	sec.add(t, "master key (raw bytes)", string(raw))
	if _, err := os.Stat(filepath.Join(dir, "softhsm", "user.pin")); err != nil {
		t.Fatalf("signetd dev made no SoftHSM2 token (install softhsm2, scripts/deps.sh): %v", err)
	}
	sec.addFile(t, "HSM PIN (dev SoftHSM2 token)", filepath.Join(dir, "softhsm", "user.pin"), fileTrimmed)
	sec.addFile(t, "dev client private key", filepath.Join(dir, "client.key"), pemBodyLine)
	sec.addFile(t, "dev CA private key", filepath.Join(dir, "tls", "ca.key"), pemBodyLine)
	sec.addFile(t, "TLS server private key", filepath.Join(dir, "tls", "server.key"), pemBodyLine)

	admin := sec.client(t, dev.addr, devEnv["SIGNET_API_KEY"], loadPEMCert(t, dir), certPool(t, devEnv["SIGNET_CA_FILE"]))
	sec.credentialFlows(t, admin, dev.addr, true)
	if err := dev.stop(); err != nil {
		t.Errorf("signetd dev after SIGTERM: %v", err)
	}

	// signetd serve on PostgreSQL, set up with the admin commands.
	dsn := withPassword(pgtest.DSN(t), "pgpw-"+pki.GeneratePassword())
	sec.add(t, "PostgreSQL DSN password", dsnPassword(t, dsn))
	hook := newFailingWebhook(t)
	hookSecret, smtpPassword := "whsec-"+pki.GeneratePassword(), "smtppw-"+pki.GeneratePassword()
	urlPassword, urlToken := "hookpw-"+pki.GeneratePassword(), "hooktok-"+pki.GeneratePassword()
	sec.add(t, "webhook HMAC secret", hookSecret)
	sec.add(t, "SMTP password", smtpPassword)
	sec.add(t, "webhook URL password", urlPassword)
	sec.add(t, "webhook URL token", urlToken)
	retries := 0
	cfg := rewriteConfig(t, dir, "secrets-pg.yaml", func(c *config.Config) {
		c.Store = config.Store{Driver: "postgres"}
		hookURL, _ := url.Parse(hook.URL)
		c.Notify = config.Notify{Retries: &retries, Timeout: 5 * time.Second,
			Webhooks: []config.Webhook{
				{URL: "http://signet:" + urlPassword + "@" + hookURL.Host + "/hook?token=" + urlToken, SecretEnv: "E2E_WEBHOOK_SECRET"},
				{URL: "http://signet:" + urlPassword + "@" + closedAddr(t) + "/hook?token=" + urlToken, SecretEnv: "E2E_WEBHOOK_SECRET"},
			},
			SMTP: &config.SMTP{Host: "127.0.0.1", Port: closedPort(t), From: "Signet <signet@example.com>",
				To: []string{"approvers@example.com"}, Username: "signet", PasswordEnv: "E2E_SMTP_PASSWORD"},
		}
	})
	pgEnv := append([]string{"SIGNET_DATABASE_DSN=" + dsn, hsmConf, "E2E_WEBHOOK_SECRET=" + hookSecret,
		"E2E_SMTP_PASSWORD=" + smtpPassword}, debug...)

	opsPassword := "ops-pw-" + pki.GeneratePassword()
	sec.add(t, "user password (signetd user create)", opsPassword)
	sec.admin(t, pgEnv, opsPassword+"\n", "", "user", "create", "ops", "--role", "lead", "--password-stdin", "-c", cfg)
	opsToken := strings.TrimSpace(sec.admin(t, pgEnv, "", "", "token", "create", "ops", "--name", "e2e", "-c", cfg))
	sec.add(t, "API token (signetd token create)", opsToken)
	sec.outputs[len(sec.outputs)-1].shows = opsToken // its stdout is the token, once
	p12Path := filepath.Join(dir, "ops.p12")
	issued := sec.admin(t, pgEnv, "", "", "client-cert", "issue", "ops", "--out", p12Path, "-c", cfg)
	_, p12Password, ok := strings.Cut(issued, "password: ")
	if !ok {
		t.Fatal("signetd client-cert issue printed no password")
	}
	p12Password = strings.TrimSpace(p12Password)
	sec.add(t, "PKCS#12 password (signetd client-cert issue)", p12Password)
	sec.outputs[len(sec.outputs)-1].shows = p12Password
	sec.addFile(t, "PKCS#12 file (signetd client-cert issue, base64)", p12Path, fileBase64)
	p12, err := os.ReadFile(p12Path)
	if err != nil {
		t.Fatal(err)
	}

	serve := sec.startServer(t, "signetd serve (PostgreSQL)", pgEnv, filepath.Join(dir, "tls", "ca.crt"), func(addr string) []string {
		return []string{"serve", "-c", cfg, "--listen", addr}
	}, "")
	ops := sec.client(t, serve.addr, opsToken, p12Cert(t, p12, p12Password), certPool(t, devEnv["SIGNET_CA_FILE"]))
	s := sec.signIn(t, serve.addr, ops.roots, "ops", opsPassword, "", 201)
	s.must(t, "POST", "/api/v1/tokens", map[string]any{"name": "console"}, 201)
	sec.credentialFlows(t, ops, serve.addr, false)

	// An offline release: its approval request goes to the webhooks (one
	// answers 500, the other refuses connections) and to an SMTP port
	// that refuses connections; signetd logs each failure.
	ops.must(t, "POST", "/api/v1/keypairs", map[string]any{"alias": "vault", "algorithm": "ecdsa", "status": "offline", "storage": "hsm"}, 201)
	start, end := window()
	ops.must(t, "POST", "/api/v1/releases", map[string]any{"name": "v9", "type": "offline", "keypairs": []string{"vault"},
		"start": start, "end": end, "max_signatures": 1}, 201)
	hook.wait(t)
	serve.waitLog(t, sec, 3, "release notification failed")
	// Its configuration sets no TSA policy: it says so at start.
	serve.waitLog(t, sec, 1, "pki.tsa_policy is not set")
	if err := serve.stop(); err != nil {
		t.Errorf("signetd serve after SIGTERM: %v", err)
	}

	// Secrets signetd refuses: an unreachable or malformed DSN, a master
	// key of the wrong size, a wrong HSM PIN. Each run must fail, and say
	// why without repeating the secret.
	badKey := make([]byte, 31)
	rand.Read(badKey)
	badKeyB64 := base64.StdEncoding.EncodeToString(badKey)
	wrongPIN := "wrongpin" + pki.GeneratePassword()[:8]
	sec.add(t, "malformed master key (base64)", badKeyB64)
	sec.add(t, "wrong HSM PIN", wrongPIN)
	unreachable := "host=" + filepath.Join(dir, "no-such-socket-dir") + " port=5432 user=signet dbname=signet sslmode=disable connect_timeout=2 password=" + dsnPassword(t, dsn)
	malformed := "postgres://signet:" + dsnPassword(t, dsn) + "@127.0.0.1:notaport/signet"
	for _, tc := range []struct {
		name string
		env  []string
		cfg  func(*config.Config)
	}{
		{"unreachable DSN", []string{"SIGNET_DATABASE_DSN=" + unreachable}, nil},
		{"malformed DSN", []string{"SIGNET_DATABASE_DSN=" + malformed}, nil},
		{"malformed master key", []string{"SIGNET_DATABASE_DSN=" + dsn, "E2E_MASTER_KEY=" + badKeyB64}, func(c *config.Config) {
			c.Keys.Disk.MasterKeys = []config.MasterKey{{ID: "dev", Env: "E2E_MASTER_KEY"}}
		}},
		{"wrong HSM PIN", []string{"SIGNET_DATABASE_DSN=" + dsn, "E2E_HSM_PIN=" + wrongPIN}, func(c *config.Config) {
			c.Keys.HSM.PINFile, c.Keys.HSM.PINEnv = "", "E2E_HSM_PIN"
		}},
	} {
		path := cfg
		if tc.cfg != nil {
			path = rewriteConfig(t, dir, "secrets-bad.yaml", func(c *config.Config) {
				c.Store = config.Store{Driver: "postgres"}
				tc.cfg(c)
			})
		}
		env := append(append([]string{}, pgEnv...), tc.env...) // the later value of a variable wins
		sec.admin(t, env, "", "fails: "+tc.name, "serve", "-c", path, "--listen", closedAddr(t))
	}

	sec.check(t, []*proc{dev, serve})
}

// secretSet is what a run must never show, with where it looked.
type secretSet struct {
	mu      sync.Mutex
	kinds   []string
	values  []string
	outputs []*output
	bodies  []output // error answers
}

// output is text to search; shows is the one secret it is meant to show
// (the token `signetd token create` prints), if any.
type output struct {
	name, text, shows string
}

func (s *secretSet) add(t *testing.T, kind, value string) {
	t.Helper()
	if len(value) < 8 {
		t.Fatalf("the %s is too short (%d characters) to look for", kind, len(value))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kinds, s.values = append(s.kinds, kind), append(s.values, value)
}

const (
	fileTrimmed = iota // the file's text, trimmed
	fileBase64         // the file's bytes, in standard base64
	pemBodyLine        // the first base64 line of a PEM file
)

// addFile adds a secret read from a file and returns it.
func (s *secretSet) addFile(t *testing.T, kind, path string, form int) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the %s: %v", kind, err)
	}
	var v string
	switch form {
	case fileTrimmed:
		v = strings.TrimSpace(string(b))
	case fileBase64:
		v = base64.StdEncoding.EncodeToString(b)
	case pemBodyLine:
		if lines := strings.Split(string(b), "\n"); len(lines) > 1 {
			v = lines[1]
		}
	}
	s.add(t, kind, v)
	return v
}

// redact replaces every secret in text by its kind, for failure messages.
func (s *secretSet) redact(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, v := range s.values {
		text = strings.ReplaceAll(text, v, "[the "+s.kinds[i]+"]")
	}
	return text
}

// describe shows an answer in a failure message: the code and message of
// an error, with the secrets known so far redacted; of anything else (it
// may hold a secret not known yet) only the size.
func (s *secretSet) describe(data []byte) string {
	var e struct{ Code, Message string }
	if json.Unmarshal(data, &e) == nil && e.Code != "" {
		return s.redact(e.Code + ": " + e.Message)
	}
	return fmt.Sprintf("(a body of %d bytes, not shown)", len(data))
}

// check looks for every secret in every output, process logs included.
func (s *secretSet) check(t *testing.T, procs []*proc) {
	t.Helper()
	all := append([]*output{}, s.outputs...)
	for _, p := range procs {
		text := p.output()
		if !strings.Contains(text, "level=DEBUG") {
			t.Errorf("%s logged nothing at level debug: it was not checked at that level", p.name)
		}
		all = append(all, &output{name: "the output of " + p.name, text: text})
	}
	for i := range s.bodies {
		all = append(all, &s.bodies[i])
	}
	if len(s.bodies) < 20 {
		t.Errorf("only %d error answers were collected", len(s.bodies))
	}
	found := 0
	for _, o := range all {
		for i, v := range s.values {
			if v != o.shows && strings.Contains(o.text, v) {
				found++
				t.Errorf("LEAK: the %s is in %s", s.kinds[i], o.name)
			}
		}
	}
	t.Logf("looked for %d secrets in %d outputs (%d error answers): %d found", len(s.values), len(all), len(s.bodies), found)
}

// startServer is startServer of proc_test.go, but a failing test shows
// the process's output with the secrets replaced by their kinds.
func (s *secretSet) startServer(t *testing.T, name string, env []string, caFile string, args func(addr string) []string, waitFile string) *proc {
	t.Helper()
	return startServerShown(t, s.redact, name, env, caFile, args, waitFile)
}

// admin runs a signetd command to completion with stdin, keeps its stdout
// and stderr to search, and returns stdout. It fails the test unless the
// command exits 0, or, when fails is set, unless it exits non-zero.
func (s *secretSet) admin(t *testing.T, env []string, stdin, fails string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, signetd(t), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	what := "signetd " + strings.Join(args[:2], " ")
	if fails != "" {
		what += " (" + fails + ")"
	}
	s.outputs = append(s.outputs, &output{name: "the output of " + what, text: stdout.String() + stderr.String()})
	var ee *exec.ExitError
	switch {
	case fails == "" && err != nil, fails != "" && !errors.As(err, &ee):
		t.Fatalf("%s: %v\n%s", what, err, s.redact(stdout.String()+stderr.String()))
	case fails != "" && strings.TrimSpace(stderr.String()) == "":
		t.Errorf("%s failed without saying why", what)
	}
	return stdout.String()
}

// waitLog waits until p's output holds n lines containing text.
func (p *proc) waitLog(t *testing.T, s *secretSet, n int, text string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); strings.Count(p.output(), text) < n; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not log %q %d times within a minute:\n%s", p.name, text, n, s.redact(p.tail(4000)))
		}
	}
}

// apiClient calls one server as one user (token and client certificate)
// or, with a session, as a signed-in console user; it keeps every error
// answer.
type apiClient struct {
	sec          *secretSet
	base, token  string
	cookie, csrf string
	roots        *x509.CertPool
	http         *http.Client
}

func (s *secretSet) client(t *testing.T, addr, token string, cert *tls.Certificate, roots *x509.CertPool) *apiClient {
	tc := &tls.Config{RootCAs: roots}
	if cert != nil {
		tc.Certificates = []tls.Certificate{*cert}
	}
	return &apiClient{sec: s, base: "https://" + addr, token: token, roots: roots,
		http: &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: tc}}}
}

// do sends a request and returns the status, the headers and the body.
func (c *apiClient) do(t *testing.T, method, path string, body any, header ...string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("x-api-key", c.token)
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: c.cookie})
		req.Header.Set(auth.CSRFHeader, c.csrf)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode >= 400 {
		c.sec.mu.Lock()
		c.sec.bodies = append(c.sec.bodies, output{name: fmt.Sprintf("the error answer %d to %s %s", resp.StatusCode, method, path), text: string(data)})
		c.sec.mu.Unlock()
	}
	return resp.StatusCode, resp.Header, data
}

// must sends a request, fails the test unless it answers want, and
// returns the body.
func (c *apiClient) must(t *testing.T, method, path string, body any, want int, header ...string) []byte {
	t.Helper()
	status, _, data := c.do(t, method, path, body, header...)
	if status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, c.sec.describe(data))
	}
	return data
}

func (c *apiClient) decode(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decoding an answer (%s): %v", c.sec.describe(data), err)
	}
}

// signIn opens a console session with a password and, if not empty, a
// TOTP code; it fails the test unless the answer is want.
func (s *secretSet) signIn(t *testing.T, addr string, roots *x509.CertPool, name, password, code string, want int) *apiClient {
	t.Helper()
	c := s.client(t, addr, "", nil, roots)
	status, header, data := c.do(t, "POST", "/api/v1/session", auth.SignInRequest{Name: name, Password: password, Code: code})
	if status != want {
		t.Fatalf("signing in %s: status %d, want %d: %s", name, status, want, s.describe(data))
	}
	if status != 201 {
		return nil
	}
	var out struct {
		CSRFToken     string   `json:"csrf_token"`
		RecoveryCodes []string `json:"recovery_codes"`
	}
	c.decode(t, data, &out)
	for _, ck := range (&http.Response{Header: header}).Cookies() {
		if ck.Name == auth.SessionCookie {
			c.cookie = ck.Value
		}
	}
	s.add(t, "session cookie", c.cookie)
	s.add(t, "CSRF token", out.CSRFToken)
	for _, rc := range out.RecoveryCodes {
		s.add(t, "TOTP recovery code", rc)
	}
	c.csrf = out.CSRFToken
	return c
}

// credentialFlows runs, as lead (a Lead with both factors) on the server
// at addr, every flow that makes or takes a secret, failures included:
// a user with a password, its API token and client certificate, signing
// with disk and HSM keys, a console session (with TOTP when totp is set),
// imports, and wrong, forged and revoked credentials.
func (s *secretSet) credentialFlows(t *testing.T, lead *apiClient, addr string, totp bool) {
	t.Helper()
	name := "sue-" + strings.ToLower(pki.GeneratePassword()[:6])
	password := "sue-pw-" + pki.GeneratePassword()
	s.add(t, "user password (API)", password)
	lead.must(t, "POST", "/api/v1/users", map[string]any{"name": name, "roles": []string{"lead"}, "password": password}, 201)
	var tok struct{ ID, Secret string }
	lead.decode(t, lead.must(t, "POST", "/api/v1/tokens", map[string]any{"user": name, "name": "e2e"}, 201), &tok)
	s.add(t, "API token (API)", tok.Secret)
	var cert struct {
		PKCS12   []byte `json:"pkcs12"`
		Password string `json:"password"`
	}
	lead.decode(t, lead.must(t, "POST", "/api/v1/client-certs", map[string]any{"user": name}, 201), &cert)
	s.add(t, "PKCS#12 password (API client-cert issue)", cert.Password)
	s.add(t, "PKCS#12 file (API client-cert issue, base64)", base64.StdEncoding.EncodeToString(cert.PKCS12))
	sue := s.client(t, addr, tok.Secret, p12Cert(t, cert.PKCS12, cert.Password), lead.roots)

	for _, storage := range []string{"disk", "hsm"} {
		alias := name + "-" + storage
		lead.must(t, "POST", "/api/v1/keypairs", map[string]any{"alias": alias, "algorithm": "ecdsa", "curve": "P-256", "storage": storage}, 201)
		sue.must(t, "POST", "/api/v1/keypairs/"+alias+"/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": randomDigest()}, 200)
	}

	// A console session: password, then TOTP enrolment and a code.
	code := ""
	if totp {
		lead.must(t, "PATCH", "/api/v1/settings", map[string]any{"require_2fa": true}, 200)
		anon := s.client(t, addr, "", nil, lead.roots)
		var enrol auth.TOTPEnrolment
		anon.decode(t, anon.must(t, "POST", "/api/v1/session/totp", map[string]any{"name": name, "password": password}, 201), &enrol)
		s.add(t, "TOTP secret", enrol.Secret)
		// A code has 6 digits, too few to look for; it is used all the same.
		var err error
		if code, err = auth.TOTPCode(enrol.Secret, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	sess := s.signIn(t, addr, lead.roots, name, password, code, 201)
	var console struct{ Secret string }
	sess.decode(t, sess.must(t, "POST", "/api/v1/tokens", map[string]any{"name": "console"}, 201), &console)
	s.add(t, "API token (console session)", console.Secret)
	if totp {
		s.signIn(t, addr, lead.roots, name, password, code, 401) // replayed
		lead.must(t, "PATCH", "/api/v1/settings", map[string]any{"require_2fa": false}, 200)
	}

	// Imports: a PKCS#12 with a wrong password, then the right one, and a PEM key.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p12, p12Password := selfSignedP12(t, key)
	s.add(t, "imported PKCS#12 password", p12Password)
	s.add(t, "imported PKCS#12 file (base64)", base64.StdEncoding.EncodeToString(p12))
	sue.must(t, "POST", "/api/v1/keypairs/"+name+"-p12/import", map[string]any{"pkcs12": p12, "password": p12Password + "x"}, 400)
	sue.must(t, "POST", "/api/v1/keypairs/"+name+"-p12/import", map[string]any{"pkcs12": p12, "password": p12Password}, 201)
	key2, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pemKey, err := pki.EncodePrivateKeyPEM(key2)
	if err != nil {
		t.Fatal(err)
	}
	s.add(t, "imported PEM private key", strings.Split(string(pemKey), "\n")[1])
	sue.must(t, "POST", "/api/v1/keypairs/"+name+"-pem/import", map[string]any{"key_pem": string(pemKey)}, 201)

	// Wrong, forged and revoked credentials.
	wrong := "wrong-pw-" + pki.GeneratePassword()
	bogus := "sgn_" + strings.Repeat("q", 32) + strings.ToLower(pki.GeneratePassword()[:8])
	s.add(t, "wrong password", wrong)
	s.add(t, "forged API token", bogus)
	s.signIn(t, addr, lead.roots, name, wrong, "", 401)
	s.signIn(t, addr, lead.roots, "nobody-"+wrong, wrong, "", 401)
	anon := s.client(t, addr, bogus, nil, lead.roots)
	anon.do(t, "GET", "/api/v1/me", nil)
	anon.do(t, "POST", "/api/v1/session/totp", map[string]any{"name": name, "password": wrong})
	sue.do(t, "PUT", "/api/v1/users/"+name+"/password", map[string]any{"current": wrong, "password": wrong + "-new"})
	sess.do(t, "POST", "/api/v1/tokens", map[string]any{}, "X-CSRF-Token", "forged-"+sess.csrf)
	sess.do(t, "POST", "/api/v1/tokens", map[string]any{"name": "no-csrf"}, auth.CSRFHeader, "")
	lead.must(t, "DELETE", "/api/v1/tokens/"+tok.ID, nil, 200)
	sue.must(t, "GET", "/api/v1/me", nil, 401)
	sue.do(t, "POST", "/api/v1/keypairs/"+name+"-disk/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": randomDigest()})
	tokenOnly := s.client(t, addr, console.Secret, nil, lead.roots)
	tokenOnly.must(t, "POST", "/api/v1/keypairs/"+name+"-disk/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": randomDigest()}, 403)
	lead.must(t, "POST", "/api/v1/users/"+name+"/disable", nil, 200)
	tokenOnly.must(t, "GET", "/api/v1/me", nil, 401)
	sess.do(t, "GET", "/api/v1/session", nil)
}

// selfSignedP12 makes a PKCS#12 of key with a self-signed certificate.
func selfSignedP12(t *testing.T, key *ecdsa.PrivateKey) ([]byte, string) {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "import e2e"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	password := "p12-" + pki.GeneratePassword()
	p12, err := pki.EncodePKCS12(key, cert, nil, password)
	if err != nil {
		t.Fatal(err)
	}
	return p12, password
}

func loadPEMCert(t *testing.T, dir string) *tls.Certificate {
	t.Helper()
	c, err := tls.LoadX509KeyPair(filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key"))
	if err != nil {
		t.Fatal(err)
	}
	return &c
}

func p12Cert(t *testing.T, p12 []byte, password string) *tls.Certificate {
	t.Helper()
	key, cert, chain, err := pki.DecodePKCS12(p12, password)
	if err != nil {
		t.Fatalf("a PKCS#12 does not open with its password: %v", err)
	}
	c := &tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
	for _, ch := range chain {
		c.Certificate = append(c.Certificate, ch.Raw)
	}
	return c
}

// rewriteConfig writes DIR/name: the dev configuration changed by edit.
func rewriteConfig(t *testing.T, dir, name string, edit func(*config.Config)) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	edit(&c)
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// withPassword returns dsn with a password: its own if it has one (the
// DSN of scripts/pg.sh), else password added (the pgtest cluster trusts
// its socket and ignores it, but signetd holds it all the same).
func withPassword(dsn, password string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn
		}
		if _, ok := u.User.Password(); !ok {
			u.User = url.UserPassword(u.User.Username(), password)
		}
		return u.String()
	}
	if strings.Contains(dsn, "password=") {
		return dsn
	}
	return dsn + " password=" + password
}

// dsnPassword returns the password of a DSN (URL or key=value form).
func dsnPassword(t *testing.T, dsn string) string {
	t.Helper()
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			return pw
		}
	}
	for _, f := range strings.Fields(dsn) {
		if v, ok := strings.CutPrefix(f, "password="); ok {
			return strings.Trim(v, "'")
		}
	}
	t.Fatal("the PostgreSQL DSN has no password")
	return ""
}

// closedAddr returns a loopback address that refuses connections.
func closedAddr(t *testing.T) string { return freeAddr(t) }

func closedPort(t *testing.T) int {
	t.Helper()
	_, p, _ := strings.Cut(closedAddr(t), ":")
	port, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// failingWebhook answers every delivery with 500.
type failingWebhook struct {
	*httptest.Server
	got chan struct{}
}

func newFailingWebhook(t *testing.T) *failingWebhook {
	h := &failingWebhook{got: make(chan struct{}, 16)}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.got <- struct{}{}
		http.Error(w, "not today", http.StatusInternalServerError)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *failingWebhook) wait(t *testing.T) {
	t.Helper()
	select {
	case <-h.got:
	case <-time.After(time.Minute):
		t.Fatal("no webhook delivery within a minute")
	}
}
