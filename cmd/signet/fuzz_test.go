package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"
)

// selfSignedDER is a certificate to seed the fuzz targets with.
func selfSignedDER(f *testing.F) ([]byte, *ecdsa.PrivateKey) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "seed"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		f.Fatal(err)
	}
	return der, key
}

// FuzzParseCerts: certificate files given to the CLI (PEM bundles or one
// DER certificate) never panic it; each certificate it returns parsed.
func FuzzParseCerts(f *testing.F) {
	der, _ := selfSignedDER(f)
	p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	f.Add(der)
	f.Add(p)
	f.Add(append(append([]byte{}, p...), p[:len(p)/2]...))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := parseCerts(data)
		for _, c := range certs {
			if err == nil && (c == nil || len(c.Raw) == 0) {
				t.Fatal("returned an empty certificate")
			}
		}
	})
}

// FuzzParsePublicKeyPEM: public key files given to the CLI never panic it.
func FuzzParsePublicKeyPEM(f *testing.F) {
	_, key := selfSignedDER(f)
	spki, _ := x509.MarshalPKIXPublicKey(key.Public())
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki[:20]}))
	f.Add(spki)
	f.Fuzz(func(t *testing.T, data []byte) {
		if pub, err := parsePublicKeyPEM(data); err == nil && pub == nil {
			t.Fatal("accepted without a key")
		}
	})
}

// FuzzDetectFormat: any signature file gets a format, without a panic.
func FuzzDetectFormat(f *testing.F) {
	f.Add("app.sig", []byte{0x30, 0x44, 0x02, 0x20})
	f.Add("app.p7s", []byte("-----BEGIN PKCS7-----\n"))
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, name string, sig []byte) {
		if detectFormat(name, sig) == "" {
			t.Fatalf("no format for %q", name)
		}
	})
}
