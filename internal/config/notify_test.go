package config

import (
	"strings"
	"testing"
	"time"
)

const base = `
tls: {cert_file: s.crt, key_file: s.key}
store: {path: /var/lib/signet/signet.db}
keys: {disk: {master_keys: [{id: k1, env: K}], current: k1}}
`

func TestNotifyParse(t *testing.T) {
	c, err := Parse([]byte(base + `
notify:
  webhooks:
    - {url: "https://hooks.example.com/signet", secret_env: SIGNET_WEBHOOK_SECRET}
  smtp:
    host: smtp.example.com
    from: "Signet <signet@example.com>"
    to: [approvers@example.com]
    username: signet
    password_env: SIGNET_SMTP_PASSWORD
  timeout: 5s
  retries: 0
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("valid notify section refused: %v", err)
	}
	n := c.Notify
	if !n.Enabled() || n.Webhooks[0].SecretEnv != "SIGNET_WEBHOOK_SECRET" || n.SMTP.PasswordEnv != "SIGNET_SMTP_PASSWORD" ||
		n.Timeout != 5*time.Second || n.Retries == nil || *n.Retries != 0 {
		t.Fatalf("parsed %+v", n)
	}
	c, _ = Parse([]byte(base))
	if c.Notify.Enabled() {
		t.Fatal("notifications enabled without a notify section")
	}
}

func TestNotifyValidate(t *testing.T) {
	tests := []struct{ name, notify, want string }{
		{"webhook without secret", `{webhooks: [{url: "https://h.example/x"}]}`, "notify.webhooks[0].secret_env"},
		{"webhook not http", `{webhooks: [{url: "ftp://h.example/x", secret_env: S}]}`, "notify.webhooks[0].url"},
		{"webhook relative", `{webhooks: [{url: "/hook", secret_env: S}]}`, "notify.webhooks[0].url"},
		{"smtp without host", `{smtp: {from: a@b.example, to: [c@d.example]}}`, "notify.smtp.host"},
		{"smtp bad from", `{smtp: {host: h, from: "not an address", to: [c@d.example]}}`, "notify.smtp.from"},
		{"smtp no recipient", `{smtp: {host: h, from: a@b.example}}`, "notify.smtp.to: at least one"},
		{"smtp bad recipient", `{smtp: {host: h, from: a@b.example, to: ["x"]}}`, "notify.smtp.to[0]"},
		{"smtp username alone", `{smtp: {host: h, from: a@b.example, to: [c@d.example], username: u}}`, "username and password_env go together"},
		{"password in the file", `{smtp: {host: h, from: a@b.example, to: [c@d.example], password: hunter2}}`, "field password not found"},
		{"retries", `{retries: 99}`, "notify.retries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(base + "notify: " + tt.notify + "\n"))
			if err == nil {
				err = c.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
