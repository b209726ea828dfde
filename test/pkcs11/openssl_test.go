//go:build e2e

package pkcs11

import (
	"bytes"
	"testing"
)

// opensslCase is one way of signing with openssl dgst -sign.
type opensslCase struct {
	name, key string
	sigopt    []string // -sigopt options, for signing and verifying
	sigAlg    string   // what the server must record
}

var opensslCases = []opensslCase{
	{"RSA PKCS#1 v1.5", "rsa", nil, "SHA256withRSA"},
	{"RSA-PSS", "rsa", []string{"-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"}, "SHA256withRSA/PSS"},
	{"ECDSA", "ec", nil, "SHA256withECDSA"},
}

// TestOpenSSLProvider signs with OpenSSL 3 through pkcs11-provider
// (`openssl dgst -sign 'pkcs11:...'`) and verifies with openssl dgst
// -verify and the public key.
func TestOpenSSLProvider(t *testing.T) {
	f := newFixture(t, rsaKey, ecKey)
	f.env = append(f.env, "PKCS11_PROVIDER_MODULE="+f.module)
	testOpenSSL(t, f, func(c opensslCase, sig, data string) []string {
		return append([]string{"dgst", "-provider", "pkcs11", "-provider", "default", "-sha256",
			"-sign", f.uri(c.key), "-out", sig}, append(c.sigopt, data)...)
	})
}

// TestOpenSSLEngine signs through the libp11 engine, the path osslsigncode
// takes: it hands the module a DigestInfo for RSA and a bare hash for
// ECDSA.
func TestOpenSSLEngine(t *testing.T) {
	f := newFixture(t, rsaKey, ecKey)
	f.env = append(f.env, "PKCS11_MODULE_PATH="+f.module)
	testOpenSSL(t, f, func(c opensslCase, sig, data string) []string {
		return append([]string{"dgst", "-engine", "pkcs11", "-keyform", "engine", "-sha256",
			"-sign", f.uri(c.key), "-out", sig}, append(c.sigopt, data)...)
	})
}

func testOpenSSL(t *testing.T, f *fixture, signArgs func(c opensslCase, sig, data string) []string) {
	msg := bytes.Repeat([]byte("a release that never leaves the machine\n"), 50000)
	data := f.write("release.tar", msg)
	signed := map[string][]string{}
	for i, c := range opensslCases {
		t.Run(c.name, func(t *testing.T) {
			sig := f.path("sig" + string(rune('a'+i)))
			f.ok(t, "openssl", signArgs(c, sig, data)...)
			signed[c.key] = append(signed[c.key], c.sigAlg)
			args := append([]string{"dgst", "-sha256", "-verify", f.path(c.key + ".pub.pem"), "-signature", sig}, c.sigopt...)
			f.verified(t, "Verified OK", "openssl", append(args, data)...)
		})
	}
	t.Run("signature log", func(t *testing.T) {
		for key, algs := range signed {
			f.checkAlgs(t, key, algs, "openssl (libsignet-pkcs11)")
		}
	})
}
