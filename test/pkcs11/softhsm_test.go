//go:build e2e

package pkcs11

import (
	"os"
	"path/filepath"
	"testing"
)

// softHSMModules are where distributions install SoftHSM2's library.
var softHSMModules = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
}

// softToken is a SoftHSM2 token of the test's own, used directly (not
// through Signet) as the baseline: one RSA key and a self-signed
// certificate for it.
type softToken struct {
	module string
	env    []string // SOFTHSM2_CONF
	pin    string
	label  string // of the key
	uri    string // the private key
	cert   string // PEM file
}

// newSoftToken makes the token in dir with pkcs11-tool, and the
// certificate with openssl through the libp11 engine.
func newSoftToken(t testing.TB, f *fixture, dir string) softToken {
	t.Helper()
	s := softToken{pin: "1234", label: "k", uri: "pkcs11:token=baseline;object=k;type=private",
		cert: filepath.Join(dir, "softhsm.pem")}
	for _, m := range softHSMModules {
		if _, err := os.Stat(m); err == nil {
			s.module = m
			break
		}
	}
	if s.module == "" {
		t.Fatalf("libsofthsm2.so is not in %v: run scripts/deps.sh", softHSMModules)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	tokens := filepath.Join(dir, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.env = []string{"SOFTHSM2_CONF=" + conf}
	f.run(t, true, s.env, "softhsm2-util", "--init-token", "--free", "--label", "baseline", "--pin", s.pin, "--so-pin", "5678")
	f.run(t, true, s.env, "pkcs11-tool", "--module", s.module, "--token-label", "baseline", "--login", "--pin", s.pin,
		"--keypairgen", "--key-type", "rsa:2048", "--label", s.label, "--id", "01")
	f.run(t, true, append(s.env, "PKCS11_MODULE_PATH="+s.module), "openssl", "req", "-engine", "pkcs11", "-keyform", "engine",
		"-new", "-x509", "-key", s.uri+";pin-value="+s.pin, "-subj", "/CN=SoftHSM2 baseline", "-days", "30", "-out", s.cert)
	return s
}
