package p11

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestParseDigestInfo(t *testing.T) {
	sum := digest(crypto.SHA256, []byte("x"))
	noNull, _ := hex.DecodeString("302f300b0609608648016503040201" + "0420")
	tests := []struct {
		name    string
		in      []byte
		want    crypto.Hash
		wantErr string
	}{
		{"SHA-256", digestInfo(crypto.SHA256, []byte("x")), crypto.SHA256, ""},
		{"SHA-384", digestInfo(crypto.SHA384, []byte("x")), crypto.SHA384, ""},
		{"SHA-512", digestInfo(crypto.SHA512, []byte("x")), crypto.SHA512, ""},
		{"bare SHA-256", sum, 0, "bare hash"},
		{"bare SHA-1", make([]byte, 20), 0, "bare hash"},
		{"SHA-1", append([]byte{0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14}, make([]byte, 20)...), 0, "SHA-1"},
		{"no NULL parameters", append(noNull, sum...), 0, "malformed SHA-256"},
		{"short digest", append(bytes.Clone(digestInfoPrefix[crypto.SHA256][:len(digestInfoPrefix[crypto.SHA256])-1]), 0x1f), 0, "not a DER"},
		{"trailing byte", append(digestInfo(crypto.SHA256, []byte("x")), 0), 0, "not a DER"},
		{"garbage", []byte("hello"), 0, "not a DER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, d, err := ParseDigestInfo(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || h != tt.want || !bytes.Equal(d, tt.in[len(tt.in)-h.Size():]) {
				t.Fatalf("= %v %x %v", h, d, err)
			}
		})
	}
	if _, _, err := ParseDigestInfo(sum); !errors.Is(err, ErrBareHash) {
		t.Errorf("bare hash error %v is not ErrBareHash", err)
	}
}

func TestECDSARaw(t *testing.T) {
	raw, err := ecdsaRaw([]byte{0x30, 0x07, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x7f}, 4)
	if err != nil || hex.EncodeToString(raw) != "000000800000007f" {
		t.Errorf("= %x, %v", raw, err)
	}
	for _, bad := range []string{"3006020181020101", "30060201010201", "300602010102010200", "3006020100020101"} {
		der, _ := hex.DecodeString(bad)
		if _, err := ecdsaRaw(der, 32); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, err := ecdsaRaw([]byte{0x30, 0x07, 0x02, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01}, 1); err == nil {
		t.Error("r wider than the curve accepted")
	}
}
