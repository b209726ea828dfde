package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/sigalg"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

var update = flag.Bool("update", false, "rewrite docs/cli from the command tree")

// testRoot is the command tree with cobra's completion and help commands.
func testRoot() *cobra.Command {
	root := newApp().root()
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	return root
}

func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, s := range c.Commands() {
		walk(s, fn)
	}
}

func TestEveryCommandHasHelpAndExamples(t *testing.T) {
	walk(testRoot(), func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" || (c.Parent() != nil && c.Parent().Name() == "completion") {
			return
		}
		if c.Short == "" {
			t.Errorf("%s: no Short", c.CommandPath())
		}
		if c.Runnable() && !c.HasSubCommands() && !strings.Contains(c.Example, "signet ") {
			t.Errorf("%s: no Example", c.CommandPath())
		}
	})
}

// TestCLIReference checks docs/cli against the command tree; go test
// -run TestCLIReference -update rewrites it.
func TestCLIReference(t *testing.T) {
	dir := t.TempDir()
	root := testRoot()
	root.DisableAutoGenTag = true
	walk(root, func(c *cobra.Command) { c.DisableAutoGenTag = true })
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join("..", "..", "docs", "cli")
	files, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	if *update {
		old, _ := filepath.Glob(filepath.Join(want, "signet*.md"))
		for _, f := range old {
			os.Remove(f)
		}
	}
	for _, f := range files {
		got, _ := os.ReadFile(f)
		dst := filepath.Join(want, filepath.Base(f))
		if *update {
			if err := os.WriteFile(dst, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		have, err := os.ReadFile(dst)
		if err != nil || !bytes.Equal(have, got) {
			t.Errorf("%s is out of date: run go test ./cmd/signet -run TestCLIReference -update", dst)
		}
	}
	if !*update {
		old, _ := filepath.Glob(filepath.Join(want, "signet*.md"))
		if len(old) != len(files) {
			t.Errorf("docs/cli has %d command pages, the tree %d: run with -update", len(old), len(files))
		}
	}
}

func TestPickAlg(t *testing.T) {
	for _, tc := range []struct {
		name, key, sig, digest string
		cms                    bool
		want                   string
		hash                   crypto.Hash
		err                    string
	}{
		{name: "ecdsa default", key: "ecdsa", want: "SHA256withECDSA", hash: crypto.SHA256},
		{name: "ecdsa digest", key: "ecdsa", digest: "sha384", want: "SHA384withECDSA", hash: crypto.SHA384},
		{name: "rsa default", key: "rsa", want: "SHA256withRSA", hash: crypto.SHA256},
		{name: "rsa pss any case", key: "rsa", sig: "sha512withrsa/pss", want: "SHA512withRSA/PSS", hash: crypto.SHA512},
		{name: "eddsa default", key: "eddsa", want: "Ed25519ph", hash: crypto.SHA512},
		{name: "eddsa pure", key: "eddsa", sig: "Ed25519", want: "Ed25519", hash: crypto.SHA512},
		{name: "eddsa cms", key: "eddsa", cms: true, want: "Ed25519", hash: crypto.SHA512},
		{name: "eddsa cms ph", key: "eddsa", sig: "Ed25519ph", cms: true, err: "pure Ed25519"},
		{name: "eddsa sha256", key: "eddsa", digest: "sha256", err: "Ed25519ph signs sha512 digests"},
		{name: "mismatch digest", key: "ecdsa", sig: "SHA256withECDSA", digest: "sha512", err: "signs sha256 digests"},
		{name: "wrong key", key: "rsa", sig: "SHA256withECDSA", err: "needs a ecdsa key"},
		{name: "unknown", key: "rsa", sig: "MD5withRSA", err: "unknown sig_alg"},
		{name: "bad digest", key: "rsa", digest: "md5", err: "unknown digest algorithm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			alg, h, err := pickAlg(tc.key, tc.sig, tc.digest, tc.cms)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || alg.Name != tc.want || h != tc.hash {
				t.Fatalf("got %s %v %v, want %s %v", alg.Name, h, err, tc.want, tc.hash)
			}
		})
	}
}

func TestMask(t *testing.T) {
	key := "sgn_abcdefgh" + strings.Repeat("z", 24)
	if got := mask(key); got != "sgn_abcdefgh********" {
		t.Errorf("mask = %q", got)
	}
	if got := mask("short-secret"); got != "********" {
		t.Errorf("mask = %q", got)
	}
}

func TestBar(t *testing.T) {
	got := bar("hashing", 1<<30, 2<<30, time.Second)
	want := "hashing [===============>              ]  50%  1.0 GiB/2.0 GiB  1.0 GiB/s "
	if got != want {
		t.Errorf("bar =\n%q, want\n%q", got, want)
	}
}

// testCert makes a self-signed certificate for pub, signed by a fresh CA key.
func testCert(t testing.TB, pub crypto.PublicKey) *x509.Certificate {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "leaf"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, caKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// cmsFor builds a .p7s over content with a local key, as sign does with
// the server's signature.
func cmsFor(t testing.TB, key crypto.Signer, algName string, content []byte) ([]byte, *x509.Certificate) {
	alg, h, err := pickAlg(keyType(key.Public()), algName, "", true)
	if err != nil {
		t.Fatal(err)
	}
	hh := h.New()
	hh.Write(content)
	attrs, err := signedAttrs(hh.Sum(nil), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	in := attrs
	if !alg.Pure {
		ah := alg.Hash.New()
		ah.Write(attrs)
		in = ah.Sum(nil)
	}
	sig, err := key.Sign(rand.Reader, in, alg.SignerOpts())
	if err != nil {
		t.Fatal(err)
	}
	cert := testCert(t, key.Public())
	der, err := buildCMS(attrs, sig, nil, h, alg, cert, nil)
	if err != nil {
		t.Fatal(err)
	}
	return der, cert
}

func TestCMSRoundTrip(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	content := []byte("content to sign")
	for _, tc := range []struct {
		key crypto.Signer
		alg string
	}{{ec, "SHA384withECDSA"}, {rk, "SHA256withRSA"}, {rk, "SHA512withRSA/PSS"}, {ed, ""}} {
		t.Run(keyType(tc.key.Public())+tc.alg, func(t *testing.T) {
			der, cert := cmsFor(t, tc.key, tc.alg, content)
			sd, err := parseCMS(der)
			if err != nil {
				t.Fatal(err)
			}
			if len(sd.certs) != 1 || !bytes.Equal(findSigner(sd).Raw, cert.Raw) {
				t.Fatal("signer certificate not found")
			}
			var d []byte
			switch sd.hash {
			case crypto.SHA256:
				s := sha256.Sum256(content)
				d = s[:]
			case crypto.SHA384:
				s := sha512.Sum384(content)
				d = s[:]
			case crypto.SHA512:
				s := sha512.Sum512(content)
				d = s[:]
			}
			if !bytes.Equal(d, sd.digest) {
				t.Fatal("messageDigest differs")
			}
			in := sd.attrs
			if !sd.sigAlg.Pure {
				h := sd.hash.New()
				h.Write(sd.attrs)
				in = h.Sum(nil)
			}
			alg := sd.sigAlg
			if err := verifySig(cert.PublicKey, alg, in, sd.sig); err != nil {
				t.Fatalf("%s: %v", alg.Name, err)
			}
			if tc.alg != "" && !strings.EqualFold(alg.Name, tc.alg) {
				t.Errorf("algorithm %s, want %s", alg.Name, tc.alg)
			}
		})
	}
}

// FuzzParseCMS feeds parseCMS arbitrary bytes: it must never panic.
func FuzzParseCMS(f *testing.F) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := cmsFor(f, ec, "", []byte("x"))
	f.Add(der)
	f.Add(der[:len(der)/2])
	f.Add([]byte{0x30, 0x03, 0x06, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		sd, err := parseCMS(data)
		if err == nil && (sd.hash == 0 || sd.digest == nil || sd.sigAlg == (sigalg.Alg{})) {
			t.Fatalf("parsed without the parts verify needs: %+v", sd)
		}
	})
}
