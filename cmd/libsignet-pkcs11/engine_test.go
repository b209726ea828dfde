package main_test

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
)

// TestOpenSSLEngine signs through the libp11 engine (the path of
// osslsigncode), which hands a DigestInfo to CKM_RSA_PKCS and a raw hash to
// CKM_ECDSA. libp11 0.4.12 stops enumerating at an Ed25519 key, so the
// token shows only the keys used, with SIGNET_PKCS11_KEYS.
func TestOpenSSLEngine(t *testing.T) {
	f := newFixture(t)
	msg := bytes.Repeat([]byte("an executable "), 1000)
	data := f.write(t, "app.exe", msg)
	sum := sha256.Sum256(msg)
	f.env = append(f.env, "PKCS11_MODULE_PATH="+modulePath, "SIGNET_PKCS11_KEYS=rsa-key,ec-*")
	for _, alias := range []string{"rsa-key", "ec-key"} {
		t.Run(alias, func(t *testing.T) {
			sig := f.path(alias + ".engine.sig")
			f.run(t, true, "openssl", "dgst", "-engine", "pkcs11", "-keyform", "engine", "-sha256",
				"-sign", "pkcs11:token=signet;object="+alias, "-out", sig, data)
			if out := f.run(t, true, "openssl", "dgst", "-sha256", "-verify", f.pubs[alias], "-signature", sig, data); !strings.Contains(out, "Verified OK") {
				t.Errorf("not verified:\n%s", out)
			}
			if got := f.lastSign(t); !bytes.Equal(got.Hash, sum[:]) || !strings.HasPrefix(got.SigAlg, "SHA256with") {
				t.Errorf("server got %s %x", got.SigAlg, got.Hash)
			}
		})
	}
}
