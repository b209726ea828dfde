package client

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Config holds the credentials and server address of a client. The zero
// UserAgent means "signet-client".
type Config struct {
	Host               string // https URL of the server, e.g. https://signet.example.com
	APIKey             string // API token, sent in the x-api-key header
	ClientCertFile     string // PKCS#12 file with the client certificate and key (mutual TLS)
	ClientCertPassword string // password of ClientCertFile
	CAFile             string // PEM bundle to trust for the server; empty: the system roots
	UserAgent          string

	// Sources tells which variable each value came from, for healthcheck.
	Sources Sources
}

// Sources names the environment variable each Config value was read from,
// or is empty when the value was not set.
type Sources struct {
	Host, APIKey, ClientCertFile, ClientCertPassword, CAFile string
}

// Environment variables read by [FromEnv]. The SM_ names are fallbacks for
// users migrating from other signing services.
var envNames = []struct {
	primary, fallback string
}{
	{"SIGNET_HOST", "SM_HOST"},
	{"SIGNET_API_KEY", "SM_API_KEY"},
	{"SIGNET_CLIENT_CERT_FILE", "SM_CLIENT_CERT_FILE"},
	{"SIGNET_CLIENT_CERT_PASSWORD", "SM_CLIENT_CERT_PASSWORD"},
	{"SIGNET_CA_FILE", ""},
}

// FromEnv reads a Config from SIGNET_HOST, SIGNET_API_KEY,
// SIGNET_CLIENT_CERT_FILE, SIGNET_CLIENT_CERT_PASSWORD and SIGNET_CA_FILE,
// falling back to SM_HOST, SM_API_KEY, SM_CLIENT_CERT_FILE and
// SM_CLIENT_CERT_PASSWORD. A host without a scheme gets https://.
// It fails when the host is missing or malformed; a missing API key or
// client certificate is left for the caller (or the server) to refuse.
func FromEnv(getenv func(string) string) (Config, error) {
	var vals [5]string
	var srcs [5]string
	for i, n := range envNames {
		if v := getenv(n.primary); v != "" {
			vals[i], srcs[i] = v, n.primary
		} else if n.fallback != "" {
			if v := getenv(n.fallback); v != "" {
				vals[i], srcs[i] = v, n.fallback
			}
		}
	}
	cfg := Config{
		Host: vals[0], APIKey: vals[1], ClientCertFile: vals[2], ClientCertPassword: vals[3], CAFile: vals[4],
		Sources: Sources{Host: srcs[0], APIKey: srcs[1], ClientCertFile: srcs[2], ClientCertPassword: srcs[3], CAFile: srcs[4]},
	}
	if cfg.Host != "" && !strings.Contains(cfg.Host, "://") {
		cfg.Host = "https://" + cfg.Host
	}
	return cfg, cfg.Validate()
}

// Validate checks that the host is an https URL and that the values fit
// together.
func (c Config) Validate() error {
	if c.Host == "" {
		return errors.New("signet: SIGNET_HOST is not set")
	}
	if _, err := c.baseURL(); err != nil {
		return err
	}
	if c.ClientCertPassword != "" && c.ClientCertFile == "" {
		return errors.New("signet: SIGNET_CLIENT_CERT_PASSWORD is set but SIGNET_CLIENT_CERT_FILE is not")
	}
	return nil
}

// baseURL parses Host into the URL that API paths are joined to.
func (c Config) baseURL() (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(c.Host, "/"))
	if err != nil {
		return nil, fmt.Errorf("signet: bad SIGNET_HOST %q: %v", c.Host, err)
	}
	if u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("signet: SIGNET_HOST must be an https URL, got %q", c.Host)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("signet: SIGNET_HOST must not have a query or fragment: %q", c.Host)
	}
	return u, nil
}
