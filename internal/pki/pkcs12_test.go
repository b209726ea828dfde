package pki

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

func TestPKCS12RoundTrip(t *testing.T) {
	h := newHierarchy(t)
	for _, kind := range keyKinds {
		for _, chain := range [][]*x509.Certificate{nil, h.inter.IssuerChain()} {
			t.Run(fmt.Sprintf("%s chain %d", kind, len(chain)), func(t *testing.T) {
				key := newKey(t, kind)
				cert := h.issue(t, ClientTemplate("u-1", "Ada", time.Hour), key)
				pw := GeneratePassword()
				data, err := EncodePKCS12(key, cert, chain, pw)
				if err != nil {
					t.Fatal(err)
				}
				gotKey, gotCert, gotChain, err := DecodePKCS12(data, pw)
				if err != nil {
					t.Fatal(err)
				}
				if !gotCert.Equal(cert) || len(gotChain) != len(chain) {
					t.Fatalf("got certificate %v and %d chain certificates", gotCert.Subject, len(gotChain))
				}
				for i := range chain {
					if !gotChain[i].Equal(chain[i]) {
						t.Errorf("chain[%d] = %v, want %v", i, gotChain[i].Subject, chain[i].Subject)
					}
				}
				if !samePublicKey(key.Public(), gotKey.Public()) {
					t.Error("decoded key differs")
				}
			})
		}
	}
}

func TestPKCS12Errors(t *testing.T) {
	h := newHierarchy(t)
	key := newKey(t, "ecdsa")
	cert := h.issue(t, ClientTemplate("u-1", "Ada", time.Hour), key)
	good, err := EncodePKCS12(key, cert, h.inter.IssuerChain(), "right")
	if err != nil {
		t.Fatal(err)
	}
	// A well-formed file whose key is not the certificate's.
	mismatched, err := pkcs12.Modern2023.Encode(newKey(t, "ecdsa"), cert, nil, "right")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		data     []byte
		password string
		want     error  // a sentinel, or nil for another error
		contains string // for another error: part of its message
	}{
		{"wrong password", good, "wrong", ErrWrongPassword, ""},
		{"empty password", good, "", ErrWrongPassword, ""},
		{"empty file", nil, "right", ErrNotPKCS12, ""},
		{"text", []byte("hello, world\n"), "right", ErrNotPKCS12, ""},
		{"PEM certificate", EncodeCertificatesPEM(cert), "right", ErrNotPKCS12, ""},
		{"DER certificate", cert.Raw, "right", ErrNotPKCS12, ""},
		{"truncated", good[:len(good)/2], "right", nil, "malformed"},
		{"trailing data", append(bytes.Clone(good), 0), "right", nil, "malformed"},
		{"key does not match", mismatched, "right", nil, "does not match"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key, cert, chain, err := DecodePKCS12(c.data, c.password)
			if err == nil || key != nil || cert != nil || chain != nil {
				t.Fatalf("DecodePKCS12 = %v, %v, %v, %v; want only an error", key, cert, chain, err)
			}
			switch {
			case c.want != nil && !errors.Is(err, c.want):
				t.Errorf("error %q, want %q", err, c.want)
			case c.want == nil && (errors.Is(err, ErrWrongPassword) || errors.Is(err, ErrNotPKCS12) || !strings.Contains(err.Error(), c.contains)):
				t.Errorf("error %q, want one containing %q", err, c.contains)
			}
		})
	}
}

func TestEncodePKCS12Rejects(t *testing.T) {
	h := newHierarchy(t)
	key := newKey(t, "ecdsa")
	cert := h.issue(t, ClientTemplate("u-1", "Ada", time.Hour), key)
	if _, err := EncodePKCS12(key, cert, nil, ""); err == nil {
		t.Error("empty password accepted")
	}
	if _, err := EncodePKCS12(newKey(t, "ecdsa"), cert, nil, "pw"); err == nil {
		t.Error("key that does not match the certificate accepted")
	}
}

// FuzzDecodePKCS12 checks that DecodePKCS12 never panics and that it returns
// either a matching key and certificate or an error alone. Seeds are in
// testdata/fuzz/FuzzDecodePKCS12 (ours and OpenSSL's files, broken ones).
func FuzzDecodePKCS12(f *testing.F) {
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x03}, "")
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		key, cert, chain, err := DecodePKCS12(data, password)
		if err != nil {
			if key != nil || cert != nil || chain != nil {
				t.Fatalf("error %v came with results", err)
			}
			return
		}
		if err := matchKey(key, cert); err != nil {
			t.Fatal(err)
		}
	})
}
