package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/config"
	"github.com/signet-project/signet/internal/notify"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/server"
)

// notifyOptions reads the notify section's secrets from the environment;
// nil when nothing is configured. An empty secret refuses to start.
func notifyOptions(c config.Config, log *slog.Logger) (*notify.Options, error) {
	n := c.Notify
	if !n.Enabled() {
		return nil, nil
	}
	o := &notify.Options{Log: log, Timeout: n.Timeout, Retries: -1}
	if n.Retries == nil {
		o.Retries = 0 // the default
	} else if *n.Retries > 0 {
		o.Retries = *n.Retries
	}
	for i, w := range n.Webhooks {
		secret := os.Getenv(w.SecretEnv)
		if secret == "" {
			return nil, fmt.Errorf("notify.webhooks[%d]: environment variable %s (the HMAC secret) is empty", i, w.SecretEnv)
		}
		o.Webhooks = append(o.Webhooks, notify.Webhook{URL: w.URL, Secret: []byte(secret)})
	}
	if s := n.SMTP; s != nil {
		m := &notify.SMTP{Host: s.Host, Port: s.Port, From: s.From, To: s.To, Username: s.Username}
		if s.PasswordEnv != "" {
			if m.Password = os.Getenv(s.PasswordEnv); m.Password == "" {
				return nil, fmt.Errorf("notify.smtp: environment variable %s (the password) is empty", s.PasswordEnv)
			}
		}
		if s.CAFile != "" {
			pemData, err := os.ReadFile(s.CAFile)
			if err != nil {
				return nil, fmt.Errorf("notify.smtp.ca_file: %w", err)
			}
			m.RootCAs = x509.NewCertPool()
			if !m.RootCAs.AppendCertsFromPEM(pemData) {
				return nil, fmt.Errorf("notify.smtp.ca_file: no PEM certificate in %s", s.CAFile)
			}
		}
		if host, err := os.Hostname(); err == nil {
			m.Hello = host
		}
		o.SMTP = m
	}
	return o, nil
}

// notifyLookup names users and keypairs in notifications from the store.
func notifyLookup(st server.Store) notify.Lookup {
	return notify.Lookup{
		UserName: func(ctx context.Context, id string) (string, error) {
			u, err := st.GetUser(ctx, id)
			if err != nil {
				return "", err
			}
			return u.Name, nil
		},
		KeypairAlias: func(ctx context.Context, id string) (string, error) {
			kp, err := st.GetKeypair(ctx, id)
			if err != nil {
				return "", err
			}
			return kp.Alias, nil
		},
		Approvers: func(ctx context.Context, team, requester string) ([]string, error) {
			us, err := auth.Approvers(ctx, st, team, requester, time.Now())
			var addrs []string
			for _, u := range us {
				if u.Email != "" {
					addrs = append(addrs, u.Email)
				}
			}
			return addrs, err
		},
	}
}

// pkiOptions turns the pki section into the server's options.
func pkiOptions(c config.Config) (server.PKIOptions, error) {
	p := c.PKI
	o := server.PKIOptions{PublicURL: p.PublicURL, TSAAccuracy: p.TSAAccuracy,
		TimestampURLs: p.TimestampURLs, TimestampRetries: p.TimestampRetries}
	o.CA.Organization, o.CA.Storage = p.Organization, p.CAStorage
	o.CA.CRLLife, o.CA.OCSPLife, o.CA.RenewBefore = p.CRLLife, p.OCSPLife, p.RenewBefore
	if p.TSAPolicy != "" {
		oid, err := config.ParseOID(p.TSAPolicy)
		if err != nil {
			return o, fmt.Errorf("pki.tsa_policy: %w", err)
		}
		o.TSAPolicy = oid
	}
	if p.TimestampRoots != "" {
		data, err := os.ReadFile(p.TimestampRoots)
		if err != nil {
			return o, fmt.Errorf("pki.timestamp_roots: %w", err)
		}
		certs, err := pki.ParseCertificatesPEM(data)
		if err != nil {
			return o, fmt.Errorf("pki.timestamp_roots %s: %w", p.TimestampRoots, err)
		}
		o.TimestampRoots = x509.NewCertPool()
		for _, c := range certs {
			o.TimestampRoots.AddCert(c)
		}
	}
	return o, nil
}
