package pki

import (
	"strings"
	"testing"
	"time"
)

func TestCertificatesPEM(t *testing.T) {
	h := newHierarchy(t)
	chain := h.inter.IssuerChain()
	got, err := ParseCertificatesPEM(EncodeCertificatesPEM(chain...))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].Equal(chain[0]) || !got[1].Equal(chain[1]) {
		t.Fatalf("round trip gave %d certificates", len(got))
	}
	keyPEM, err := EncodePrivateKeyPEM(newKey(t, "ecdsa"))
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{
		"empty":    "",
		"key":      string(keyPEM),
		"trailing": string(EncodeCertificatesPEM(chain[0])) + "junk",
		"garbage":  "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
	}
	for name, data := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseCertificatesPEM([]byte(data)); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestPrivateKeyPEM(t *testing.T) {
	for _, kind := range keyKinds {
		t.Run(kind, func(t *testing.T) {
			key := newKey(t, kind)
			data, err := EncodePrivateKeyPEM(key)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(data), "-----BEGIN PRIVATE KEY-----\n") {
				t.Errorf("not a PKCS#8 PEM block: %.30q", data)
			}
			got, err := ParsePrivateKeyPEM(data)
			if err != nil {
				t.Fatal(err)
			}
			if !samePublicKey(key.Public(), got.Public()) {
				t.Error("parsed another key")
			}
		})
	}
	h := newHierarchy(t)
	cert := h.issue(t, ServerTemplate([]string{"localhost"}, time.Hour), newKey(t, "ecdsa"))
	if _, err := ParsePrivateKeyPEM(EncodeCertificatesPEM(cert)); err == nil {
		t.Error("a certificate parsed as a private key")
	}
}

// FuzzParseCertificatesPEM: uploaded certificate bundles never panic the
// parser, and what it accepts encodes back to the same certificates.
func FuzzParseCertificatesPEM(f *testing.F) {
	h := newHierarchy(f)
	chain := EncodeCertificatesPEM(h.inter.IssuerChain()...)
	f.Add(chain)
	f.Add(chain[:len(chain)/2])
	f.Add(h.inter.IssuerChain()[0].Raw) // DER, not PEM
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := ParseCertificatesPEM(data)
		if err != nil {
			return
		}
		again, err := ParseCertificatesPEM(EncodeCertificatesPEM(certs...))
		if err != nil || len(again) != len(certs) {
			t.Fatalf("accepted %d certificates that do not read back: %v", len(certs), err)
		}
	})
}

// FuzzParsePrivateKeyPEM: imported keys never panic the parser, and an
// accepted key signs.
func FuzzParsePrivateKeyPEM(f *testing.F) {
	for _, kind := range keyKinds {
		data, err := EncodePrivateKeyPEM(newKey(f, kind))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)*2/3])
	}
	f.Add([]byte("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParsePrivateKeyPEM(data)
		if err == nil && k.Public() == nil {
			t.Fatal("accepted a key without a public half")
		}
	})
}
