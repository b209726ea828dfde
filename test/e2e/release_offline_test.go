//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/signet-project/signet/internal/config"
	"github.com/signet-project/signet/internal/notify"
)

// TestOfflineReleaseWalk walks an offline keypair through a release with
// real processes: `signetd serve` (SQLite) configured to notify approvers
// by webhook and by e-mail; the request reaches both; the requester cannot
// approve; another Lead approves; a non-participant is refused; the
// requester signs inside the window and the budget counts it.
func TestOfflineReleaseWalk(t *testing.T) {
	dir := t.TempDir()
	if err := startDev(t, dir).stop(); err != nil {
		t.Fatalf("signetd dev after SIGTERM: %v", err)
	}
	hook := newWebhookSink(t)
	smtp := startSMTPSink(t, "signet", "smtp-pass-e2e")
	secret := "webhook-secret-e2e"
	cfgPath := writeServeConfig(t, dir, config.Notify{
		Webhooks: []config.Webhook{{URL: hook.URL + "/signet", SecretEnv: "E2E_WEBHOOK_SECRET"}},
		SMTP: &config.SMTP{Host: "127.0.0.1", Port: smtp.port, From: "Signet <signet@example.com>",
			To: []string{"approvers@example.com"}, Username: "signet", PasswordEnv: "E2E_SMTP_PASSWORD", CAFile: smtp.caFile},
	})
	env := []string{"E2E_WEBHOOK_SECRET=" + secret, "E2E_SMTP_PASSWORD=smtp-pass-e2e"}
	p := startServer(t, "signetd serve", env, filepath.Join(dir, "tls", "ca.crt"), func(addr string) []string {
		return []string{"serve", "-c", cfgPath, "--listen", addr}
	}, "")

	admin := devCreds(t, dir)
	bob := addUser(t, env, cfgPath, "bob", "lead", admin.roots)
	lead, approver := newClient(p.addr, admin, false), newClient(p.addr, bob, false)
	kp := lead.createKeypair(t, map[string]any{"alias": "vault", "algorithm": "ecdsa", "status": "offline"})
	digest := randomDigest()
	expect := func(c *client, status int, code string) {
		t.Helper()
		s, err := c.sign(context.Background(), "vault", "SHA256withECDSA", digest)
		ae, _ := err.(*apiError)
		switch {
		case status == 200 && err != nil:
			t.Fatalf("sign: %v, want a signature", err)
		case status == 200 && !verifyDigest(parsePublicKey(t, kp.PublicKeyPEM), digest, s.Signature):
			t.Fatal("the signature does not verify")
		case status != 200 && (ae == nil || ae.Status != status || ae.Code != code):
			t.Fatalf("sign: %v, want %d %s", err, status, code)
		}
	}
	expect(lead, 403, "keypair_offline")

	start, end := window()
	rel := lead.createRelease(t, map[string]any{"name": "v3.0", "type": "offline", "keypairs": []string{"vault"},
		"start": start, "end": end, "max_signatures": 3, "note": "quarterly"})
	if rel.Status != "pending" {
		t.Fatalf("offline release %s, want pending", rel.Status)
	}

	// The approvers hear of it: a signed webhook and an e-mail.
	d := hook.wait(t)
	if !notify.VerifySignature([]byte(secret), d.body, d.header.Get(notify.HeaderSignature)) {
		t.Fatalf("webhook signature %q does not verify", d.header.Get(notify.HeaderSignature))
	}
	var ev notify.Event
	if err := json.Unmarshal(d.body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Event != notify.EventApprovalRequested || ev.Release.ID != rel.ID || ev.Release.RequestedBy != "admin" ||
		strings.Join(ev.Release.KeypairAliases, ",") != "vault" {
		t.Fatalf("webhook event %+v", ev)
	}
	m := smtp.wait(t)
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if !m.TLS || m.Login != "signet" || subject != "Signet: release v3.0 waits for your approval" {
		t.Fatalf("e-mail: tls %v login %q subject %q", m.TLS, m.Login, subject)
	}
	if strings.Contains(p.output(), "smtp-pass-e2e") || strings.Contains(p.output(), secret) {
		t.Fatal("a notification secret is in signetd's log")
	}

	expect(lead, 403, "release_not_approved")
	decide := func(c *client, verb string, want int, code string) release {
		t.Helper()
		var r release
		err := c.call(context.Background(), "POST", "/api/v1/releases/"+url.PathEscape(rel.ID)+"/"+verb, map[string]any{"comment": "e2e"}, &r)
		ae, _ := err.(*apiError)
		if (want == 200 && err != nil) || (want != 200 && (ae == nil || ae.Status != want || ae.Code != code)) {
			t.Fatalf("%s: %v, want %d %s", verb, err, want, code)
		}
		return r
	}
	decide(lead, "approve", 403, "own_release")
	if r := decide(approver, "approve", 200, ""); r.Status != "approved" || r.EffectiveStatus != "in_progress" {
		t.Fatalf("after bob's approval: %+v", r)
	}
	expect(approver, 403, "not_release_participant")
	expect(lead, 200, "")
	if r := lead.getRelease(t, rel.ID); r.Used != 1 {
		t.Fatalf("release used %d, want 1", r.Used)
	}
	if rows := lead.releaseSignatures(t, rel.ID, "signed"); len(rows) != 1 || rows[0].KeypairID != kp.ID {
		t.Fatalf("signed rows of the release: %+v", rows)
	}
	actions := map[string]bool{}
	for _, e := range lead.auditEvents(t, url.Values{"resource": {rel.ID}}) {
		actions[e.Action+"/"+e.Result] = true
	}
	for _, want := range []string{"Request/allowed", "Approve/allowed", "Approve/denied"} {
		if !actions[want] {
			t.Errorf("no audit event %s for the release (have %v)", want, actions)
		}
	}
	if err := p.stop(); err != nil {
		t.Fatalf("signetd after SIGTERM: %v", err)
	}
}

// writeServeConfig turns the dev configuration of dir into DIR/serve.yaml
// with notifications n and without the SoftHSM2 token.
func writeServeConfig(t *testing.T, dir string, n config.Notify) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	c.Keys.HSM, c.Notify = nil, n
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "serve.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// webhookSink is an HTTP server in the test that records deliveries.
type webhookSink struct {
	*httptest.Server
	got chan delivery
}

type delivery struct {
	header http.Header
	body   []byte
}

func newWebhookSink(t *testing.T) *webhookSink {
	s := &webhookSink{got: make(chan delivery, 10)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.got <- delivery{r.Header.Clone(), body}
	}))
	t.Cleanup(s.Close)
	return s
}

// wait returns the first delivery; deliveries are sent in the background.
func (s *webhookSink) wait(t *testing.T) delivery {
	t.Helper()
	select {
	case d := <-s.got:
		return d
	case <-time.After(time.Minute):
		t.Fatal("no webhook delivery within a minute")
		return delivery{}
	}
}
