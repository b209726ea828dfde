package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
)

// CreateCSR makes a PKCS#10 certificate signing request for signer's key,
// to send to an external CA, and returns it PEM encoded. The signer may be
// a key backend's: only the request's signature is made with it.
func CreateCSR(subject pkix.Name, dnsNames []string, signer crypto.Signer) ([]byte, error) {
	if signer == nil {
		return nil, errors.New("pki: a CSR needs a signer")
	}
	if len(subject.ToRDNSequence()) == 0 {
		return nil, errors.New("pki: a CSR needs a subject")
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: subject, DNSNames: dnsNames}, signer)
	if err != nil {
		return nil, fmt.Errorf("pki: sign CSR: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}
