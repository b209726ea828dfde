package main_test

import (
	"bytes"
	"crypto/sha256"
	"os"
	"strings"
	"testing"
)

// openssl runs openssl with pkcs11-provider (found through
// PKCS11_PROVIDER_MODULE) and the default provider.
func (f *fixture) openssl(t *testing.T, wantOK bool, sub string, args ...string) string {
	t.Helper()
	return f.run(t, wantOK, "openssl", append([]string{sub, "-provider", "pkcs11", "-provider", "default"}, args...)...)
}

func TestOpenSSLProvider(t *testing.T) {
	f := newFixture(t)
	msg := bytes.Repeat([]byte("a big artifact that never leaves the machine "), 20000)
	data := f.write(t, "data.bin", msg)
	sum := sha256.Sum256(msg)

	tests := []struct {
		name, uri string
		sign      []string // extra signing options
		verify    []string // openssl dgst -verify options
		pub       string
	}{
		{"RSA PKCS#1 v1.5", "pkcs11:token=signet;object=rsa-key", nil, nil, "rsa-key"},
		{"RSA-PSS", "pkcs11:token=signet;object=rsa-key",
			[]string{"-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"},
			[]string{"-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"}, "rsa-key"},
		{"ECDSA", "pkcs11:token=signet;object=ec-key", nil, nil, "ec-key"},
		{"ECDSA with a PIN in the URI", "pkcs11:token=signet;object=ec-key;type=private?pin-value=1234", nil, nil, "ec-key"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig := f.path("ossl" + string(rune('a'+i)) + ".sig")
			args := append([]string{"-sha256", "-sign", tt.uri}, tt.sign...)
			f.openssl(t, true, "dgst", append(args, "-out", sig, data)...)
			vargs := append([]string{"dgst", "-sha256", "-verify", f.pubs[tt.pub], "-signature", sig}, tt.verify...)
			if out := f.run(t, true, "openssl", append(vargs, data)...); !strings.Contains(out, "Verified OK") {
				t.Errorf("not verified:\n%s", out)
			}
			if got := f.lastSign(t).Hash; !bytes.Equal(got, sum[:]) {
				t.Errorf("the server got %d bytes, not the SHA-256 digest", len(got))
			}
		})
	}
	t.Run("public key export", func(t *testing.T) {
		out := f.openssl(t, true, "pkey", "-pubin", "-in", "pkcs11:token=signet;object=ec-key;type=public", "-pubout")
		want, _ := os.ReadFile(f.pubs["ec-key"])
		if !strings.Contains(out, string(want)) {
			t.Errorf("exported public key differs:\n%s\nwant\n%s", out, want)
		}
	})
}
