package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// EncodeCertificatesPEM encodes certs as consecutive CERTIFICATE blocks, the
// form of a chain or CA bundle file.
func EncodeCertificatesPEM(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}) // writes to a Buffer do not fail
	}
	return b.Bytes()
}

// ParseCertificatesPEM reads every CERTIFICATE block of data, in order, and
// fails if there is none or if anything else is there.
func ParseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("pki: unexpected PEM block %q", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pki: certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("pki: no PEM CERTIFICATE block found (give PEM: -----BEGIN CERTIFICATE-----; convert DER with openssl x509 -inform DER)")
	}
	if len(bytes.TrimSpace(data)) != 0 {
		return nil, errors.New("pki: trailing data after the PEM certificates")
	}
	return certs, nil
}

// EncodePrivateKeyPEM encodes an in-memory private key (RSA, ECDSA or
// Ed25519) as an unencrypted PKCS#8 PRIVATE KEY block. It is meant for files
// the user owns, such as the development server's TLS key: write them with
// [WriteFileAtomic] and mode 0600. Keys held by an HSM cannot be encoded.
func EncodePrivateKeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKeyPEM reads the single PKCS#8 PRIVATE KEY block of data.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("pki: no PEM PRIVATE KEY block found")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("pki: trailing data after the PEM private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pki: parse private key: %w", err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("pki: private key of type %T cannot sign", k)
	}
	return s, nil
}
