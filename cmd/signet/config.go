package main

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/signet-project/signet/internal/client"
	"gopkg.in/yaml.v3"
)

// fileConfig is the config file, $XDG_CONFIG_HOME/signet/config.yaml or
// --config. Relative paths are taken from the file's directory.
type fileConfig struct {
	Host               string `yaml:"host"`
	APIKey             string `yaml:"api_key"`
	ClientCertFile     string `yaml:"client_cert_file"`
	ClientCertPassword string `yaml:"client_cert_password"`
	CAFile             string `yaml:"ca_file"`
	Output             string `yaml:"output"` // default -o
}

// configDir is $XDG_CONFIG_HOME/signet (or ~/.config/signet).
func (a *app) configDir() string {
	if d := a.getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "signet")
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "signet")
	}
	return ""
}

// loadConfig reads the config file. A missing default file is no error; a
// missing --config file is.
func (a *app) loadConfig() (fileConfig, string, error) {
	var c fileConfig
	path := a.configPath
	if path == "" {
		if d := a.configDir(); d != "" {
			path = filepath.Join(d, "config.yaml")
		}
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && a.configPath == "" {
		return c, "", nil
	}
	if err != nil {
		return c, path, fail(exitUsage, "check --config", "config file: %v", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return c, path, fail(exitUsage, "keys: host, api_key, client_cert_file, client_cert_password, ca_file, output",
			"config file %s: %v", path, err)
	}
	dir := filepath.Dir(path)
	for _, p := range []*string{&c.ClientCertFile, &c.CAFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	if c.APIKey != "" || c.ClientCertPassword != "" {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			a.warn("config file %s holds secrets and is readable by others: chmod 600 %s", path, path)
		}
	}
	return c, path, nil
}

// field is one credential with its environment variables.
type field struct {
	name, env, fallback string
	get                 func(*client.Config) *string
}

var fields = []field{
	{"host", "SIGNET_HOST", "SM_HOST", func(c *client.Config) *string { return &c.Host }},
	{"api_key", "SIGNET_API_KEY", "SM_API_KEY", func(c *client.Config) *string { return &c.APIKey }},
	{"client_cert_file", "SIGNET_CLIENT_CERT_FILE", "SM_CLIENT_CERT_FILE", func(c *client.Config) *string { return &c.ClientCertFile }},
	{"client_cert_password", "SIGNET_CLIENT_CERT_PASSWORD", "SM_CLIENT_CERT_PASSWORD", func(c *client.Config) *string { return &c.ClientCertPassword }},
	{"ca_file", "SIGNET_CA_FILE", "", func(c *client.Config) *string { return &c.CAFile }},
}

// resolve finds each credential: flags, then the environment (SIGNET_*,
// then SM_*), then what "credentials save" stored, then the config file.
// a.sources records where each came from.
func (a *app) resolve() (client.Config, error) {
	cfg := client.Config{UserAgent: "signet/" + version}
	set := func(f field, v, src string) {
		if p := f.get(&cfg); *p == "" && v != "" {
			*p, a.sources[f.name] = v, src
		}
	}
	flags := map[string]string{"host": a.host, "ca_file": a.caFile, "client_cert_file": a.certFile}
	for _, f := range fields {
		set(f, flags[f.name], "flag --"+strings.ReplaceAll(f.name, "_", "-"))
		set(f, a.getenv(f.env), "env "+f.env)
		if f.fallback != "" {
			set(f, a.getenv(f.fallback), "env "+f.fallback)
		}
	}
	missing := func() bool {
		for _, f := range fields {
			if *f.get(&cfg) == "" {
				return true
			}
		}
		return false
	}
	if missing() {
		s, err := a.loadSaved(cfg.APIKey == "" || cfg.ClientCertPassword == "")
		if err != nil {
			return cfg, err
		}
		for _, f := range fields {
			set(f, *f.get(&s.Config), s.source(f.name))
		}
	}
	if missing() {
		c, path, err := a.loadConfig()
		if err != nil {
			return cfg, err
		}
		fc := client.Config{Host: c.Host, APIKey: c.APIKey, ClientCertFile: c.ClientCertFile,
			ClientCertPassword: c.ClientCertPassword, CAFile: c.CAFile}
		for _, f := range fields {
			set(f, *f.get(&fc), "config "+path)
		}
	}
	if cfg.Host != "" && !strings.Contains(cfg.Host, "://") {
		cfg.Host = "https://" + cfg.Host
	}
	return cfg, nil
}
