package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signet-project/signet/internal/config"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/store/postgres"
	"github.com/signet-project/signet/internal/store/sqlite"
)

// configFlag adds --config, defaulting to $SIGNET_CONFIG.
func configFlag(cmd *cobra.Command, path *string) {
	cmd.Flags().StringVarP(path, "config", "c", os.Getenv("SIGNET_CONFIG"), "configuration file (YAML; default $SIGNET_CONFIG)")
}

// loadConfig reads the file and applies environment overrides.
func loadConfig(path string) (config.Config, error) {
	if path == "" {
		return config.Config{}, errors.New("no configuration: pass --config FILE or set SIGNET_CONFIG (or run `signetd dev`)")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return config.Config{}, fmt.Errorf("reading configuration: %w", err)
	}
	c, err := config.Parse(data)
	if err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if v := os.Getenv("SIGNET_LISTEN"); v != "" {
		c.Listen = v
	}
	if v := os.Getenv("SIGNET_DATABASE_DSN"); v != "" {
		c.Store.DSN = v
	}
	if v := os.Getenv("SIGNET_LOG_LEVEL"); v != "" {
		c.Log.Level = v
	}
	return c, c.Validate()
}

// secretFile reads a file that holds a secret, refusing one that others can read.
func secretFile(what, path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("refusing to start: %s %s is readable by others (mode %04o); run: chmod 600 %s",
			what, path, fi.Mode().Perm(), path)
	}
	return os.ReadFile(path)
}

func newLogger(c config.Config) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.Log.Level)); err != nil {
		lvl = slog.LevelInfo
	}
	o := &slog.HandlerOptions{Level: lvl}
	if c.Log.Format == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, o))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, o))
}

// openStore opens the configured database, applying migrations.
func openStore(ctx context.Context, c config.Config) (server.Store, error) {
	if c.Store.Driver == "postgres" {
		return postgres.Open(ctx, c.Store.DSN)
	}
	return sqlite.Open(ctx, c.Store.Path)
}

// masterKeys reads every configured master key.
func masterKeys(d *config.Disk) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, m := range d.MasterKeys {
		var raw []byte
		if m.File != "" {
			b, err := secretFile("master key "+m.ID, m.File)
			if err != nil {
				return nil, err
			}
			raw = b
		} else {
			raw = []byte(os.Getenv(m.Env))
			if len(raw) == 0 {
				return nil, fmt.Errorf("master key %s: environment variable %s is empty", m.ID, m.Env)
			}
		}
		key, err := decodeKey(raw)
		if err != nil {
			return nil, fmt.Errorf("master key %s: %w", m.ID, err)
		}
		out[m.ID] = key
	}
	return out, nil
}

// decodeKey accepts 32 raw bytes or their base64 form.
func decodeKey(raw []byte) ([]byte, error) {
	if len(raw) == 32 {
		return raw, nil
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(k) != 32 {
		return nil, errors.New("must be 32 bytes, raw or base64 (make one with `signetd master-key new`)")
	}
	return k, nil
}

// openBackends creates every configured key backend.
func openBackends(ctx context.Context, c config.Config) (map[string]keys.KeyManager, error) {
	out := map[string]keys.KeyManager{}
	closeAll := func() {
		for _, km := range out {
			km.Close()
		}
	}
	if d := c.Keys.Disk; d != nil {
		mk, err := masterKeys(d)
		if err != nil {
			return nil, err
		}
		km, err := keys.New(ctx, "disk", keys.Options{MasterKeys: mk, CurrentKEK: d.Current})
		if err != nil {
			return nil, err
		}
		out["disk"] = km
	}
	if h := c.Keys.HSM; h != nil {
		var pin []byte
		var err error
		if h.PINFile != "" {
			pin, err = secretFile("HSM PIN file", h.PINFile)
		} else if pin = []byte(os.Getenv(h.PINEnv)); len(pin) == 0 {
			err = fmt.Errorf("HSM PIN: environment variable %s is empty", h.PINEnv)
		}
		if err != nil {
			closeAll()
			return nil, err
		}
		km, err := keys.New(ctx, "hsm", keys.Options{Module: h.Module, TokenLabel: h.Token,
			PIN: strings.TrimSpace(string(pin)), PoolSize: h.PoolSize})
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("HSM %s: %w", h.Token, err)
		}
		out["hsm"] = km
	}
	return out, nil
}

// loadTLS reads the server certificate and the client CA pool.
func loadTLS(c config.Config) (tls.Certificate, *x509.CertPool, error) {
	if _, err := secretFile("TLS key", c.TLS.KeyFile); err != nil {
		return tls.Certificate{}, nil, err
	}
	cert, err := tls.LoadX509KeyPair(c.TLS.CertFile, c.TLS.KeyFile)
	if err != nil {
		return cert, nil, fmt.Errorf("TLS certificate: %w", err)
	}
	if c.TLS.ClientCAFile == "" {
		return cert, nil, nil
	}
	pemData, err := os.ReadFile(c.TLS.ClientCAFile)
	if err != nil {
		return cert, nil, fmt.Errorf("client CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		return cert, nil, fmt.Errorf("client CA: no PEM certificate in %s", c.TLS.ClientCAFile)
	}
	return cert, pool, nil
}
