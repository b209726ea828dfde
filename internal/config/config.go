// Package config holds signetd's typed configuration. Only cmd/signetd reads
// files, flags and the environment; it fills a Config and calls Validate.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole server configuration.
type Config struct {
	Listen          string        `yaml:"listen"`                    // host:port, default ":8443"
	TLS             TLS           `yaml:"tls"`                       // server certificate and client CA
	Store           Store         `yaml:"store"`                     // database
	Keys            Keys          `yaml:"keys"`                      // key backends
	Log             Log           `yaml:"log"`                       // structured logs
	MaxBodyBytes    int64         `yaml:"max_body_bytes"`            // request body limit, default 1 MiB
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`          // default 30s
	TrustedProxies  []string      `yaml:"trusted_proxies,omitempty"` // reserved; client IP is the peer address
	JournalMaxBatch int           `yaml:"journal_max_batch"`         // group-commit batch cap, default 256
	Notify          Notify        `yaml:"notify,omitempty"`          // approval requests by webhook and e-mail
	PKI             PKI           `yaml:"pki,omitempty"`             // private CA, TSA and time-stamps
}

// TLS configures the HTTPS listener.
type TLS struct {
	CertFile     string `yaml:"cert_file"`      // server certificate chain, PEM
	KeyFile      string `yaml:"key_file"`       // its private key, PEM; must not be readable by others
	ClientCAFile string `yaml:"client_ca_file"` // CA certificate(s) that issue client certificates, PEM
	// ClientCAKeyFile, when set, lets `signetd client-cert issue` sign client certificates.
	ClientCAKeyFile string `yaml:"client_ca_key_file,omitempty"`
	MinVersion      string `yaml:"min_version"` // "1.3" (default) or "1.2"
}

// Store selects the database.
type Store struct {
	Driver string `yaml:"driver"`         // sqlite (default) or postgres
	Path   string `yaml:"path,omitempty"` // sqlite file
	DSN    string `yaml:"dsn,omitempty"`  // postgres connection string; SIGNET_DATABASE_DSN overrides
}

// Keys configures the key backends.
type Keys struct {
	DefaultStorage string `yaml:"default_storage"` // disk (default) or hsm
	Disk           *Disk  `yaml:"disk,omitempty"`
	HSM            *HSM   `yaml:"hsm,omitempty"`
}

// Disk configures envelope-encrypted keys in the database.
type Disk struct {
	// MasterKeys are 32-byte keys, each from a file (raw or base64) or an
	// environment variable (base64). Current names the one that wraps new keys;
	// the others stay to unwrap until `signetd master-key rotate` re-wraps.
	MasterKeys []MasterKey `yaml:"master_keys"`
	Current    string      `yaml:"current"`
}

// MasterKey is one key-encryption key.
type MasterKey struct {
	ID   string `yaml:"id"`
	File string `yaml:"file,omitempty"`
	Env  string `yaml:"env,omitempty"`
}

// HSM configures a PKCS#11 token.
type HSM struct {
	Module   string `yaml:"module"`             // path to the PKCS#11 library
	Token    string `yaml:"token"`              // token label
	PINFile  string `yaml:"pin_file,omitempty"` // file holding the user PIN; or PINEnv
	PINEnv   string `yaml:"pin_env,omitempty"`  // environment variable holding the PIN
	PoolSize int    `yaml:"pool_size"`          // sessions, default 8
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info (default), warn, error
	Format string `yaml:"format"` // json (default) or text
}

// Parse reads a YAML configuration, refusing unknown fields, and applies defaults.
func Parse(data []byte) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return c, fmt.Errorf("config: %w", err)
	}
	c.Defaults()
	return c, nil
}

// Defaults fills unset fields.
func (c *Config) Defaults() {
	set := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	set(&c.Listen, ":8443")
	set(&c.TLS.MinVersion, "1.3")
	set(&c.Store.Driver, "sqlite")
	set(&c.Keys.DefaultStorage, "disk")
	set(&c.Log.Level, "info")
	set(&c.Log.Format, "json")
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if c.JournalMaxBatch == 0 {
		c.JournalMaxBatch = 256
	}
	if c.HSMPoolSize() == 0 && c.Keys.HSM != nil {
		c.Keys.HSM.PoolSize = 8
	}
}

// HSMPoolSize returns the configured pool size, 0 without an HSM.
func (c *Config) HSMPoolSize() int {
	if c.Keys.HSM == nil {
		return 0
	}
	return c.Keys.HSM.PoolSize
}

// Validate reports every problem of the configuration at once.
func (c *Config) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		add("listen: %q is not host:port", c.Listen)
	}
	if c.TLS.CertFile == "" || c.TLS.KeyFile == "" {
		add("tls: cert_file and key_file are required (signetd serves HTTPS only)")
	}
	if c.TLS.MinVersion != "1.3" && c.TLS.MinVersion != "1.2" {
		add("tls.min_version: must be 1.3 or 1.2, got %q", c.TLS.MinVersion)
	}
	switch c.Store.Driver {
	case "sqlite":
		if c.Store.Path == "" {
			add("store.path: the sqlite database file is required")
		}
	case "postgres":
		if c.Store.DSN == "" {
			add("store.dsn: a PostgreSQL connection string is required (or SIGNET_DATABASE_DSN)")
		}
	default:
		add("store.driver: must be sqlite or postgres, got %q", c.Store.Driver)
	}
	c.validateKeys(add)
	c.Notify.validate(add)
	c.PKI.validate(add)
	if c.MaxBodyBytes < 4096 {
		add("max_body_bytes: at least 4096, got %d", c.MaxBodyBytes)
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid configuration:\n  - %s", strings.Join(problems, "\n  - "))
	}
	return nil
}

func (c *Config) validateKeys(add func(string, ...any)) {
	k := c.Keys
	if k.Disk == nil && k.HSM == nil {
		add("keys: configure at least one backend (keys.disk or keys.hsm)")
	}
	if k.Disk != nil {
		if len(k.Disk.MasterKeys) == 0 {
			add("keys.disk.master_keys: no master key: disk keys cannot be encrypted (generate one with `signetd master-key new`)")
		}
		ids := map[string]bool{}
		for i, m := range k.Disk.MasterKeys {
			if m.ID == "" || (m.File == "") == (m.Env == "") {
				add("keys.disk.master_keys[%d]: needs an id and exactly one of file or env", i)
			}
			ids[m.ID] = true
		}
		if len(k.Disk.MasterKeys) > 0 && !ids[k.Disk.Current] {
			add("keys.disk.current: %q is not among master_keys", k.Disk.Current)
		}
	}
	if k.HSM != nil && (k.HSM.Module == "" || k.HSM.Token == "" || (k.HSM.PINFile == "") == (k.HSM.PINEnv == "")) {
		add("keys.hsm: module, token and exactly one of pin_file or pin_env are required")
	}
	switch k.DefaultStorage {
	case "disk":
		if k.Disk == nil {
			add("keys.default_storage: disk, but keys.disk is not configured")
		}
	case "hsm":
		if k.HSM == nil {
			add("keys.default_storage: hsm, but keys.hsm is not configured")
		}
	default:
		add("keys.default_storage: must be disk or hsm, got %q", k.DefaultStorage)
	}
}
