package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-project/signet/internal/config"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/store"
)

func devCmd() *cobra.Command {
	var dataDir, listen string
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run a ready development server on embedded defaults",
		Long: `Run a development server: SQLite, disk keys under a fresh master key, a
self-made TLS certificate, and (when SoftHSM2 is installed) a SoftHSM2 token
so that storage "hsm" works too. On first start it creates a Lead user
"admin" with an API token and a client certificate, and writes
DIR/credentials.env with the SIGNET_* variables, so that

  . DIR/credentials.env && signet healthcheck

works at once. Everything lives in DIR; a later start reuses it.
Not for production: the CA key and credentials sit in DIR.`,
		Example: "  signetd dev\n  signetd dev --data-dir /tmp/signet --listen 127.0.0.1:9443",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := devSetup(dataDir, listen)
			if err != nil {
				return err
			}
			if v := os.Getenv("SIGNET_LOG_LEVEL"); v != "" {
				c.Log.Level = v // as for serve; config.yaml keeps its own
			}
			return run(cmd.Context(), c, false, func(addr string) {
				if err := devCredentials(cmd.Context(), c, dataDir, addr); err != nil {
					fmt.Fprintln(os.Stderr, "signetd dev:", err)
					return
				}
				fmt.Fprintf(os.Stderr, "\nSignet dev server ready on https://%s\n  . %s\n  signet healthcheck\n\n",
					addr, filepath.Join(dataDir, "credentials.env"))
			})
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", "signet-dev", "directory for the database, keys and credentials")
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8443", "address to listen on")
	return cmd
}

// devSetup creates (or reuses) everything in dir and returns the configuration.
func devSetup(dir, listen string) (config.Config, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return config.Config{}, err
	}
	if err := os.MkdirAll(filepath.Join(abs, "tls"), 0o700); err != nil {
		return config.Config{}, err
	}
	_ = os.Chmod(abs, 0o700)
	p := func(name string) string { return filepath.Join(abs, name) }
	if err := ensureFile(p("master.key"), func() ([]byte, error) {
		var k [32]byte
		_, err := rand.Read(k[:])
		return []byte(base64.StdEncoding.EncodeToString(k[:]) + "\n"), err
	}); err != nil {
		return config.Config{}, err
	}
	if err := devTLS(p("tls"), listen); err != nil {
		return config.Config{}, err
	}
	c := config.Config{
		Listen: listen,
		TLS: config.TLS{CertFile: p("tls/server.crt"), KeyFile: p("tls/server.key"),
			ClientCAFile: p("tls/ca.crt"), ClientCAKeyFile: p("tls/ca.key")},
		Store: config.Store{Driver: "sqlite", Path: p("signet.db")},
		Keys: config.Keys{DefaultStorage: "disk", Disk: &config.Disk{
			MasterKeys: []config.MasterKey{{ID: "dev", File: p("master.key")}}, Current: "dev"}},
		Log: config.Log{Level: "info", Format: "text"},
	}
	hsm, err := devSoftHSM(p("softhsm"))
	if err != nil {
		return c, err
	}
	c.Keys.HSM = hsm
	c.Defaults()
	if err := pki.WriteFileAtomic(p("config.yaml"), devConfigYAML(c), 0o600); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// ensureFile writes make()'s bytes to path with mode 0600 unless it exists.
func ensureFile(path string, make func() ([]byte, error)) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	b, err := make()
	if err != nil {
		return err
	}
	return pki.WriteFileAtomic(path, b, 0o600)
}

// devTLS makes a dev CA (for the server and client certificates) and a
// server certificate for localhost and the listen address. A server
// certificate that does not name the listen host (a restart with another
// --listen) is issued again by the same CA, so credentials.env, which
// names that host, keeps working and the client certificates stay valid.
func devTLS(dir, listen string) error {
	p := func(name string) string { return filepath.Join(dir, name) }
	hosts := devHosts(listen)
	now := time.Now()
	var ca *pki.CA
	if _, err := os.Stat(p("ca.key")); err == nil {
		if pair, err := tls.LoadX509KeyPair(p("server.crt"), p("server.key")); err == nil &&
			namesAll(pair.Leaf, hosts) && now.Before(pair.Leaf.NotAfter) {
			return nil
		}
		if ca, err = loadDevCA(p("ca.crt"), p("ca.key")); err != nil {
			return fmt.Errorf("server certificate for %s: %w", listen, err)
		}
	} else {
		caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		ca, err = pki.NewRoot(pkix.Name{CommonName: "Signet dev CA", Organization: []string{"Signet development"}}, caKey, 5*365*24*time.Hour, now)
		if err != nil {
			return err
		}
		caKeyPEM, err := pki.EncodePrivateKeyPEM(caKey)
		if err != nil {
			return err
		}
		for name, data := range map[string][]byte{"ca.key": caKeyPEM, "ca.crt": pki.EncodeCertificatesPEM(ca.Cert)} {
			if err := pki.WriteFileAtomic(p(name), data, 0o600); err != nil {
				return err
			}
		}
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	srv, err := ca.Issue(pki.ServerTemplate(hosts, 2*365*24*time.Hour), srvKey.Public(), now)
	if err != nil {
		return err
	}
	srvKeyPEM, err := pki.EncodePrivateKeyPEM(srvKey)
	if err != nil {
		return err
	}
	// The key first: a crash between the two leaves a pair that does not
	// match, which the next start issues again.
	if err := pki.WriteFileAtomic(p("server.key"), srvKeyPEM, 0o600); err != nil {
		return err
	}
	return pki.WriteFileAtomic(p("server.crt"), pki.EncodeCertificatesPEM(srv, ca.Cert), 0o600)
}

// devHosts are the names the dev server certificate carries: localhost,
// the loopback addresses, the listen host unless it is a wildcard, and
// the machine's host name.
func devHosts(listen string) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if h, _, err := net.SplitHostPort(listen); err == nil && h != "" && h != "0.0.0.0" && h != "::" {
		hosts = append(hosts, h)
	}
	if hn, err := os.Hostname(); err == nil {
		hosts = append(hosts, hn)
	}
	return dedupe(hosts)
}

// namesAll reports whether cert is valid for every host.
func namesAll(cert *x509.Certificate, hosts []string) bool {
	for _, h := range hosts {
		if cert.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

// loadDevCA reads the dev CA that devTLS made.
func loadDevCA(certFile, keyFile string) (*pki.CA, error) {
	cb, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	kb, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	certs, err := pki.ParseCertificatesPEM(cb)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", certFile, err)
	}
	key, err := pki.ParsePrivateKeyPEM(kb)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", keyFile, err)
	}
	return &pki.CA{Cert: certs[0], Signer: key}, nil
}

func dedupe(in []string) []string {
	seen, out := map[string]bool{}, []string{}
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// devCredentials creates the admin user with a token and a client
// certificate, once, and writes credentials.env.
func devCredentials(ctx context.Context, c config.Config, dir, addr string) error {
	envPath := filepath.Join(dir, "credentials.env")
	if old, err := os.ReadFile(envPath); err == nil {
		return pki.WriteFileAtomic(envPath, withHost(old, devHost(addr)), 0o600)
	}
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.GetUser(ctx, "admin")
	if errors.Is(err, store.ErrNotFound) {
		u, err = createUser(ctx, st, "admin", "", "standard", []string{"lead"})
	}
	if err != nil {
		return err
	}
	secret, err := createToken(ctx, st, u, "signetd dev", 0)
	if err != nil {
		return err
	}
	ca, err := loadClientCA(c.TLS.ClientCAFile, c.TLS.ClientCAKeyFile)
	if err != nil {
		return err
	}
	p12, password, err := issueClientCert(ctx, st, ca, u, 365*24*time.Hour)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(dir)
	p12Path := filepath.Join(abs, "client.p12")
	if err := pki.WriteFileAtomic(p12Path, p12, 0o600); err != nil {
		return err
	}
	if err := writeClientPEM(abs, p12, password); err != nil {
		return err
	}
	host := devHost(addr)
	env := fmt.Sprintf(`# Signet dev credentials (user "admin", role lead). Keep this file private.
export SIGNET_HOST=https://%s
export SIGNET_API_KEY=%s
export SIGNET_CLIENT_CERT_FILE=%s
export SIGNET_CLIENT_CERT_PASSWORD=%s
export SIGNET_CA_FILE=%s
`, host, secret, p12Path, password, filepath.Join(abs, "tls/ca.crt"))
	return pki.WriteFileAtomic(envPath, []byte(env), 0o600)
}

// writeClientPEM also writes the client certificate and key as PEM, for
// curl and openssl (client.crt, client.key).
func writeClientPEM(dir string, p12 []byte, password string) error {
	key, cert, chain, err := pki.DecodePKCS12(p12, password)
	if err != nil {
		return err
	}
	keyPEM, err := pki.EncodePrivateKeyPEM(key)
	if err != nil {
		return err
	}
	if err := pki.WriteFileAtomic(filepath.Join(dir, "client.key"), keyPEM, 0o600); err != nil {
		return err
	}
	return pki.WriteFileAtomic(filepath.Join(dir, "client.crt"), pki.EncodeCertificatesPEM(append([]*x509.Certificate{cert}, chain...)...), 0o600)
}

// devHost is the host:port clients use for a listen address: localhost for
// loopback and wildcard addresses (the dev certificate names it).
func devHost(addr string) string {
	if h, port, err := net.SplitHostPort(addr); err == nil && (h == "" || h == "0.0.0.0" || h == "::" || h == "127.0.0.1") {
		return net.JoinHostPort("localhost", port)
	}
	return addr
}

// withHost rewrites the SIGNET_HOST line of a credentials.env, so that a
// restart on another --listen address keeps the file right.
func withHost(env []byte, host string) []byte {
	lines := strings.Split(string(env), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "export SIGNET_HOST=") {
			lines[i] = "export SIGNET_HOST=https://" + host
		}
	}
	return []byte(strings.Join(lines, "\n"))
}
