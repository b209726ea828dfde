//go:build e2e

package e2e

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/signet-project/signet/internal/config"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/store/pgtest"
)

// pgSite is a `signetd dev` data directory (TLS, CA, master key) turned to
// a fresh PostgreSQL database: a serve configuration, the environment with
// its DSN, and a Lead user made with the admin commands.
type pgSite struct {
	dir, config string
	env         []string // SIGNET_DATABASE_DSN
	dsn         string
	admin       creds
}

// newPGSite runs `signetd dev` once to create the data directory, writes
// DIR/pg.yaml (the dev configuration with store postgres, without the
// SoftHSM2 token), and creates user admin with a token and a client
// certificate in the database with `signetd user|token|client-cert`.
func newPGSite(t *testing.T) *pgSite {
	t.Helper()
	dir := t.TempDir()
	if err := startDev(t, dir).stop(); err != nil {
		t.Fatalf("signetd dev after SIGTERM: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	c.Store = config.Store{Driver: "postgres"} // the DSN comes from SIGNET_DATABASE_DSN
	c.Keys.HSM = nil
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	s := &pgSite{dir: dir, config: filepath.Join(dir, "pg.yaml"), dsn: pgtest.DSN(t)}
	if err := os.WriteFile(s.config, out, 0o600); err != nil {
		t.Fatal(err)
	}
	s.env = []string{"SIGNET_DATABASE_DSN=" + s.dsn}

	runOK(t, s.env, "user", "create", "admin", "--role", "lead", "-c", s.config)
	token := strings.TrimSpace(runOK(t, s.env, "token", "create", "admin", "--name", "e2e", "-c", s.config))
	p12 := filepath.Join(dir, "admin.p12")
	issued := runOK(t, s.env, "client-cert", "issue", "admin", "--out", p12, "-c", s.config)
	_, password, ok := strings.Cut(issued, "password: ")
	if !ok {
		t.Fatalf("client-cert issue printed no password: %q", issued)
	}
	der, err := os.ReadFile(p12)
	if err != nil {
		t.Fatal(err)
	}
	key, cert, _, err := pki.DecodePKCS12(der, strings.TrimSpace(password))
	if err != nil {
		t.Fatal(err)
	}
	s.admin = creds{token: token, roots: certPool(t, c.TLS.ClientCAFile),
		cert: tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}}
	return s
}

// serve starts a `signetd serve` node on the site.
func (s *pgSite) serve(t *testing.T, name string) *proc {
	t.Helper()
	return startServer(t, name, s.env, filepath.Join(s.dir, "tls", "ca.crt"), func(addr string) []string {
		return []string{"serve", "-c", s.config, "--listen", addr}
	}, "")
}
