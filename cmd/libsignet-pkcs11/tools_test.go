package main_test

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
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/client"
	"github.com/signet-project/signet/internal/client/clienttest"
	"github.com/signet-project/signet/internal/p11"
)

// The module built once for all tests, by TestMain.
var modulePath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "libsignet-pkcs11-test")
	if err != nil {
		panic(err)
	}
	modulePath = filepath.Join(dir, "libsignet-pkcs11.so")
	out, err := exec.Command("go", "build", "-buildmode=c-shared", "-o", modulePath, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixture is a fake Signet server with keys, and files for the tools.
type fixture struct {
	srv  *clienttest.Server
	dir  string
	env  []string
	pubs map[string]string // alias -> PEM file of its public key
	ids  map[string]string // alias -> CKA_ID in hex
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{srv: clienttest.NewServer(t), dir: t.TempDir(), pubs: map[string]string{}, ids: map[string]string{}}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	for _, k := range []struct {
		alias string
		key   crypto.Signer
		cert  bool
	}{{"rsa-key", rk, true}, {"ec-key", p256, true}, {"ec384", p384, false}, {"ed-key", ed, false}} {
		kp := f.srv.AddKey(t, k.alias, k.key, k.cert)
		spki, _ := x509.MarshalPKIXPublicKey(k.key.Public())
		f.pubs[k.alias] = f.write(t, k.alias+".pub.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}))
		f.ids[k.alias] = hex.EncodeToString(p11.ObjectID(kp.ID))
	}
	for _, kv := range os.Environ() { // none of the caller's own credentials
		if !strings.HasPrefix(kv, "SIGNET_") && !strings.HasPrefix(kv, "SM_") {
			f.env = append(f.env, kv)
		}
	}
	// The module's caches (key list, TLS sessions) in the test's directory.
	f.env = append(f.env, "PKCS11_PROVIDER_MODULE="+modulePath, "SIGNET_PKCS11_LOG=warn", "XDG_CACHE_HOME="+filepath.Join(f.dir, "cache"))
	for k, v := range f.srv.Env() {
		f.env = append(f.env, k+"="+v)
	}
	return f
}

func (f *fixture) write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) path(name string) string { return filepath.Join(f.dir, name) }

// run runs a tool with the module's environment; wantOK says whether it
// must succeed. It returns stdout and stderr together.
func (f *fixture) run(t *testing.T, wantOK bool, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env, cmd.Dir = f.env, f.dir
	var outb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outb, &outb
	err := cmd.Run()
	out := outb.String()
	if (err == nil) != wantOK {
		t.Fatalf("%s %s: err=%v, want success=%v\n%s", name, strings.Join(args, " "), err, wantOK, out)
	}
	for _, bad := range []string{"panic", "signal arrived", "fatal error", "SIGSEGV"} {
		if strings.Contains(out, bad) {
			t.Fatalf("%s %s crashed:\n%s", name, strings.Join(args, " "), out)
		}
	}
	return out
}

func (f *fixture) tool(t *testing.T, wantOK bool, args ...string) string {
	t.Helper()
	return f.run(t, wantOK, "pkcs11-tool", append([]string{"--module", modulePath}, args...)...)
}

// lastSign returns the last request the server signed.
func (f *fixture) lastSign(t *testing.T) client.SignRequest {
	t.Helper()
	s := f.srv.Signs()
	if len(s) == 0 {
		t.Fatal("the server signed nothing")
	}
	return s[len(s)-1]
}

func TestPkcs11Tool(t *testing.T) {
	f := newFixture(t)
	data := f.write(t, "data.txt", bytes.Repeat([]byte("artifact bytes "), 5000))
	msg, _ := os.ReadFile(data)
	sum := sha256.Sum256(msg)
	sum384 := sha512.Sum384(msg)
	hash := f.write(t, "hash.bin", sum[:])
	hash384 := f.write(t, "hash384.bin", sum384[:])
	digestInfo := f.write(t, "digestinfo.bin", append([]byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
		0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}, sum[:]...))
	short := f.write(t, "short.txt", []byte("a short message for Ed25519"))

	t.Run("list slots", func(t *testing.T) {
		out := f.tool(t, true, "-L")
		if !strings.Contains(out, "token label        : signet") {
			t.Errorf("no signet token:\n%s", out)
		}
	})
	t.Run("list objects without login", func(t *testing.T) {
		out := f.tool(t, true, "-O")
		for alias, id := range f.ids {
			if !strings.Contains(out, "label:      "+alias) || !strings.Contains(out, "ID:         "+id) {
				t.Errorf("%s (id %s) missing:\n%s", alias, id, out)
			}
		}
		if n := strings.Count(out, "Private Key Object"); n != 4 {
			t.Errorf("%d private keys:\n%s", n, out)
		}
		if n := strings.Count(out, "Certificate Object"); n != 4 { // 2 leaves, intermediate, root
			t.Errorf("%d certificates:\n%s", n, out)
		}
	})
	t.Run("login with any PIN", func(t *testing.T) {
		out := f.tool(t, true, "-l", "--pin", "123456", "-O", "--type", "privkey")
		if !strings.Contains(out, "label:      rsa-key") {
			t.Errorf("no key after login:\n%s", out)
		}
	})

	verify := func(t *testing.T, args ...string) {
		t.Helper()
		out := f.run(t, true, "openssl", args...)
		if !strings.Contains(out, "Verified") {
			t.Errorf("openssl did not verify:\n%s", out)
		}
	}
	tests := []struct {
		name, alias, mech, in string
		extra                 []string
		check                 func(t *testing.T, sig string)
		sent                  []byte // what must reach the server
	}{
		{"ECDSA P-256", "ec-key", "ECDSA", hash, []string{"--signature-format", "openssl"},
			func(t *testing.T, sig string) {
				verify(t, "pkeyutl", "-verify", "-pubin", "-inkey", f.pubs["ec-key"], "-in", hash, "-sigfile", sig)
			}, sum[:]},
		{"ECDSA P-384 with SHA-384", "ec384", "ECDSA", hash384, []string{"--signature-format", "openssl"},
			func(t *testing.T, sig string) {
				verify(t, "dgst", "-sha384", "-verify", f.pubs["ec384"], "-signature", sig, data)
			}, sum384[:]},
		{"RSA-PKCS with a DigestInfo", "rsa-key", "RSA-PKCS", digestInfo, nil,
			func(t *testing.T, sig string) {
				verify(t, "dgst", "-sha256", "-verify", f.pubs["rsa-key"], "-signature", sig, data)
			}, sum[:]},
		{"SHA256-RSA-PKCS", "rsa-key", "SHA256-RSA-PKCS", data, nil,
			func(t *testing.T, sig string) {
				verify(t, "dgst", "-sha256", "-verify", f.pubs["rsa-key"], "-signature", sig, data)
			}, sum[:]},
		{"SHA256-RSA-PKCS-PSS", "rsa-key", "SHA256-RSA-PKCS-PSS", data, []string{"--mgf", "MGF1-SHA256"},
			func(t *testing.T, sig string) {
				verify(t, "dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
					"-verify", f.pubs["rsa-key"], "-signature", sig, data)
			}, sum[:]},
		{"EDDSA", "ed-key", "EDDSA", short, nil,
			func(t *testing.T, sig string) {
				verify(t, "pkeyutl", "-verify", "-pubin", "-inkey", f.pubs["ed-key"], "-rawin", "-in", short, "-sigfile", sig)
			}, []byte("a short message for Ed25519")},
	}
	for i, tt := range tests {
		t.Run("sign "+tt.name, func(t *testing.T) {
			sig := f.path("sig" + string(rune('a'+i)))
			args := append([]string{"--sign", "--id", f.ids[tt.alias], "-m", tt.mech, "-i", tt.in, "-o", sig}, tt.extra...)
			f.tool(t, true, args...)
			tt.check(t, sig)
			if got := f.lastSign(t).Hash; !bytes.Equal(got, tt.sent) {
				t.Errorf("server got %x, want %x", got, tt.sent)
			}
		})
	}
	t.Run("PIN mode: the PIN is the API key", func(t *testing.T) {
		saved := f.env
		defer func() { f.env = saved }()
		f.env = nil
		for _, kv := range saved {
			if !strings.HasPrefix(kv, "SIGNET_API_KEY=") {
				f.env = append(f.env, kv)
			}
		}
		if out := f.tool(t, true, "-L"); !strings.Contains(out, "login required") {
			t.Errorf("token does not require login:\n%s", out)
		}
		f.tool(t, false, "-l", "--pin", "wrong-key", "-O")
		sig := f.path("pin-mode.sig")
		f.tool(t, true, "-l", "--pin", f.srv.APIKey, "--sign", "--id", f.ids["ec-key"], "-m", "ECDSA", "-i", hash, "-o", sig,
			"--signature-format", "openssl")
		verify(t, "pkeyutl", "-verify", "-pubin", "-inkey", f.pubs["ec-key"], "-in", hash, "-sigfile", sig)
	})
	t.Run("RSA-PKCS refuses a bare hash", func(t *testing.T) {
		out := f.tool(t, false, "--sign", "--id", f.ids["rsa-key"], "-m", "RSA-PKCS", "-i", hash, "-o", f.path("bad.sig"))
		// pkcs11-tool retries a failed C_Sign with C_SignUpdate, which
		// CKM_RSA_PKCS does not have; the log tells the reason.
		if !strings.Contains(out, "not a bare hash; use CKM_SHA256_RSA_PKCS") {
			t.Errorf("unclear refusal:\n%s", out)
		}
	})
}
