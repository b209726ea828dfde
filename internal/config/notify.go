package config

import (
	"net/mail"
	"net/url"
	"time"
)

// Notify configures how approvers hear of an offline release waiting for
// them: webhooks, e-mail, or both. Secrets come from environment
// variables named here, never from the file itself.
type Notify struct {
	Webhooks []Webhook     `yaml:"webhooks,omitempty"`
	SMTP     *SMTP         `yaml:"smtp,omitempty"`
	Timeout  time.Duration `yaml:"timeout,omitempty"` // each attempt, default 10s
	Retries  *int          `yaml:"retries,omitempty"` // tries after a failure, default 2
}

// Webhook receives a POST of each event, signed with HMAC-SHA256 under the
// secret held by the environment variable SecretEnv.
type Webhook struct {
	URL       string `yaml:"url"`
	SecretEnv string `yaml:"secret_env"`
}

// SMTP sends e-mail to the approvers (STARTTLS when the server offers it).
type SMTP struct {
	Host        string   `yaml:"host"`
	Port        int      `yaml:"port,omitempty"` // default 587
	From        string   `yaml:"from"`
	To          []string `yaml:"to"` // approver addresses
	Username    string   `yaml:"username,omitempty"`
	PasswordEnv string   `yaml:"password_env,omitempty"` // environment variable holding the password
	// CAFile is a PEM bundle to verify the server's certificate with
	// (default: the system roots).
	CAFile string `yaml:"ca_file,omitempty"`
}

// Enabled reports whether any notification is configured.
func (n *Notify) Enabled() bool { return len(n.Webhooks) > 0 || n.SMTP != nil }

func (n *Notify) validate(add func(string, ...any)) {
	for i, w := range n.Webhooks {
		u, err := url.Parse(w.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			// Not echoed: a webhook URL may carry its token.
			add("notify.webhooks[%d].url: want an absolute http or https URL (the value is not shown: it may hold a token)", i)
		}
		if w.SecretEnv == "" {
			add("notify.webhooks[%d].secret_env: name the environment variable holding the HMAC secret", i)
		}
	}
	if n.Timeout < 0 {
		add("notify.timeout: must not be negative")
	}
	if n.Retries != nil && (*n.Retries < 0 || *n.Retries > 10) {
		add("notify.retries: from 0 to 10, got %d", *n.Retries)
	}
	s := n.SMTP
	if s == nil {
		return
	}
	if s.Host == "" {
		add("notify.smtp.host: required")
	}
	if s.Port < 0 || s.Port > 65535 {
		add("notify.smtp.port: %d is not a port", s.Port)
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		add("notify.smtp.from: %q is not an e-mail address", s.From)
	}
	if len(s.To) == 0 {
		add("notify.smtp.to: at least one approver address")
	}
	for i, a := range s.To {
		if _, err := mail.ParseAddress(a); err != nil {
			add("notify.smtp.to[%d]: %q is not an e-mail address", i, a)
		}
	}
	if (s.Username == "") != (s.PasswordEnv == "") {
		add("notify.smtp: username and password_env go together")
	}
}
