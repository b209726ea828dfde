package pki

import (
	"encoding/asn1"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestKDFWorkCounted(t *testing.T) {
	h := newHierarchy(t)
	key := newKey(t, "ecdsa")
	cert := h.issue(t, ClientTemplate("u-1", "Ada", time.Hour), key)
	ours, err := EncodePKCS12(key, cert, h.inter.IssuerChain(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyPEM, err := EncodePrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"k.pem": keyPEM, "c.pem": EncodeCertificatesPEM(cert)} {
		if err := WriteFileAtomic(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	legacyFile := filepath.Join(dir, "legacy.p12")
	openssl(t, "pkcs12", "-export", "-legacy", "-inkey", filepath.Join(dir, "k.pem"), "-in", filepath.Join(dir, "c.pem"),
		"-passout", "pass:pw", "-iter", "3000", "-out", legacyFile)
	legacy, err := os.ReadFile(legacyFile)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
		want int64
	}{
		// The MAC, the encrypted certificates and the shrouded key bag.
		{"ours", ours, 3 * 2048},
		{"openssl legacy", legacy, 3 * 3000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := kdfWork(c.data); got.Int64() != c.want {
				t.Errorf("kdfWork = %v, want %d", got, c.want)
			}
		})
	}
}

// TestKDFWorkRefused feeds files that ask for too much key derivation; they
// must be refused before any is done.
func TestKDFWorkRefused(t *testing.T) {
	pbkdf2 := func(iter *big.Int) []byte {
		type params struct {
			Salt       []byte
			Iterations *big.Int
		}
		der, err := asn1.Marshal(struct {
			Algorithm asn1.ObjectIdentifier
			Params    params
		}{oidPBKDF2, params{[]byte("salt"), iter}})
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	pfx := func(content []byte, macIter *big.Int) []byte {
		type macData struct {
			Mac        asn1.RawValue
			Salt       []byte
			Iterations *big.Int
		}
		type contentInfo struct {
			Type    asn1.ObjectIdentifier
			Content []byte `asn1:"tag:0,explicit"`
		}
		der, err := asn1.Marshal(struct {
			Version  int
			AuthSafe contentInfo
			MacData  macData
		}{3, contentInfo{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}, content},
			macData{asn1.NullRawValue, []byte("salt"), macIter}})
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	small, huge := big.NewInt(2048), new(big.Int).Lsh(big.NewInt(1), 40)
	cases := []struct {
		name string
		data []byte
	}{
		{"MAC", pfx(nil, huge)},
		{"nested PBKDF2", pfx(pbkdf2(big.NewInt(1<<31-1)), small)},
		{"many small", pfx(append(append(pbkdf2(big.NewInt(maxKDFIterations/2)), pbkdf2(small)...), pbkdf2(big.NewInt(maxKDFIterations/2))...), small)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, _, err := DecodePKCS12(c.data, "pw")
			if err == nil || !strings.Contains(err.Error(), "key-derivation iterations") {
				t.Fatalf("error %v, want a refusal of the key-derivation work", err)
			}
		})
	}
}
