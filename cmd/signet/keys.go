package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/signet-project/signet/internal/sigalg"
)

// verifySig checks sig over in (a digest, or the message for pure
// Ed25519) with pub.
func verifySig(pub crypto.PublicKey, alg sigalg.Alg, in, sig []byte) error {
	var ok bool
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if alg.Key != sigalg.RSA {
			break
		}
		if alg.PSS {
			return rsa.VerifyPSS(k, alg.Hash, in, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		return rsa.VerifyPKCS1v15(k, alg.Hash, in, sig)
	case *ecdsa.PublicKey:
		if alg.Key != sigalg.ECDSA {
			break
		}
		ok = ecdsa.VerifyASN1(k, in, sig)
		if !ok {
			return errors.New("ECDSA verification failed")
		}
		return nil
	case ed25519.PublicKey:
		if alg.Key != sigalg.Ed25519 {
			break
		}
		if alg.Pure {
			ok = ed25519.Verify(k, in, sig)
		} else {
			ok = ed25519.VerifyWithOptions(k, in, sig, &ed25519.Options{Hash: crypto.SHA512}) == nil
		}
		if !ok {
			return errors.New("Ed25519 verification failed")
		}
		return nil
	}
	return fmt.Errorf("%s does not fit a %T key", alg.Name, pub)
}

// parsePublicKeyPEM reads a PEM "PUBLIC KEY".
func parsePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, errors.New("no PEM PUBLIC KEY block")
	}
	return x509.ParsePKIXPublicKey(b.Bytes)
}

// readCerts reads PEM (or one DER) certificates from a file.
func readCerts(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	certs, err := parseCerts(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return certs, nil
}

// parseCerts reads PEM certificates, or one DER certificate.
func parseCerts(data []byte) ([]*x509.Certificate, error) {
	if !bytes.Contains(data, []byte("-----BEGIN")) {
		c, err := x509.ParseCertificate(data)
		if err != nil {
			return nil, err
		}
		return []*x509.Certificate{c}, nil
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}

// samePublicKey reports whether a certificate carries the given public key.
func samePublicKey(cert *x509.Certificate, pub crypto.PublicKey) bool {
	k, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(pub)
}
