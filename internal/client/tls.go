package client

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"software.sslmate.com/src/go-pkcs12"
)

// Errors about the client certificate file, distinct so that tools can say
// what is wrong. They are wrapped with the file name.
var (
	// ErrClientCertFormat means the file is not PKCS#12.
	ErrClientCertFormat = errors.New("client certificate file is not PKCS#12")
	// ErrClientCertPassword means the PKCS#12 password is wrong.
	ErrClientCertPassword = errors.New("wrong client certificate password")
)

// tlsConfig builds the TLS settings: TLS 1.2 or later, the CA bundle (or
// the system roots) and the client certificate when one is configured.
// With a session directory (see [WithSessionCache]) sessions are kept
// there.
func (c Config) tlsConfig(sessionDir string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pool, err := loadCAs(c.CAFile)
		if err != nil {
			return nil, err
		}
		tc.RootCAs = pool
	}
	if c.ClientCertFile == "" {
		return tc, nil
	}
	cert, err := LoadClientCert(c.ClientCertFile, c.ClientCertPassword)
	if err != nil {
		return nil, err
	}
	tc.Certificates = []tls.Certificate{cert}
	if sessionDir == "" {
		return tc, nil
	}
	// The session file is sealed under the client's private key: no one
	// without the key (the decrypted PKCS#12) can use or even test it.
	der, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("signet: client certificate key: %w", err)
	}
	if tc.ClientSessionCache, err = newFileSessionCache(sessionDir, c.Host, der); err != nil {
		return nil, err
	}
	return tc, nil
}

func loadCAs(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signet: CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("signet: CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// LoadClientCert reads a PKCS#12 file holding a client certificate, its
// private key and optionally its chain. A wrong password gives an error
// wrapping [ErrClientCertPassword]; a file that is not PKCS#12 one wrapping
// [ErrClientCertFormat].
func LoadClientCert(path, password string) (tls.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("signet: client certificate: %w", err)
	}
	return decodeClientCert(path, data, password)
}

// decodeClientCert decodes the PKCS#12 data read from path.
func decodeClientCert(path string, data []byte, password string) (tls.Certificate, error) {
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN")) {
		return tls.Certificate{}, fmt.Errorf("signet: %s: %w (it is PEM; convert it with openssl pkcs12 -export)", path, ErrClientCertFormat)
	}
	key, cert, chain, err := pkcs12.DecodeChain(data, password)
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword):
		return tls.Certificate{}, fmt.Errorf("signet: %s: %w", path, ErrClientCertPassword)
	case err != nil:
		return tls.Certificate{}, fmt.Errorf("signet: %s: %w: %v", path, ErrClientCertFormat, err)
	}
	out := tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
	for _, c := range chain {
		out.Certificate = append(out.Certificate, c.Raw)
	}
	return out, nil
}
