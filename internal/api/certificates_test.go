package api_test

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/server/servertest"
)

// TestCertificateChainAndRevocation generates a keypair with its
// certificate in one step, verifies the certificate with openssl against
// the chain downloaded from the server, checks its extensions against the
// default profile, revokes it, and asks openssl ocsp (against Signet's
// responder) and the published CRL about it.
func TestCertificateChainAndRevocation(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		d := newWorkDir(t)
		var kp certKeypair
		env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs",
			map[string]any{"alias": "release-key", "algorithm": "ecdsa", "generate_cert": true}, 201).JSON(t, &kp)
		f := certFiles(t, env, d, kp)

		out := d.must(t, "openssl", "verify", "-x509_strict", "-CAfile", f.root, "-untrusted", f.chain, f.leaf)
		if !strings.Contains(out, ": OK") {
			t.Fatalf("openssl verify: %s", out)
		}
		ext := d.must(t, "openssl", "x509", "-in", f.leaf, "-noout", "-subject", "-ext",
			"keyUsage,extendedKeyUsage,crlDistributionPoints,authorityInfoAccess,basicConstraints")
		for _, want := range []string{
			"subject=O = Signet, CN = release-key",
			"X509v3 Key Usage: critical\n    Digital Signature\n",
			"X509v3 Extended Key Usage: \n    Code Signing\n",
			"CA:FALSE",
			"URI:" + env.URL + "/crl/issuing.crl",
			"OCSP - URI:" + env.URL + "/ocsp",
			"CA Issuers - URI:" + env.URL + "/ca/issuing.crt",
		} {
			if !strings.Contains(ext, want) {
				t.Errorf("certificate lacks %q:\n%s", want, ext)
			}
		}
		leaf := parsePEM(t, kp.CertificatePEM)
		if life := leaf.NotAfter.Sub(leaf.NotBefore); life < 3*ca.Year || life > 3*ca.Year+2*time.Minute {
			t.Errorf("validity %v, want the default profile's 3 years", life)
		}
		// The chain is the issuing CA then the root, and the issuer URL serves the issuing CA.
		chain := d.must(t, "openssl", "crl2pkcs7", "-nocrl", "-certfile", f.chain)
		if n := strings.Count(d.must(t, "openssl", "pkcs7", "-print_certs", "-noout", "-in", d.write(t, "c.p7", []byte(chain))), "subject="); n != 2 {
			t.Errorf("chain_pem holds %d certificates, want 2", n)
		}
		if got := fetch(t, env, "/ca/issuing.crt"); string(pemCert(got)) != string(fetch(t, env, "/api/v1/ca/issuing/certificate")) {
			t.Error("the issuer URL serves another certificate")
		}

		ocsp := func() string {
			return d.must(t, "openssl", "ocsp", "-issuer", f.issuing, "-cert", f.leaf, "-url", env.URL+"/ocsp",
				"-CAfile", f.trust, "-resp_text")
		}
		if out := ocsp(); !strings.Contains(out, f.leaf+": good") || !strings.Contains(out, "Response verify OK") {
			t.Fatalf("openssl ocsp before revocation:\n%s", out)
		}

		var list certListOut
		env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/release-key/certificates", nil, 200).JSON(t, &list)
		if len(list.Certificates) != 1 || !list.Certificates[0].Default || list.Certificates[0].Status != "valid" {
			t.Fatalf("certificates: %+v", list)
		}
		c := list.Certificates[0]
		var revoked certOut
		env.MustDo(t, env.Lead, "POST", "/api/v1/certificates/"+c.ID+"/revoke", map[string]any{"reason": "keyCompromise"}, 200).JSON(t, &revoked)
		if revoked.Status != "revoked" || revoked.Default {
			t.Fatalf("after revocation: %+v", revoked)
		}
		out = ocsp()
		if !strings.Contains(out, f.leaf+": revoked") || !strings.Contains(out, "Reason: keyCompromise") || !strings.Contains(out, "Response verify OK") {
			t.Fatalf("openssl ocsp after revocation:\n%s", out)
		}

		crl := d.write(t, "issuing.crl", fetch(t, env, "/crl/issuing.crl"))
		cas := d.write(t, "cas.pem", []byte(kp.ChainPEM))
		out = d.must(t, "openssl", "crl", "-inform", "DER", "-in", crl, "-CAfile", cas, "-noout", "-text")
		if !strings.Contains(out, "verify OK") || !strings.Contains(out, "Serial Number: "+opensslSerial(c.Serial)) || !strings.Contains(out, "Key Compromise") {
			t.Fatalf("the CRL does not list the revoked certificate:\n%s", out)
		}
		crlPEM := d.write(t, "crl.pem", pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: readAll(t, crl)}))
		if out, err := d.tool(t, "openssl", "verify", "-crl_check", "-CAfile", f.root, "-untrusted", f.chain, "-CRLfile", crlPEM, f.leaf); err == nil {
			t.Fatalf("openssl verify -crl_check passed a revoked certificate:\n%s", out)
		}
		// The keypair no longer shows a certificate, and revoking again is refused.
		var after certKeypair
		env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/release-key", nil, 200).JSON(t, &after)
		if after.CertificatePEM != "" {
			t.Error("the keypair still shows its revoked certificate")
		}
		if r := env.Do(t, env.Lead, "POST", "/api/v1/certificates/"+c.ID+"/revoke", map[string]any{}); r.Code() != "certificate_revoked" {
			t.Errorf("second revocation: %s", r)
		}
	})
}

// opensslSerial is how openssl prints a serial the API gives as hex:
// upper case, padded to whole bytes.
func opensslSerial(hex string) string {
	if len(hex)%2 == 1 {
		hex = "0" + hex
	}
	return strings.ToUpper(hex)
}

func parsePEM(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		t.Fatalf("no PEM certificate in %q", s)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
