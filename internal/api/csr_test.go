package api_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/server/servertest"
)

// externalCA stands for a public CA: a root and an intermediate of its own.
func externalCA(t *testing.T) *pki.CA {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	now := time.Now()
	root, err := pki.NewRoot(pkix.Name{CommonName: "Public Root"}, key(), 24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.NewIntermediate(pkix.Name{CommonName: "Public Code Signing CA"}, key(), 12*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	return inter
}

// TestCSRAndImport makes a CSR for a keypair, has an external CA issue it,
// and imports the certificate with its chain; a certificate for another
// key, a chain that does not link up and garbage are refused clearly.
func TestCSRAndImport(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		d := newWorkDir(t)
		env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "public-key", "algorithm": "ecdsa"}, 201)
		var csr struct {
			CSRPEM string `json:"csr_pem"`
		}
		env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/public-key/csr",
			map[string]any{"subject": map[string]string{"CN": "${alias}", "O": "Example Corp", "C": "DE"}}, 200).JSON(t, &csr)
		out := d.must(t, "openssl", "req", "-in", d.write(t, "k.csr", []byte(csr.CSRPEM)), "-verify", "-noout", "-subject")
		if !strings.Contains(out, "verify OK") || !strings.Contains(out, "C = DE, O = Example Corp, CN = public-key") {
			t.Fatalf("openssl req -verify: %s", out)
		}
		b, _ := pem.Decode([]byte(csr.CSRPEM))
		req, err := x509.ParseCertificateRequest(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		ext := externalCA(t)
		tmpl := pki.Template{Subject: req.Subject, KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, Validity: time.Hour}
		issued, err := ext.Issue(tmpl, req.PublicKey, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		chainPEM := string(pki.EncodeCertificatesPEM(ext.IssuerChain()...))
		other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		wrongKey, err := ext.Issue(tmpl, other.Public(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		refused := []struct {
			name, cert, chain, code, says string
		}{
			{"another key", string(pki.EncodeCertificatesPEM(wrongKey)), chainPEM, "certificate_key_mismatch", "certifies another public key than keypair public-key"},
			{"foreign chain", string(pki.EncodeCertificatesPEM(issued)), string(pki.EncodeCertificatesPEM(externalCA(t).Cert)), "invalid_chain", "did not issue"},
			{"garbage", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "", "invalid_certificate", "certificate_pem"},
		}
		for _, c := range refused {
			r := env.Do(t, env.Lead, "POST", "/api/v1/keypairs/public-key/certificates/import", map[string]any{"certificate_pem": c.cert, "chain_pem": c.chain})
			if r.Status != 400 || r.Code() != c.code || !strings.Contains(string(r.Body), c.says) {
				t.Errorf("%s: %s", c.name, r)
			}
		}

		var imported certOut
		env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/public-key/certificates/import",
			map[string]any{"certificate_pem": string(pki.EncodeCertificatesPEM(issued)), "chain_pem": chainPEM}, 201).JSON(t, &imported)
		if imported.Source != "imported" || !imported.Default || imported.ChainPEM != chainPEM {
			t.Fatalf("imported: %+v", imported)
		}
		var kp certKeypair
		env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/public-key", nil, 200).JSON(t, &kp)
		if kp.CertificatePEM != string(pki.EncodeCertificatesPEM(issued)) || kp.ChainPEM != chainPEM {
			t.Fatalf("the keypair does not show the imported certificate: %+v", kp)
		}
		r := env.Do(t, env.Lead, "POST", "/api/v1/certificates/"+imported.ID+"/revoke", map[string]any{"reason": "superseded"})
		if r.Code() != "external_certificate" {
			t.Errorf("revoking an external certificate: %s", r)
		}
		// Downloads: DER, the chain, and a PKCS#7 bundle of all three.
		der := env.MustDo(t, env.Lead, "GET", "/api/v1/certificates/"+imported.ID+"/download?format=der", nil, 200)
		if c, err := x509.ParseCertificate(der.Body); err != nil || !c.Equal(issued) {
			t.Errorf("DER download: %v", err)
		}
		if got := env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/public-key/certificate?format=chain", nil, 200); string(got.Body) != chainPEM {
			t.Errorf("chain download: %s", got.Body)
		}
		p7 := env.MustDo(t, env.Lead, "GET", "/api/v1/certificates/"+imported.ID+"/download?format=p7b", nil, 200)
		out = d.must(t, "openssl", "pkcs7", "-inform", "DER", "-in", d.write(t, "b.p7b", p7.Body), "-print_certs", "-noout")
		if strings.Count(out, "subject=") != 3 {
			t.Errorf("PKCS#7 bundle:\n%s", out)
		}
		if r := env.Do(t, env.Lead, "GET", "/api/v1/certificates/"+imported.ID+"/download?format=zip", nil); r.Code() != "invalid_format" {
			t.Errorf("unknown format: %s", r)
		}
	})
}
