package pki

import (
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openssl runs the openssl CLI (installed by scripts/deps.sh) and returns its
// combined output, failing the test if it fails.
func openssl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := opensslErr(t, args...)
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func opensslErr(t *testing.T, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatal("the openssl CLI is needed: run scripts/deps.sh")
	}
	out, err := exec.Command(path, args...).CombinedOutput()
	return string(out), err
}

// write stores data in a new file of the test's temporary directory.
func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := WriteFileAtomic(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOpenSSLReadsPKCS12(t *testing.T) {
	h := newHierarchy(t)
	chain := h.inter.IssuerChain()
	for _, kind := range keyKinds {
		t.Run(kind, func(t *testing.T) {
			key := newKey(t, kind)
			cert := h.issue(t, ClientTemplate("u-9", "Linus", time.Hour), key)
			pw := GeneratePassword()
			data, err := EncodePKCS12(key, cert, chain, pw)
			if err != nil {
				t.Fatal(err)
			}
			p12 := write(t, "client.p12", data)

			info := openssl(t, "pkcs12", "-in", p12, "-passin", "pass:"+pw, "-info", "-noout")
			for _, want := range []string{"MAC: sha256", "PBES2", "AES-256-CBC"} {
				if !strings.Contains(info, want) {
					t.Errorf("openssl pkcs12 -info: no %q in\n%s", want, info)
				}
			}

			certs, err := ParseCertificatesPEM([]byte(openssl(t, "pkcs12", "-in", p12, "-passin", "pass:"+pw, "-nokeys")))
			if err != nil {
				t.Fatal(err)
			}
			if len(certs) != 3 || !certs[0].Equal(cert) || !certs[1].Equal(chain[0]) || !certs[2].Equal(chain[1]) {
				t.Errorf("openssl -nokeys gave %d certificates, want the leaf, intermediate and root", len(certs))
			}

			gotKey, err := ParsePrivateKeyPEM([]byte(openssl(t, "pkcs12", "-in", p12, "-passin", "pass:"+pw, "-nocerts", "-nodes")))
			if err != nil {
				t.Fatal(err)
			}
			if !samePublicKey(key.Public(), gotKey.Public()) {
				t.Error("openssl extracted another key")
			}

			if out, err := opensslErr(t, "pkcs12", "-in", p12, "-passin", "pass:wrong", "-nokeys"); err == nil {
				t.Errorf("openssl accepted a wrong password:\n%s", out)
			}
		})
	}
}

func TestOpenSSLVerifies(t *testing.T) {
	h := newHierarchy(t)
	dir := t.TempDir()
	rootPEM := filepath.Join(dir, "root.pem")
	interPEM := filepath.Join(dir, "inter.pem")
	if err := WriteFileAtomic(rootPEM, EncodeCertificatesPEM(h.root.Cert), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(interPEM, EncodeCertificatesPEM(h.inter.Cert), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		tmpl    Template
		purpose string
		extra   []string
	}{
		{"server", ServerTemplate([]string{"signet.example", "127.0.0.1"}, time.Hour), "sslserver", []string{"-verify_hostname", "signet.example"}},
		{"server ip", ServerTemplate([]string{"signet.example", "127.0.0.1"}, time.Hour), "sslserver", []string{"-verify_ip", "127.0.0.1"}},
		{"client", ClientTemplate("u-3", "Ken", time.Hour), "sslclient", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			leaf := h.issue(t, c.tmpl, newKey(t, "rsa"))
			leafPEM := write(t, "leaf.pem", EncodeCertificatesPEM(leaf))
			args := append([]string{"verify", "-x509_strict", "-CAfile", rootPEM, "-untrusted", interPEM, "-purpose", c.purpose}, c.extra...)
			if out := openssl(t, append(args, leafPEM)...); !strings.Contains(out, ": OK") {
				t.Errorf("openssl verify: %s", out)
			}
			// The other purpose must fail: the EKU is enforced.
			other := map[string]string{"sslserver": "sslclient", "sslclient": "sslserver"}[c.purpose]
			if out, err := opensslErr(t, "verify", "-CAfile", rootPEM, "-untrusted", interPEM, "-purpose", other, leafPEM); err == nil {
				t.Errorf("openssl verify -purpose %s accepted it:\n%s", other, out)
			}
			fp := openssl(t, "x509", "-in", leafPEM, "-noout", "-fingerprint", "-sha256")
			want := strings.ToUpper(hex.EncodeToString(Fingerprint(leaf)))
			if got := strings.ReplaceAll(strings.TrimSpace(fp[strings.Index(fp, "=")+1:]), ":", ""); got != want {
				t.Errorf("openssl fingerprint %s, Fingerprint %s", got, want)
			}
		})
	}
	// A certificate from a root openssl was not given does not verify.
	stranger := write(t, "root.pem", EncodeCertificatesPEM(newHierarchy(t).inter.Cert))
	if out, err := opensslErr(t, "verify", "-CAfile", rootPEM, stranger); err == nil {
		t.Errorf("openssl verified a certificate of another root:\n%s", out)
	}
}

// TestOpenSSLWritesPKCS12 reads the PKCS#12 file openssl makes from our PEM
// key and certificates.
func TestOpenSSLWritesPKCS12(t *testing.T) {
	h := newHierarchy(t)
	for _, kind := range keyKinds {
		t.Run(kind, func(t *testing.T) {
			key := newKey(t, kind)
			cert := h.issue(t, ClientTemplate("u-5", "Barbara", time.Hour), key)
			keyPEM, err := EncodePrivateKeyPEM(key)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			files := map[string][]byte{
				"key.pem": keyPEM, "cert.pem": EncodeCertificatesPEM(cert),
				"chain.pem": EncodeCertificatesPEM(h.inter.IssuerChain()...),
			}
			for name, data := range files {
				if err := WriteFileAtomic(filepath.Join(dir, name), data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			p12 := filepath.Join(dir, "out.p12")
			pw := GeneratePassword()
			openssl(t, "pkcs12", "-export", "-inkey", filepath.Join(dir, "key.pem"), "-in", filepath.Join(dir, "cert.pem"),
				"-certfile", filepath.Join(dir, "chain.pem"), "-passout", "pass:"+pw, "-out", p12)
			data, err := os.ReadFile(p12)
			if err != nil {
				t.Fatal(err)
			}
			gotKey, gotCert, gotChain, err := DecodePKCS12(data, pw)
			if err != nil {
				t.Fatal(err)
			}
			if !gotCert.Equal(cert) || !samePublicKey(key.Public(), gotKey.Public()) || len(gotChain) != 2 {
				t.Errorf("decoded %v with %d chain certificates", gotCert.Subject, len(gotChain))
			}
			if _, _, _, err := DecodePKCS12(data, "wrong"); err != ErrWrongPassword {
				t.Errorf("wrong password: %v", err)
			}
		})
	}
}
