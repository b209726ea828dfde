//go:build e2e

package pkcs11

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGnuPG makes an OpenPGP key whose secret half is a Signet keypair,
// through gpg-agent and gnupg-pkcs11-scd, signs a file with gpg
// --detach-sign and checks it with gpg --verify. gnupg-pkcs11-scd finds
// keys only through their certificates on the token, so the keypair has
// one from Signet's CA.
func TestGnuPG(t *testing.T) {
	t.Parallel()
	f := newFixture(t, rsaCertKey)
	f.certFiles(t, "rsa")
	// A short home: gpg-agent's socket path must fit in sun_path.
	home, err := os.MkdirTemp("", "sgpg")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	f.env = append(f.env, "GNUPGHOME="+home)
	t.Cleanup(func() {
		f.run(t, true, nil, "gpgconf", "--kill", "all")
		os.RemoveAll(home)
	})
	for name, text := range map[string]string{
		"gpg-agent.conf":        "scdaemon-program /usr/bin/gnupg-pkcs11-scd\nallow-loopback-pinentry\n",
		"gnupg-pkcs11-scd.conf": "providers signet\nprovider-signet-library " + f.module + "\n",
	} {
		if err := os.WriteFile(filepath.Join(home, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	learn := f.ok(t, "gpg-connect-agent", "SCD LEARN", "/bye")
	var grips []string
	for _, line := range strings.Split(learn, "\n") {
		if fields := strings.Fields(line); len(fields) >= 3 && fields[0] == "S" && fields[1] == "KEYPAIRINFO" {
			grips = append(grips, fields[2])
		}
	}
	if len(grips) != 1 {
		t.Fatalf("gnupg-pkcs11-scd learned %d keys, want the one RSA keypair:\n%s", len(grips), learn)
	}
	f.ok(t, "gpg-connect-agent", "LEARN --force", "/bye")
	params := f.write("key.params", []byte("Key-Type: RSA\nKey-Grip: "+grips[0]+"\nKey-Usage: sign\n"+
		"Name-Real: Signet release\nName-Email: release@signet.example\nExpire-Date: 0\n%commit\n"))
	loopback := []string{"--batch", "--pinentry-mode", "loopback", "--passphrase", "any"}
	f.ok(t, "gpg", append(loopback, "--full-generate-key", params)...)
	fpr := ""
	for _, line := range strings.Split(f.ok(t, "gpg", "--batch", "--with-colons", "--list-secret-keys"), "\n") {
		if fields := strings.Split(line, ":"); fields[0] == "fpr" && len(fields) > 9 && fpr == "" {
			fpr = fields[9]
		}
	}
	if fpr == "" {
		t.Fatal("gpg made no secret key")
	}
	// Making the key signed twice: the user ID's self-signature and the
	// revocation certificate gpg keeps in openpgp-revocs.d.
	if _, err := os.Stat(filepath.Join(home, "openpgp-revocs.d", fpr+".rev")); err != nil {
		t.Errorf("no revocation certificate: %v", err)
	}
	const tool = "gnupg-pkcs11-scd (libsignet-pkcs11)"
	f.checkLog(t, "rsa", 2, tool)

	data := f.write("release.tar", []byte(strings.Repeat("a release signed with gpg\n", 10000)))
	sig := f.path("release.tar.sig")
	f.ok(t, "gpg", append(loopback, "--detach-sign", "-u", fpr, "-o", sig, data)...)
	f.verified(t, `Good signature from "Signet release <release@signet.example>"`, "gpg", "--verify", sig, data)
	f.checkLog(t, "rsa", 3, tool)
}
