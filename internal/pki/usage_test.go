package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
	"testing"
	"time"
)

func TestTimeStampingTemplate(t *testing.T) {
	h := newHierarchy(t)
	cert := h.issue(t, TimeStampingTemplate(pkix.Name{CommonName: "Signet TSA"}, time.Hour), newKey(t, "ecdsa"))
	if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping {
		t.Fatalf("EKU %v, want timeStamping only", cert.ExtKeyUsage)
	}
	n := 0
	for _, e := range cert.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			n++
			if !e.Critical {
				t.Error("the EKU extension is not critical (RFC 3161, 2.3)")
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d EKU extensions, want 1", n)
	}
	out := openssl(t, "x509", "-in", write(t, "tsa.pem", EncodeCertificatesPEM(cert)), "-noout", "-text")
	if !strings.Contains(out, "X509v3 Extended Key Usage: critical") || !strings.Contains(out, "Time Stamping") {
		t.Errorf("openssl x509:\n%s", out)
	}
	// OpenSSL accepts it for the timestamp purpose.
	chain := write(t, "chain.pem", EncodeCertificatesPEM(h.inter.Cert))
	root := write(t, "root.pem", EncodeCertificatesPEM(h.root.Cert))
	if out := openssl(t, "verify", "-purpose", "timestampsign", "-CAfile", root, "-untrusted", chain, write(t, "c.pem", EncodeCertificatesPEM(cert))); !strings.Contains(out, "OK") {
		t.Errorf("openssl verify -purpose timestampsign: %s", out)
	}
}

func TestPKCS7Bundle(t *testing.T) {
	h := newHierarchy(t)
	leaf := h.issue(t, ClientTemplate("u-1", "bundle", time.Hour), newKey(t, "rsa"))
	p7, err := EncodePKCS7Certs(leaf, h.inter.Cert, h.root.Cert)
	if err != nil {
		t.Fatal(err)
	}
	out := openssl(t, "pkcs7", "-inform", "DER", "-in", write(t, "b.p7b", p7), "-print_certs", "-noout")
	for _, cn := range []string{"CN = bundle", "CN = Signet Test Intermediate", "CN = Signet Test Root"} {
		if !strings.Contains(out, cn) {
			t.Errorf("openssl pkcs7 -print_certs: no %q in\n%s", cn, out)
		}
	}
	if _, err := EncodePKCS7Certs(); err == nil {
		t.Error("an empty bundle was made")
	}
}

func TestCheckChain(t *testing.T) {
	h := newHierarchy(t)
	other := newHierarchy(t)
	leaf := h.issue(t, ClientTemplate("u-1", "leaf", time.Hour), newKey(t, "ecdsa"))
	cases := []struct {
		name  string
		chain []*x509.Certificate
		ok    bool
	}{
		{"full", []*x509.Certificate{h.inter.Cert, h.root.Cert}, true},
		{"intermediate only", []*x509.Certificate{h.inter.Cert}, true},
		{"none", nil, true},
		{"wrong intermediate", []*x509.Certificate{other.inter.Cert, other.root.Cert}, false},
		{"wrong order", []*x509.Certificate{h.root.Cert, h.inter.Cert}, false},
		{"leaf as CA", []*x509.Certificate{leaf}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := CheckChain(leaf, c.chain); (err == nil) != c.ok {
				t.Errorf("CheckChain: %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func TestParseUsages(t *testing.T) {
	oids := map[string]asn1.ObjectIdentifier{"1.2.3.4.1": {1, 2, 3, 4, 1}, "2.999.1": {2, 999, 1}}
	for s, want := range oids {
		if got, err := ParseOID(s); err != nil || !got.Equal(want) {
			t.Errorf("ParseOID(%q) = %v, %v", s, got, err)
		}
	}
	for _, bad := range []string{"", "1", "1..2", "1.2.x", "3.1", "1.40", "01.2", "1.2.9999999999"} {
		if _, err := ParseOID(bad); err == nil {
			t.Errorf("ParseOID(%q) accepted", bad)
		}
	}
	if u, oid, err := ParseExtKeyUsage("codeSigning"); err != nil || u != x509.ExtKeyUsageCodeSigning || oid != nil {
		t.Errorf("codeSigning: %v %v %v", u, oid, err)
	}
	if _, oid, err := ParseExtKeyUsage("1.3.6.1.4.1.311.10.3.13"); err != nil || oid == nil {
		t.Errorf("an OID EKU: %v %v", oid, err)
	}
	if _, _, err := ParseExtKeyUsage("signing"); err == nil {
		t.Error("an unknown EKU name was accepted")
	}
	if _, err := ParseKeyUsage("keyCertSign"); err == nil {
		t.Error("a profile may not ask for keyCertSign")
	}
}

func TestCSR(t *testing.T) {
	for _, kind := range keyKinds {
		t.Run(kind, func(t *testing.T) {
			csr, err := CreateCSR(pkix.Name{CommonName: "release-key", Organization: []string{"Example"}}, []string{"example.com"}, newKey(t, kind))
			if err != nil {
				t.Fatal(err)
			}
			out := openssl(t, "req", "-in", write(t, "r.csr", csr), "-verify", "-noout", "-subject")
			if !strings.Contains(out, "verify OK") && !strings.Contains(out, "Certificate request self-signature verify OK") {
				t.Errorf("openssl req -verify: %s", out)
			}
			if !strings.Contains(out, "CN = release-key") {
				t.Errorf("subject: %s", out)
			}
		})
	}
	if _, err := CreateCSR(pkix.Name{}, nil, newKey(t, "ecdsa")); err == nil {
		t.Error("a CSR without subject was made")
	}
}

// TestCodeSigningRefusal: the usages that would give a keypair's
// certificate the powers of the CA's OCSP responder or TSA, or of an
// authenticating key, are refused by name and by OID; code-signing ones
// are not.
func TestCodeSigningRefusal(t *testing.T) {
	for _, u := range []string{"OCSPSigning", "1.3.6.1.5.5.7.3.9", "timeStamping", "1.3.6.1.5.5.7.3.8", "2.5.29.37.0",
		"serverAuth", "1.3.6.1.5.5.7.3.1", "clientAuth", "1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.21", "1.3.6.1.5.5.7.3.22",
		"1.3.6.1.4.1.311.20.2.2", "1.3.6.1.5.2.3.4", "1.3.6.1.5.2.3.5", "1.3.6.1.4.1.311.10.3.3", "2.16.840.1.113730.4.1"} {
		if CodeSigningRefusal(u) == "" {
			t.Errorf("%s is allowed", u)
		}
	}
	for _, u := range []string{"codeSigning", "1.3.6.1.5.5.7.3.3", "emailProtection", "1.3.6.1.4.1.311.10.3.13",
		"1.3.6.1.4.1.311.2.1.22", "1.2.3.4.1", "not an OID"} {
		if why := CodeSigningRefusal(u); why != "" {
			t.Errorf("%s is refused: %s", u, why)
		}
	}
	// A named usage given by its OID is that usage, not a second entry.
	if u, oid, err := ParseExtKeyUsage("1.3.6.1.5.5.7.3.3"); err != nil || u != x509.ExtKeyUsageCodeSigning || oid != nil {
		t.Errorf("codeSigning by OID: %v %v %v", u, oid, err)
	}
}
