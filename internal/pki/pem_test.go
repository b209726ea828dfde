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
