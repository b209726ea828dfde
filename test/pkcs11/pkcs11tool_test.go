//go:build e2e

package pkcs11

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
)

// sha256DigestInfo is the DER prefix of a DigestInfo holding a SHA-256 hash.
var sha256DigestInfo = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// TestPkcs11Tool lists the token and signs with OpenSC's pkcs11-tool:
// RSA PKCS#1 v1.5 and PSS, each with the hash made by the tool and by the
// module, and ECDSA; openssl verifies every signature with the public key
// the server gave out.
func TestPkcs11Tool(t *testing.T) {
	f := newFixture(t, rsaKey, ecKey)
	msg := bytes.Repeat([]byte("an artifact that stays on the build machine\n"), 10000)
	data := f.write("data.bin", msg)
	sum := sha256.Sum256(msg)
	hash := f.write("data.sha256", sum[:])
	digestInfo := f.write("data.digestinfo", append(append([]byte{}, sha256DigestInfo...), sum[:]...))
	tool := func(t *testing.T, args ...string) string {
		t.Helper()
		return f.ok(t, "pkcs11-tool", append([]string{"--module", f.module}, args...)...)
	}

	t.Run("list slots", func(t *testing.T) {
		if out := tool(t, "-L"); !strings.Contains(out, "token label        : signet") {
			t.Errorf("no token labelled signet:\n%s", out)
		}
	})
	t.Run("list objects", func(t *testing.T) {
		out := tool(t, "-O")
		for name, kp := range f.keys {
			if !strings.Contains(out, "label:      "+kp.Alias) || !strings.Contains(out, "ID:         "+f.id(name)) {
				t.Errorf("%s (ID %s) not listed:\n%s", kp.Alias, f.id(name), out)
			}
		}
		if n := strings.Count(out, "Private Key Object"); n != len(f.keys) {
			t.Errorf("%d private keys, want %d:\n%s", n, len(f.keys), out)
		}
	})

	pss := []string{"-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"}
	tests := []struct {
		name, key, mech, in string
		extra               []string // pkcs11-tool options
		verify              []string // openssl dgst -verify options
		sigAlg              string   // what the server must record
	}{
		{"RSA-PKCS over a DigestInfo", "rsa", "RSA-PKCS", digestInfo, nil, nil, "SHA256withRSA"},
		{"SHA256-RSA-PKCS", "rsa", "SHA256-RSA-PKCS", data, nil, nil, "SHA256withRSA"},
		{"RSA-PKCS-PSS over a hash", "rsa", "RSA-PKCS-PSS", hash,
			[]string{"--hash-algorithm", "SHA256", "--mgf", "MGF1-SHA256", "--salt-len", "32"}, pss, "SHA256withRSA/PSS"},
		{"SHA256-RSA-PKCS-PSS", "rsa", "SHA256-RSA-PKCS-PSS", data,
			[]string{"--mgf", "MGF1-SHA256", "--salt-len", "32"}, pss, "SHA256withRSA/PSS"},
		{"ECDSA over a hash", "ec", "ECDSA", hash, []string{"--signature-format", "openssl"}, nil, "SHA256withECDSA"},
		{"ECDSA-SHA256", "ec", "ECDSA-SHA256", data, []string{"--signature-format", "openssl"}, nil, "SHA256withECDSA"},
	}
	signed := map[string][]string{} // key -> algorithms, in signing order
	for i, tt := range tests {
		t.Run("sign "+tt.name, func(t *testing.T) {
			sig := f.path("sig" + string(rune('a'+i)))
			// pkcs11-tool 0.23 ignores --label when signing: --id selects the key.
			tool(t, append([]string{"--sign", "--id", f.id(tt.key), "-m", tt.mech, "-i", tt.in, "-o", sig}, tt.extra...)...)
			signed[tt.key] = append(signed[tt.key], tt.sigAlg)
			args := append([]string{"dgst", "-sha256", "-verify", f.path(tt.key + ".pub.pem"), "-signature", sig}, tt.verify...)
			f.verified(t, "Verified OK", "openssl", append(args, data)...)
		})
	}
	t.Run("signature log", func(t *testing.T) {
		for key, algs := range signed {
			for _, r := range f.checkAlgs(t, key, algs, "pkcs11-tool (libsignet-pkcs11)") {
				if !bytes.Equal(r.Digest, sum[:]) {
					t.Errorf("row %s: digest %x, want the file's SHA-256", r.ID, r.Digest)
				}
			}
		}
	})
}
