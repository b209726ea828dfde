package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"

	"software.sslmate.com/src/go-pkcs12"
)

// Errors from [DecodePKCS12], for errors.Is.
var (
	ErrNotPKCS12     = errors.New("pki: not a PKCS#12 file")
	ErrWrongPassword = errors.New("pki: wrong PKCS#12 password")
)

// EncodePKCS12 bundles key, its certificate and the chain above it (issuer
// first) into a PKCS#12 file protected by password, with the algorithms of
// OpenSSL 3 (PBES2, AES-256-CBC, HMAC-SHA-256). The password should come from
// [GeneratePassword]: the file is only as strong as it.
func EncodePKCS12(key crypto.Signer, cert *x509.Certificate, chain []*x509.Certificate, password string) ([]byte, error) {
	if password == "" {
		return nil, errors.New("pki: PKCS#12 password must not be empty")
	}
	if err := matchKey(key, cert); err != nil {
		return nil, err
	}
	data, err := pkcs12.Modern2023.Encode(key, cert, chain, password)
	if err != nil {
		return nil, fmt.Errorf("pki: encode PKCS#12: %w", err)
	}
	return data, nil
}

// DecodePKCS12 reads a PKCS#12 file holding one private key, its certificate
// and optionally a chain. It returns an error wrapping [ErrNotPKCS12] for
// data that is not PKCS#12 at all and [ErrWrongPassword] for a wrong
// password. The input is untrusted: it never panics, and it refuses files
// that ask for an unreasonable amount of key-derivation work.
func DecodePKCS12(data []byte, password string) (key crypto.Signer, cert *x509.Certificate, chain []*x509.Certificate, err error) {
	defer func() {
		// Belt and braces: go-pkcs12 parses untrusted input.
		if r := recover(); r != nil {
			key, cert, chain = nil, nil, nil
			err = fmt.Errorf("pki: malformed PKCS#12 file: %v", r)
		}
	}()
	if !looksLikePFX(data) {
		return nil, nil, nil, ErrNotPKCS12
	}
	if err := checkKDFWork(data); err != nil {
		return nil, nil, nil, err
	}
	priv, cert, chain, err := pkcs12.DecodeChain(data, password)
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword), errors.Is(err, pkcs12.ErrDecryption):
		return nil, nil, nil, ErrWrongPassword
	case err != nil:
		return nil, nil, nil, fmt.Errorf("pki: malformed or unsupported PKCS#12 file: %w", err)
	}
	key, ok := priv.(crypto.Signer)
	if !ok {
		return nil, nil, nil, fmt.Errorf("pki: PKCS#12 key of type %T cannot sign", priv)
	}
	if err := matchKey(key, cert); err != nil {
		return nil, nil, nil, err
	}
	return key, cert, chain, nil
}

// looksLikePFX reports whether data starts like a DER PFX (RFC 7292): a
// SEQUENCE whose first element is INTEGER 3. A truncated or damaged PKCS#12
// file still passes; it then fails to parse as a malformed one.
func looksLikePFX(data []byte) bool {
	if len(data) < 2 || data[0] != 0x30 {
		return false
	}
	n := 2 // tag and short-form length
	if data[1]&0x80 != 0 {
		n += int(data[1] & 0x7f) // long-form length octets
	}
	return len(data) >= n+3 && bytes.Equal(data[n:n+3], []byte{0x02, 0x01, 0x03})
}

// matchKey checks that key is the private half of cert's public key.
func matchKey(key crypto.Signer, cert *x509.Certificate) error {
	if key == nil || cert == nil {
		return errors.New("pki: missing key or certificate")
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return errors.New("pki: private key does not match the certificate")
	}
	return nil
}
