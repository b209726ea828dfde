package config

import (
	"encoding/asn1"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// PKI configures the private CA, the time-stamping authority, and where the
// signing API gets time-stamps from. Every field is optional.
type PKI struct {
	// PublicURL is the https URL clients reach this server at; it is
	// embedded in certificates (CRL, OCSP, issuer). Default: the listener,
	// which signetd serve refuses on first start when it is a wildcard.
	PublicURL string `yaml:"public_url,omitempty"`
	// Organization is the O of the CA certificates (default "Signet").
	Organization string `yaml:"organization,omitempty"`
	// CAStorage is the backend of new CA keys: hsm or disk (default: hsm
	// when configured).
	CAStorage   string        `yaml:"ca_storage,omitempty"`
	CRLLife     time.Duration `yaml:"crl_life,omitempty"`     // default 24h
	OCSPLife    time.Duration `yaml:"ocsp_life,omitempty"`    // default 1h
	RenewBefore time.Duration `yaml:"renew_before,omitempty"` // default 720h
	// TSAPolicy is the TSA's policy OID, dotted (default 1.2.3.4.1, a placeholder: set your own).
	TSAPolicy   string        `yaml:"tsa_policy,omitempty"`
	TSAAccuracy time.Duration `yaml:"tsa_accuracy,omitempty"` // default and least 1s: genTime is in whole seconds
	// TimestampURLs are external RFC 3161 TSAs that signing requests asking
	// for a time-stamp use, in order, with failover; empty: Signet's own.
	TimestampURLs    []string `yaml:"timestamp_urls,omitempty"`
	TimestampRetries int      `yaml:"timestamp_retries,omitempty"` // per TSA, on transient errors
	// TimestampRoots is a PEM file of the CAs the external TSAs'
	// certificates must chain to; empty: any time-stamping certificate.
	TimestampRoots string `yaml:"timestamp_roots,omitempty"`
}

// ParseOID parses a dotted object identifier such as "1.2.3.4".
func ParseOID(s string) (asn1.ObjectIdentifier, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, fmt.Errorf("%q is not a dotted OID", s)
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q is not a dotted OID", s)
		}
		oid[i] = n
	}
	if oid[0] > 2 || (oid[0] < 2 && oid[1] > 39) {
		return nil, fmt.Errorf("%q is not a valid OID", s)
	}
	return oid, nil
}

func (p *PKI) validate(add func(string, ...any)) {
	if p.PublicURL != "" {
		if u, err := url.Parse(p.PublicURL); err != nil || u.Scheme != "https" || u.Host == "" {
			add("pki.public_url: want an https URL, got %q", p.PublicURL)
		}
	}
	if p.CAStorage != "" && p.CAStorage != "hsm" && p.CAStorage != "disk" {
		add("pki.ca_storage: must be hsm or disk, got %q", p.CAStorage)
	}
	for name, d := range map[string]time.Duration{"crl_life": p.CRLLife, "ocsp_life": p.OCSPLife,
		"renew_before": p.RenewBefore, "tsa_accuracy": p.TSAAccuracy} {
		if d < 0 {
			add("pki.%s: must not be negative", name)
		}
	}
	if p.TSAAccuracy > 0 && p.TSAAccuracy < time.Second {
		add("pki.tsa_accuracy: at least 1s, got %s: the TSA states its time in whole seconds, so it cannot claim a finer accuracy", p.TSAAccuracy)
	}
	if p.TSAPolicy != "" {
		if _, err := ParseOID(p.TSAPolicy); err != nil {
			add("pki.tsa_policy: %v", err)
		}
	}
	for i, s := range p.TimestampURLs {
		if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add("pki.timestamp_urls[%d]: want an http or https URL, got %q", i, s)
		}
	}
	if p.TimestampRetries < 0 || p.TimestampRetries > 10 {
		add("pki.timestamp_retries: from 0 to 10, got %d", p.TimestampRetries)
	}
	if p.TimestampRoots != "" && len(p.TimestampURLs) == 0 {
		add("pki.timestamp_roots: set only with pki.timestamp_urls (Signet's own TSA needs none)")
	}
}
