package main

import (
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/config"
)

func TestNotifyOptions(t *testing.T) {
	zero, three := 0, 3
	hook := []config.Webhook{{URL: "https://h.example/x", SecretEnv: "T_SIGNET_HOOK_SECRET"}}
	smtp := &config.SMTP{Host: "smtp.example", From: "s@example.com", To: []string{"a@example.com"},
		Username: "u", PasswordEnv: "T_SIGNET_SMTP_PASSWORD"}

	if o, err := notifyOptions(config.Config{}, nil); o != nil || err != nil {
		t.Fatalf("nothing configured: %+v, %v; want nil, nil", o, err)
	}
	t.Setenv("T_SIGNET_HOOK_SECRET", "")
	if _, err := notifyOptions(config.Config{Notify: config.Notify{Webhooks: hook}}, nil); err == nil ||
		!strings.Contains(err.Error(), "T_SIGNET_HOOK_SECRET") {
		t.Fatalf("empty webhook secret: %v", err)
	}
	t.Setenv("T_SIGNET_HOOK_SECRET", "k")
	t.Setenv("T_SIGNET_SMTP_PASSWORD", "")
	if _, err := notifyOptions(config.Config{Notify: config.Notify{Webhooks: hook, SMTP: smtp}}, nil); err == nil ||
		!strings.Contains(err.Error(), "T_SIGNET_SMTP_PASSWORD") {
		t.Fatalf("empty SMTP password: %v", err)
	}
	t.Setenv("T_SIGNET_SMTP_PASSWORD", "pw")
	for _, c := range []struct {
		retries *int
		want    int
	}{{nil, 0}, {&zero, -1}, {&three, 3}} { // notify.Options: 0 is the default (2), -1 none
		o, err := notifyOptions(config.Config{Notify: config.Notify{Webhooks: hook, SMTP: smtp, Retries: c.retries}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if o.Retries != c.want || string(o.Webhooks[0].Secret) != "k" || o.SMTP.Password != "pw" || o.SMTP.Username != "u" {
			t.Fatalf("retries %v: options %+v", c.retries, o)
		}
	}
}
