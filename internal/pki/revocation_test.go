package pki

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// revocationFixture is a leaf under the test hierarchy, with files for
// openssl: the leaf, the intermediate and the root.
type revocationFixture struct {
	h                     hierarchy
	leaf                  *x509.Certificate
	leafPEM, interPEM, ca string
}

func newRevocationFixture(t *testing.T) revocationFixture {
	h := newHierarchy(t)
	tmpl := Template{Subject: h.inter.Cert.Subject, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, Validity: time.Hour,
		CRLDistributionPoints: []string{"https://signet.example/crl/issuing.crl"}, OCSPServer: []string{"https://signet.example/ocsp"}}
	tmpl.Subject.CommonName = "release-key"
	leaf := h.issue(t, tmpl, newKey(t, "ecdsa"))
	return revocationFixture{h: h, leaf: leaf,
		leafPEM:  write(t, "leaf.pem", EncodeCertificatesPEM(leaf)),
		interPEM: write(t, "inter.pem", EncodeCertificatesPEM(h.inter.Cert)),
		ca:       write(t, "root.pem", EncodeCertificatesPEM(h.root.Cert))}
}

func TestCRLOpenSSL(t *testing.T) {
	f := newRevocationFixture(t)
	revoked := []x509.RevocationListEntry{{SerialNumber: f.leaf.SerialNumber, RevocationTime: f.h.now, ReasonCode: 1}}
	crl, err := f.h.inter.CreateCRL(revoked, 7, f.h.now, f.h.now.Add(24*time.Hour), f.h.inter.Cert.NotBefore)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(f.h.inter.Cert); err != nil || crl.Number.Int64() != 7 {
		t.Fatalf("CRL number %v, signature: %v", crl.Number, err)
	}
	p := write(t, "crl.pem", pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl.Raw}))
	chain := write(t, "chain.pem", EncodeCertificatesPEM(f.h.inter.Cert, f.h.root.Cert))
	out := openssl(t, "crl", "-in", p, "-CAfile", chain, "-noout", "-text")
	serial := strings.ToUpper(f.leaf.SerialNumber.Text(16))
	for _, want := range []string{"verify OK", "X509v3 CRL Number", "7", serial, "Key Compromise", "2.5.29.60: \n"} {
		if !strings.Contains(out, want) {
			t.Errorf("openssl crl: no %q in\n%s", want, out)
		}
	}
	// Revoked certificates stay listed after they expire, and it says so.
	if since, ok := ExpiredCertsOnCRL(crl); !ok || !since.Equal(f.h.inter.Cert.NotBefore) {
		t.Errorf("ExpiredCertsOnCRL %v, %v; want %v", since, ok, f.h.inter.Cert.NotBefore)
	}
	if plain, err := f.h.inter.CreateCRL(nil, 8, f.h.now, f.h.now.Add(time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	} else if _, ok := ExpiredCertsOnCRL(plain); ok {
		t.Error("ExpiredCertsOnCRL without expiredSince")
	}
	// The revoked leaf fails openssl verify -crl_check.
	crlAndChain := write(t, "all.pem", append(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl.Raw}), EncodeCertificatesPEM(f.h.inter.Cert)...))
	out, err = opensslErr(t, "verify", "-crl_check", "-CAfile", f.ca, "-untrusted", f.interPEM, "-CRLfile", crlAndChain, "-purpose", "any", f.leafPEM)
	if err == nil || !strings.Contains(out, "certificate revoked") {
		t.Errorf("openssl verify -crl_check of a revoked certificate: %v\n%s", err, out)
	}
	if _, err := f.h.inter.CreateCRL(nil, 0, f.h.now, f.h.now.Add(time.Hour), time.Time{}); err == nil {
		t.Error("CRL number 0 accepted")
	}
}

func TestOCSPOpenSSL(t *testing.T) {
	f := newRevocationFixture(t)
	reqFile := t.TempDir() + "/req.der"
	openssl(t, "ocsp", "-issuer", f.interPEM, "-cert", f.leafPEM, "-reqout", reqFile)
	req, err := ParseOCSPRequest(readFile(t, reqFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Items) != 1 || req.Items[0].Serial.Cmp(f.leaf.SerialNumber) != 0 || req.Nonce == nil {
		t.Fatalf("parsed request: %+v", req)
	}
	if !req.Items[0].Issued(f.h.inter) || req.Items[0].Issued(f.h.root) {
		t.Fatal("CertID does not name the intermediate alone")
	}
	cases := []struct {
		name   string
		status int
		want   string
	}{
		{"good", OCSPGood, "Cert Status: good"},
		{"revoked", OCSPRevoked, "Cert Status: revoked"},
		{"unknown", OCSPUnknown, "Cert Status: unknown"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := OCSPStatus{ID: req.Items[0], Status: c.status, RevokedAt: f.h.now.Add(-time.Minute), Reason: ocsp.KeyCompromise,
				ThisUpdate: f.h.now, NextUpdate: f.h.now.Add(time.Hour)}
			der, err := f.h.inter.OCSPResponse([]OCSPStatus{st}, req.Nonce, f.h.now)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := ocsp.ParseResponseForCert(der, f.leaf, f.h.inter.Cert)
			if err != nil || resp.Status != c.status || resp.SerialNumber.Cmp(f.leaf.SerialNumber) != 0 {
				t.Fatalf("x/crypto/ocsp reads status %v, err %v", resp, err)
			}
			respFile := write(t, "resp.der", der)
			// With -reqin (and so without -cert) openssl checks the nonce.
			out := openssl(t, "ocsp", "-respin", respFile, "-reqin", reqFile, "-CAfile", f.ca, "-verify_other", f.interPEM, "-resp_text")
			if !strings.Contains(out, "Response verify OK") || !strings.Contains(out, c.want) || strings.Contains(out, "WARNING") {
				t.Errorf("openssl ocsp:\n%s", out)
			}
		})
	}
}

func TestOCSPErrors(t *testing.T) {
	f := newRevocationFixture(t)
	good, err := ocsp.CreateRequest(f.leaf, f.h.inter.Cert, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseOCSPRequest(good); err != nil {
		t.Fatalf("x/crypto/ocsp request refused: %v", err)
	}
	cases := map[string][]byte{
		"empty":    nil,
		"garbage":  []byte("not DER at all"),
		"trailing": append(append([]byte{}, good...), 0),
		"huge":     make([]byte, MaxOCSPRequest+1),
		"sequence": {0x30, 0x00},
		"truncate": good[:len(good)-3],
	}
	for name, in := range cases {
		if _, err := ParseOCSPRequest(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	_, err = ocsp.ParseResponse(OCSPErrorResponse(OCSPMalformedRequest), nil)
	if re, ok := err.(ocsp.ResponseError); !ok || re.Status != ocsp.Malformed {
		t.Errorf("error response reads as %v", err)
	}
	// A response needs the request's CertID and a CA that may sign.
	if _, err := f.h.inter.OCSPResponse([]OCSPStatus{{Status: OCSPGood}}, nil, f.h.now); err == nil {
		t.Error("a status without a CertID was answered")
	}
}

// FuzzParseOCSPRequest feeds the OCSP request decoder untrusted bytes: it
// must never panic, and what it accepts must answer. Seeds are in
// testdata/fuzz/FuzzParseOCSPRequest: requests made by `openssl ocsp
// -reqout` (SHA-1, SHA-256 and SHA-384 CertIDs, with and without a nonce,
// two certificates, a signed request) and broken ones.
func FuzzParseOCSPRequest(f *testing.F) {
	h := newHierarchy(f)
	leaf := h.issue(f, ClientTemplate("u-1", "fuzz", time.Hour), newKey(f, "ecdsa"))
	for _, hash := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
		req, err := ocsp.CreateRequest(leaf, h.inter.Cert, &ocsp.RequestOptions{Hash: hash})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(req)
	}
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := ParseOCSPRequest(data)
		if err != nil {
			return
		}
		var sts []OCSPStatus
		for _, id := range req.Items {
			sts = append(sts, OCSPStatus{ID: id, Status: OCSPUnknown, ThisUpdate: h.now})
		}
		if _, err := h.inter.OCSPResponse(sts, req.Nonce, h.now); err != nil {
			t.Fatalf("accepted request not answerable: %v", err)
		}
	})
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
