//go:build e2e

package pkcs11

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var rsaCertKey = keySpec{"rsa", map[string]any{"algorithm": "rsa", "key_size": 2048, "generate_cert": true}}
var ecCertKey = keySpec{"ec", map[string]any{"algorithm": "ecdsa", "curve": "P-256", "storage": "hsm", "generate_cert": true}}

// certFiles writes a keypair's certificate files as the server gave them:
// NAME.leaf.pem, NAME.chain.pem (intermediates then root), NAME.root.pem
// and NAME.signer.pem (leaf then chain). It fails when the server gave
// the keypair no certificate.
type certFiles struct{ leaf, chain, root, signer string }

func (f *fixture) certFiles(t testing.TB, name string) certFiles {
	t.Helper()
	kp := f.keys[name]
	if kp.CertificatePEM == "" || kp.ChainPEM == "" {
		t.Fatalf("keypair %s has no certificate_pem/chain_pem: the server did not issue a certificate", kp.Alias)
	}
	var chain []*pem.Block
	for rest := []byte(kp.ChainPEM); ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		chain = append(chain, b)
	}
	if len(chain) == 0 {
		t.Fatalf("keypair %s: chain_pem holds no certificate", kp.Alias)
	}
	root, err := x509.ParseCertificate(chain[len(chain)-1].Bytes)
	if err != nil || !root.IsCA || root.CheckSignatureFrom(root) != nil {
		t.Fatalf("keypair %s: the last certificate of chain_pem is not a self-signed CA (%v)", kp.Alias, err)
	}
	return certFiles{
		leaf:   f.write(name+".leaf.pem", []byte(kp.CertificatePEM)),
		chain:  f.write(name+".chain.pem", []byte(kp.ChainPEM)),
		root:   f.write(name+".root.pem", pem.EncodeToMemory(chain[len(chain)-1])),
		signer: f.write(name+".signer.pem", []byte(kp.CertificatePEM+kp.ChainPEM)),
	}
}

// TestCertificateOnToken reads the keypair's certificate from the token
// and finds the server's certificate.
func TestCertificateOnToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t, rsaCertKey)
	c := f.certFiles(t, "rsa")
	out := f.ok(t, "pkcs11-tool", "--module", f.module, "-O", "--type", "cert")
	if !strings.Contains(out, "label:      "+f.keys["rsa"].Alias) || !strings.Contains(out, "ID:         "+f.id("rsa")) {
		t.Errorf("no certificate with the keypair's label and ID:\n%s", out)
	}
	der := f.path("leaf.der")
	f.ok(t, "pkcs11-tool", "--module", f.module, "--read-object", "--type", "cert", "--id", f.id("rsa"), "-o", der)
	got := f.ok(t, "openssl", "x509", "-inform", "DER", "-in", der)
	want, _ := os.ReadFile(c.leaf)
	if strings.TrimSpace(got) != strings.TrimSpace(string(want)) {
		t.Errorf("the token's certificate differs from certificate_pem:\n%s\nwant\n%s", got, want)
	}
}

// TestOpenSSLCMS signs a detached CMS signature with openssl cms through
// pkcs11-provider and verifies it against Signet's root.
func TestOpenSSLCMS(t *testing.T) {
	t.Parallel()
	f := newFixture(t, rsaCertKey, ecCertKey)
	f.env = append(f.env, "PKCS11_PROVIDER_MODULE="+f.module)
	data := f.write("release.tar", bytes.Repeat([]byte("a release\n"), 100000))
	for _, key := range []string{"rsa", "ec"} {
		t.Run(key, func(t *testing.T) {
			c := f.certFiles(t, key)
			p7s := f.path(key + ".p7s")
			f.ok(t, "openssl", "cms", "-sign", "-provider", "pkcs11", "-provider", "default", "-binary", "-md", "sha256",
				"-in", data, "-signer", c.leaf, "-certfile", c.chain, "-inkey", f.uri(key), "-outform", "DER", "-out", p7s)
			f.verified(t, "Verification successful", "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", p7s,
				"-content", data, "-CAfile", c.root, "-purpose", "any", "-out", os.DevNull)
			f.checkLog(t, key, 1, "openssl (libsignet-pkcs11)")
		})
	}
}

// TestOsslsigncode signs a PE, an MSI and a CAB with osslsigncode through
// the libp11 engine and checks each with osslsigncode verify against
// Signet's root.
func TestOsslsigncode(t *testing.T) {
	t.Parallel()
	f := newFixture(t, rsaCertKey, ecCertKey)
	exe := buildPE(t, f.dir)
	files := map[string]string{"PE": exe, "MSI": buildMSI(t, f.dir, exe), "CAB": buildCAB(t, f.dir, exe)}
	signed := map[string]int{}
	for _, key := range []string{"rsa", "ec"} {
		c := f.certFiles(t, key)
		for _, kind := range []string{"PE", "MSI", "CAB"} {
			t.Run(key+" "+kind, func(t *testing.T) {
				in := files[kind]
				out := f.path(key + "-signed-" + filepath.Base(in))
				f.ok(t, "osslsigncode", "sign", "-pkcs11engine", libp11Engine, "-pkcs11module", f.module,
					"-key", f.uri(key), "-certs", c.signer, "-h", "sha256", "-n", "Signet hello", "-in", in, "-out", out)
				signed[key]++
				f.verified(t, "Succeeded", "osslsigncode", "verify", "-CAfile", c.root, "-in", out)
			})
		}
	}
	for key, n := range signed {
		f.checkLog(t, key, n, "osslsigncode (libsignet-pkcs11)")
	}
}

// writeZip writes a zip file of the named entries.
func (f *fixture) writeZip(t testing.TB, name string, entries map[string]string, order []string) string {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, n := range order {
		e, err := w.Create(n)
		if err == nil {
			_, err = e.Write([]byte(entries[n]))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return f.write(name, buf.Bytes())
}

// TestJarsigner signs a JAR with jarsigner through SunPKCS11 and checks it
// with jarsigner -verify -strict, trusting Signet's root.
func TestJarsigner(t *testing.T) {
	t.Parallel()
	f := newFixture(t, rsaCertKey, ecCertKey)
	cfg := f.javaConfig()
	jar := f.writeZip(t, "app.jar", map[string]string{
		"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\nCreated-By: Signet test\r\n\r\n",
		"app/hello.txt":        "hello from a signed JAR\n",
	}, []string{"META-INF/MANIFEST.MF", "app/hello.txt"})
	for _, key := range []string{"rsa", "ec"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			c := f.certFiles(t, key)
			trust := f.path(key + "-root.p12")
			f.ok(t, "keytool", "-importcert", "-noprompt", "-keystore", trust, "-storetype", "PKCS12",
				"-storepass", "changeit", "-alias", "signet-root", "-file", c.root)
			list := f.ok(t, "keytool", "-list", "-keystore", "NONE", "-storetype", "PKCS11",
				"-providerClass", "sun.security.pkcs11.SunPKCS11", "-providerArg", cfg, "-storepass", "any")
			if !strings.Contains(list, f.keys[key].Alias+", PrivateKeyEntry") {
				t.Errorf("keytool does not list %s as a PrivateKeyEntry:\n%s", f.keys[key].Alias, list)
			}
			out := f.path(key + "-signed.jar")
			f.ok(t, "jarsigner", "-keystore", "NONE", "-storetype", "PKCS11", "-providerClass", "sun.security.pkcs11.SunPKCS11",
				"-providerArg", cfg, "-storepass", "any", "-signedjar", out, jar, f.keys[key].Alias)
			f.verified(t, "jar verified.", "jarsigner", "-verify", "-strict", "-keystore", trust, "-storepass", "changeit", out)
			f.checkLog(t, key, 1, "jarsigner (libsignet-pkcs11)")
		})
	}
}

// TestApksigner signs an APK with apksigner through SunPKCS11 and checks
// it with apksigner verify. The manifest is not a compiled one, so both
// commands take --min-sdk-version, which apksigner would otherwise read
// from it; 18 is the lowest that allows SHA-256 in the v1 (JAR) scheme
// and ECDSA keys, and low enough that all three schemes are made and
// checked: v1, v2 and v3, one signature each.
func TestApksigner(t *testing.T) {
	t.Parallel()
	f := newFixture(t, rsaCertKey, ecCertKey)
	cfg := f.javaConfig()
	apk := f.writeZip(t, "app.apk", map[string]string{
		"AndroidManifest.xml": `<manifest package="org.signet.hello"/>`,
		"assets/hello.txt":    "hello from a signed APK\n",
	}, []string{"AndroidManifest.xml", "assets/hello.txt"})
	env := []string{"JDK_JAVA_OPTIONS=--add-exports=jdk.crypto.cryptoki/sun.security.pkcs11=ALL-UNNAMED"}
	for _, key := range []string{"rsa", "ec"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			c := f.certFiles(t, key)
			out := f.path(key + "-signed.apk")
			f.run(t, true, env, "apksigner", "sign", "--provider-class", "sun.security.pkcs11.SunPKCS11", "--provider-arg", cfg,
				"--ks", "NONE", "--ks-type", "PKCS11", "--ks-pass", "pass:any", "--ks-key-alias", f.keys[key].Alias,
				"--min-sdk-version", "18", "--out", out, apk)
			v := f.run(t, true, nil, "apksigner", "verify", "-v", "--print-certs", "--min-sdk-version", "18", out)
			for _, want := range []string{"Verifies\n", "Verified using v1 scheme (JAR signing): true",
				"Verified using v2 scheme (APK Signature Scheme v2): true", "Verified using v3 scheme (APK Signature Scheme v3): true",
				"Signer #1 certificate SHA-256 digest: " + certSHA256(t, c.leaf)} {
				if !strings.Contains(v, want) {
					t.Errorf("apksigner verify: no %q:\n%s", want, v)
				}
			}
			f.checkLog(t, key, 3, "apksigner (libsignet-pkcs11)")
		})
	}
}

// certSHA256 is the SHA-256 of the DER of the PEM certificate in file, in
// lower-case hex.
func certSHA256(t testing.TB, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(data)
	if blk == nil {
		t.Fatalf("%s: no PEM", file)
	}
	sum := sha256.Sum256(blk.Bytes)
	return hex.EncodeToString(sum[:])
}

// wxs is a minimal WiX source installing one file.
const wxs = `<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="Signet Hello" Language="1033" Version="1.0.0" Manufacturer="Signet"
           UpgradeCode="8c9a8a2e-5f3b-4c55-9a43-3c1e2b5d7f10">
    <Package InstallerVersion="200" Compressed="yes" InstallScope="perMachine"/>
    <Media Id="1" Cabinet="hello.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFilesFolder">
        <Directory Id="INSTALLDIR" Name="SignetHello">
          <Component Id="Hello" Guid="3d0b8f0e-8f39-4c43-bc7e-2a1f9c6e5b21">
            <File Id="HelloExe" Source="EXE" KeyPath="yes"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="Hello"/></Feature>
  </Product>
</Wix>
`

// buildMSI packs exe into an MSI with msitools' wixl.
func buildMSI(t testing.TB, dir, exe string) string {
	t.Helper()
	// wixl takes File/@Source relative to its working directory only.
	src := filepath.Join(dir, "hello.wxs")
	if err := os.WriteFile(src, []byte(strings.Replace(wxs, "EXE", filepath.Base(exe), 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	msi := filepath.Join(dir, "hello.msi")
	cmd := exec.Command("wixl", "-o", msi, src)
	cmd.Dir = filepath.Dir(exe)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wixl: %v\n%s", err, out)
	}
	return msi
}

// buildCAB packs exe into a cabinet with gcab.
func buildCAB(t testing.TB, dir, exe string) string {
	t.Helper()
	cab := filepath.Join(dir, "hello.cab")
	cmd := exec.Command("gcab", "-c", "-n", cab, filepath.Base(exe))
	cmd.Dir = filepath.Dir(exe)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcab: %v\n%s", err, out)
	}
	return cab
}
