package api_test

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/server/servertest"
)

// signerFiles are a local signing key with a certificate from Signet's CA
// (the key is imported as a keypair to get one; signing itself is local,
// since the point is the time-stamp), and the trust the tools need.
type signerFiles struct {
	key, bundle, root string
	tlsRoot           string // the test server's TLS root, for the https TSA URL
	tsaURL            string
}

func newSigner(t *testing.T, env *servertest.Env, d workDir, alias string) signerFiles {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := pki.EncodePrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/"+alias+"/import", map[string]any{"key_pem": string(keyPEM)}, 201)
	var c certOut
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/"+alias+"/certificates", map[string]any{}, 201).JSON(t, &c)
	return signerFiles{
		key:     d.write(t, "signer.key", keyPEM),
		bundle:  d.write(t, "signer.pem", []byte(c.CertificatePEM+c.ChainPEM)),
		root:    d.write(t, "root.pem", fetch(t, env, "/api/v1/ca/root/certificate")),
		tlsRoot: d.write(t, "tls-root.pem", pemCert(env.CA.Root().Raw)),
		tsaURL:  env.URL + "/tsa",
	}
}

// TestOsslsigncodeTimestamp signs a Windows executable with osslsigncode,
// time-stamped by Signet's TSA (-ts), and checks the time-stamp with
// osslsigncode verify against Signet's root.
func TestOsslsigncodeTimestamp(t *testing.T) {
	exe := buildPE(t)
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		d := newWorkDir(t)
		s := newSigner(t, env, d, "authenticode")
		signed := d.path("signed.exe")
		d.must(t, "osslsigncode", "sign", "-certs", s.bundle, "-key", s.key, "-h", "sha256", "-n", "Signet test",
			"-ts", s.tsaURL, "-HTTPS-CAfile", s.tlsRoot, "-in", exe, "-out", signed)
		out := d.must(t, "osslsigncode", "verify", "-in", signed, "-CAfile", s.root, "-TSA-CAfile", s.root)
		for _, want := range []string{
			"Timestamp Server Signature verification: ok",
			"Signature verification: ok",
			"Succeeded",
			"Signet Time-Stamping Authority",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("osslsigncode verify lacks %q:\n%s", want, out)
			}
		}
		if !strings.Contains(out, "The signature is timestamped: ") && !strings.Contains(out, "Timestamp time: ") {
			t.Errorf("osslsigncode verify shows no time-stamp time:\n%s", out)
		}
	})
}

// TestJarsignerTimestamp signs a JAR with jarsigner -tsa pointing at
// Signet's TSA and checks that jarsigner -verify reports the time-stamp.
func TestJarsignerTimestamp(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		d := newWorkDir(t)
		s := newSigner(t, env, d, "jar-signer")
		const pw = "changeit"
		d.must(t, "openssl", "pkcs12", "-export", "-inkey", s.key, "-in", s.bundle, "-name", "signer",
			"-passout", "pass:"+pw, "-out", d.path("signer.p12"))
		d.must(t, "keytool", "-importcert", "-noprompt", "-alias", "tls", "-file", s.tlsRoot,
			"-keystore", d.path("tls.p12"), "-storetype", "PKCS12", "-storepass", pw)
		d.must(t, "keytool", "-importcert", "-noprompt", "-alias", "signet-root", "-file", s.root,
			"-keystore", d.path("roots.p12"), "-storetype", "PKCS12", "-storepass", pw)
		jar := d.write(t, "app.jar", buildJAR(t))
		d.must(t, "jarsigner", "-keystore", d.path("signer.p12"), "-storetype", "PKCS12", "-storepass", pw,
			"-tsa", s.tsaURL, "-J-Djavax.net.ssl.trustStore="+d.path("tls.p12"),
			"-J-Djavax.net.ssl.trustStorePassword="+pw, "-J-Djavax.net.ssl.trustStoreType=PKCS12", jar, "signer")
		out := d.must(t, "jarsigner", "-verify", "-verbose", "-certs", "-keystore", d.path("roots.p12"),
			"-storetype", "PKCS12", "-storepass", pw, jar)
		for _, want := range []string{"jar verified.", "Timestamped by \"CN=Signet Time-Stamping Authority, O=Signet\""} {
			if !strings.Contains(out, want) {
				t.Errorf("jarsigner -verify lacks %q:\n%s", want, out)
			}
		}
	})
}

// buildPE builds a tiny Windows program (GOOS=windows go build).
func buildPE(t *testing.T) string {
	t.Helper()
	src := t.TempDir()
	files := map[string]string{"go.mod": "module hello\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() { println(\"signed by Signet\") }\n"}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	exe := filepath.Join(t.TempDir(), "hello.exe")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", exe, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=windows go build: %v\n%s", err, out)
	}
	return exe
}

// buildJAR makes a small JAR: a manifest and one entry.
func buildJAR(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for name, text := range map[string]string{
		"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\nCreated-By: signet test\r\n\r\n",
		"hello.txt":            "signed by Signet\n",
	} {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(text))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
