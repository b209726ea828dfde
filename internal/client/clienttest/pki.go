// Package clienttest is a test double of the Signet API: a mutual-TLS
// httptest server that lists keypairs and signs with real Go keys, and the
// throwaway PKI it needs. Tests of the client, the PKCS#11 module and the
// tools driven through it use it as the HTTP seam.
package clienttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// PKI is a throwaway root and intermediate CA with a server certificate for
// 127.0.0.1 and localhost and a PKCS#12 client certificate, written to files.
type PKI struct {
	Root, Intermediate       *x509.Certificate
	rootKey, intermediateKey crypto.Signer

	ServerCertDER [][]byte      // leaf then root
	ServerKey     crypto.Signer // for the server certificate
	ClientCert    *x509.Certificate

	CAFile            string // PEM of the root
	ClientP12File     string // PKCS#12 of the client certificate
	ClientP12Password string
	ClientCertPEMFile string // the client certificate as PEM (not PKCS#12), for error tests
}

var serial atomic.Int64

func nextSerial() *big.Int { return big.NewInt(serial.Add(1)) }

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// issue signs tmpl with parent/parentKey (self-signed when parent is nil).
func issue(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: cn, Organization: []string{"Signet Test"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

// NewPKI makes a PKI and writes its files in a temporary directory.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	dir := t.TempDir()
	p := &PKI{ClientP12Password: "p12-secret"}
	rk := newKey(t)
	p.Root, p.rootKey = issue(t, caTemplate("Signet Test Root"), nil, rk.Public(), rk), rk
	ik := newKey(t)
	p.Intermediate, p.intermediateKey = issue(t, caTemplate("Signet Test Intermediate"), p.Root, ik.Public(), rk), ik

	sk := newKey(t)
	srv := issue(t, &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "signet test server"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}, p.Root, sk.Public(), rk)
	p.ServerCertDER, p.ServerKey = [][]byte{srv.Raw, p.Root.Raw}, sk

	ck := newKey(t)
	p.ClientCert = issue(t, &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "signet test client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, p.Root, ck.Public(), rk)
	p12, err := pkcs12.Modern.Encode(ck, p.ClientCert, []*x509.Certificate{p.Root}, p.ClientP12Password)
	if err != nil {
		t.Fatal(err)
	}
	p.CAFile = write(t, dir, "ca.pem", pemCert(p.Root))
	p.ClientP12File = write(t, dir, "client.p12", p12)
	p.ClientCertPEMFile = write(t, dir, "client.pem", pemCert(p.ClientCert))
	return p
}

// IssueCodeSigning issues a code-signing certificate for pub under the
// intermediate and returns it with its chain (intermediate then root).
func (p *PKI) IssueCodeSigning(t testing.TB, cn string, pub crypto.PublicKey) (*x509.Certificate, []*x509.Certificate) {
	t.Helper()
	c := issue(t, &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: cn, Organization: []string{"Signet Test"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}, p.Intermediate, pub, p.intermediateKey)
	return c, []*x509.Certificate{p.Intermediate, p.Root}
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func write(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
