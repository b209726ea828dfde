package pki

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/digitorus/pkcs7"
)

// EncodePKCS7Certs encodes certs as a degenerate PKCS#7 SignedData holding
// only certificates (a .p7b bundle, as Windows and Java import it).
func EncodePKCS7Certs(certs ...*x509.Certificate) ([]byte, error) {
	if len(certs) == 0 {
		return nil, errors.New("pki: a PKCS#7 bundle needs at least one certificate")
	}
	var der []byte
	for _, c := range certs {
		der = append(der, c.Raw...)
	}
	p7, err := pkcs7.DegenerateCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: encode PKCS#7 bundle: %w", err)
	}
	return p7, nil
}

// MatchPublicKey reports whether cert certifies pub.
func MatchPublicKey(pub crypto.PublicKey, cert *x509.Certificate) bool {
	k, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
	return ok && cert != nil && k.Equal(cert.PublicKey)
}

// CheckChain checks that chain is the issuer chain of leaf: chain[0] signed
// leaf and every certificate signed the one before it; a self-signed
// certificate may only come last. An empty chain is accepted.
func CheckChain(leaf *x509.Certificate, chain []*x509.Certificate) error {
	child := leaf
	for i, c := range chain {
		if !c.IsCA {
			return fmt.Errorf("pki: chain certificate %d (%q) is not a CA certificate", i+1, c.Subject.CommonName)
		}
		if err := child.CheckSignatureFrom(c); err != nil {
			return fmt.Errorf("pki: chain certificate %d (%q) did not issue %q: %w", i+1, c.Subject.CommonName, child.Subject.CommonName, err)
		}
		if selfSigned(c) && i != len(chain)-1 {
			return fmt.Errorf("pki: chain certificate %d (%q) is a root but not the last", i+1, c.Subject.CommonName)
		}
		child = c
	}
	return nil
}

func selfSigned(c *x509.Certificate) bool {
	return c.CheckSignatureFrom(c) == nil
}
