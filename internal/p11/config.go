package p11

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path"
	"path/filepath"
	"strings"

	"github.com/signet-project/signet/internal/client"
)

// Env is how the module reaches its process: cmd/libsignet-pkcs11 passes
// os.Getenv, os.ReadFile and so on; tests pass maps.
type Env struct {
	Getenv   func(string) string
	ReadFile func(string) ([]byte, error)
	// OpenLog opens the SIGNET_PKCS11_LOG_FILE for appending.
	OpenLog func(path string) (io.WriteCloser, error)
	Stderr  io.Writer
	Program string // name of the calling program, recorded as the signing tool
	// CacheDir is where the keypair list (for the cache TTL, see keyCache)
	// and TLS sessions (client.WithSessionCache) are kept for the next
	// process; "" or SIGNET_PKCS11_CACHE=off turns that off. CacheFiles
	// reaches the key list's file.
	CacheDir   string
	CacheFiles CacheFiles
}

func (e Env) tool() string {
	if e.Program == "" {
		return "libsignet-pkcs11"
	}
	return e.Program + " (libsignet-pkcs11)"
}

// configKeys are the names a configuration file may set.
var configKeys = map[string]bool{
	"SIGNET_HOST": true, "SIGNET_API_KEY": true, "SIGNET_CLIENT_CERT_FILE": true, "SIGNET_CLIENT_CERT_PASSWORD": true,
	"SIGNET_CA_FILE": true, "SM_HOST": true, "SM_API_KEY": true, "SM_CLIENT_CERT_FILE": true, "SM_CLIENT_CERT_PASSWORD": true,
	"SIGNET_PKCS11_LOG": true, "SIGNET_PKCS11_LOG_FILE": true, "SIGNET_PKCS11_KEYS": true, "SIGNET_PKCS11_CACHE": true,
	"SIGNET_AGENT_SOCKET": true,
}

// ParseConfig reads a configuration file: NAME=value lines with the names
// of the environment variables, blank lines and # comments ignored, an
// optional "export " prefix and optional quotes around the value (so the
// credentials.env written by signetd dev works as it is). Relative file
// names are taken from dir, the file's directory.
func ParseConfig(data []byte, dir string) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || !configKeys[k] {
			return nil, fmt.Errorf("line %d: expected NAME=value with a known name, got %q", n, k)
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		if (strings.HasSuffix(k, "_FILE") || k == "SIGNET_AGENT_SOCKET") && v != "" && !filepath.IsAbs(v) {
			v = filepath.Join(dir, v)
		}
		out[k] = v
	}
	return out, sc.Err()
}

// settings returns the lookup of configuration values: the environment,
// then the file named by SIGNET_PKCS11_CONFIG.
func (e Env) settings() (func(string) string, error) {
	getenv := e.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	path := getenv("SIGNET_PKCS11_CONFIG")
	if path == "" || e.ReadFile == nil {
		return getenv, nil
	}
	data, err := e.ReadFile(path)
	if err != nil {
		return getenv, fmt.Errorf("SIGNET_PKCS11_CONFIG: %w", err)
	}
	file, err := ParseConfig(data, filepath.Dir(path))
	if err != nil {
		return getenv, fmt.Errorf("SIGNET_PKCS11_CONFIG %s: %w", path, err)
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return file[k]
	}, nil
}

// configured is the outcome of reading the configuration.
type configured struct {
	log      *slog.Logger
	logFile  io.Closer
	host     string
	keys     []string // alias patterns from SIGNET_PKCS11_KEYS
	backend  Backend
	pinLogin func(ctx context.Context, pin string) (Backend, error)
}

// configure reads the settings at C_Initialize. Options given to NewModule
// take precedence; errors are logged and leave a backend that reports them.
func (m *Module) configure() configured {
	var c configured
	get, err := m.env.settings()
	c.log, c.logFile = m.newLogger(get)
	c.keys = splitList(get("SIGNET_PKCS11_KEYS"))
	if m.opts.logger != nil {
		c.log = m.opts.logger
	}
	if m.opts.backend != nil || m.opts.pinLogin != nil {
		c.backend, c.pinLogin = m.opts.backend, m.opts.pinLogin
		return c
	}
	if err != nil {
		c.log.Error("configuration", "err", err)
		c.backend = brokenBackend{errConfig{err}}
		return c
	}
	if socket := get("SIGNET_AGENT_SOCKET"); socket != "" {
		return m.configureAgent(c, get, socket)
	}
	cfg, err := client.FromEnv(get)
	c.host = cfg.Host
	cfg.UserAgent = "libsignet-pkcs11"
	if err != nil {
		c.log.Error("configuration", "err", err)
		c.backend = brokenBackend{errConfig{err}}
		return c
	}
	// The caches: TLS sessions (see client.WithSessionCache) and, with an
	// API key from the configuration, the keypair list (see keyCache).
	f := m.env.CacheFiles
	cache := m.env.CacheDir != "" && !strings.EqualFold(get("SIGNET_PKCS11_CACHE"), "off")
	// One process per tool run, one or two requests each: HTTP/1.1 (see
	// client.WithHTTP1).
	opts := []client.Option{client.WithHTTP1()}
	if cache {
		opts = append(opts, client.WithSessionCache(m.env.CacheDir))
	}
	if cfg.APIKey == "" {
		c.pinLogin = func(ctx context.Context, pin string) (Backend, error) {
			cfg := cfg
			cfg.APIKey = pin
			return dialBackend(ctx, cfg, c.log, opts...)
		}
		return c
	}
	b := newLazyClientBackend(func() (*client.Client, error) { return client.New(cfg, opts...) }, c.log)
	if cache && f.ReadFile != nil && f.WriteFile != nil && f.Remove != nil {
		b.cache = newKeyCache(m.env.CacheDir, cfg.Host, cfg.APIKey, m.opts.ttl, m.opts.now, f)
	}
	c.backend = b
	return c
}

// configureAgent sets up the backend of a signet agent's socket (see
// internal/agent): the agent holds the credentials, the connection and
// the keypair list (so the module keeps no cache file), and the module
// needs none of them. The token's serial
// number comes from SIGNET_HOST when it is set too, so that it is the
// same as without the agent.
func (m *Module) configureAgent(c configured, get func(string) string, socket string) configured {
	c.host = "agent:" + socket
	if cfg, err := client.FromEnv(get); err == nil {
		c.host = cfg.Host
	}
	ac, err := client.NewAgent(socket, "libsignet-pkcs11")
	if err != nil {
		c.log.Error("configuration", "err", err)
		c.backend = brokenBackend{errConfig{err}}
		return c
	}
	b := NewClientBackend(ac, c.log)
	b.agent = true
	c.backend = b
	return c
}

// newLogger sets up logging from SIGNET_PKCS11_LOG (off, error, warn, info
// or debug; default error) and SIGNET_PKCS11_LOG_FILE (default stderr).
func (m *Module) newLogger(get func(string) string) (*slog.Logger, io.Closer) {
	var level slog.Level
	switch strings.ToLower(get("SIGNET_PKCS11_LOG")) {
	case "off", "none":
		return slog.New(slog.DiscardHandler), nil
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	case "warn", "warning":
		level = slog.LevelWarn
	default:
		level = slog.LevelError
	}
	var w io.Writer = m.env.Stderr
	var closer io.Closer
	if path := get("SIGNET_PKCS11_LOG_FILE"); path != "" && m.env.OpenLog != nil {
		if f, err := m.env.OpenLog(path); err == nil {
			w, closer = f, f
		}
	}
	if w == nil {
		return slog.New(slog.DiscardHandler), nil
	}
	h := slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})
	return slog.New(h).With("module", "libsignet-pkcs11"), closer
}

// splitList splits a comma-separated list, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// keyFilter returns whether the token shows the keypair alias: always
// when patterns is empty, else when alias matches one of the path.Match
// patterns.
func keyFilter(patterns []string) func(alias string) bool {
	return func(alias string) bool {
		if len(patterns) == 0 {
			return true
		}
		for _, p := range patterns {
			if ok, _ := path.Match(p, alias); ok {
				return true
			}
		}
		return false
	}
}
