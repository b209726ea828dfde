package bench

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/signet-project/signet/internal/client"
	"github.com/signet-project/signet/internal/pki"
)

// WriteTLS writes to dir what the bare server and its clients need, all
// ECDSA P-256 as signetd dev makes them: ca.crt, server.crt and server.key
// (for 127.0.0.1, ::1 and localhost), client.crt and client.key.
func WriteTLS(dir string) error {
	now := time.Now()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca, err := pki.NewRoot(pkix.Name{CommonName: "Signet bench CA"}, caKey, 48*time.Hour, now.Add(-time.Hour))
	if err != nil {
		return err
	}
	files := map[string][]byte{"ca.crt": pki.EncodeCertificatesPEM(ca.Cert)}
	for name, tmpl := range map[string]pki.Template{
		"server": pki.ServerTemplate([]string{"localhost", "127.0.0.1", "::1"}, 24*time.Hour),
		"client": pki.ClientTemplate("bench", "bench", 24*time.Hour),
	} {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		cert, err := ca.Issue(tmpl, key.Public(), now)
		if err != nil {
			return err
		}
		keyPEM, err := pki.EncodePrivateKeyPEM(key)
		if err != nil {
			return err
		}
		files[name+".crt"], files[name+".key"] = pki.EncodeCertificatesPEM(cert, ca.Cert), keyPEM
	}
	for name, data := range files {
		if err := pki.WriteFileAtomic(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// ServerTLS reads the server certificate and client CA that WriteTLS wrote.
func ServerTLS(dir string) (tls.Certificate, *x509.CertPool, error) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"))
	if err != nil {
		return cert, nil, err
	}
	pool, err := loadPool(filepath.Join(dir, "ca.crt"))
	return cert, pool, err
}

// ClientTLS returns client settings trusting the CA file (the system roots
// when empty) and presenting the client certificate in certFile: PKCS#12
// (with password), or PEM holding the certificate and, unless keyFile is
// given, the key too.
func ClientTLS(caFile, certFile, password, keyFile string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pool, err := loadPool(caFile)
		if err != nil {
			return nil, err
		}
		tc.RootCAs = pool
	}
	if certFile == "" {
		return tc, nil
	}
	data, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	var cert tls.Certificate
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN")) {
		keyData := data
		if keyFile != "" {
			if keyData, err = os.ReadFile(keyFile); err != nil {
				return nil, err
			}
		}
		cert, err = tls.X509KeyPair(data, keyData)
	} else {
		cert, err = client.LoadClientCert(certFile, password)
	}
	if err != nil {
		return nil, fmt.Errorf("bench: client certificate %s: %w", certFile, err)
	}
	tc.Certificates = []tls.Certificate{cert}
	return tc, nil
}

func loadPool(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("bench: no PEM certificate in %s", path)
	}
	return pool, nil
}
