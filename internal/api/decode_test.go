package api

import (
	"bytes"
	"errors"
	"testing"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/sigalg"
)

// FuzzDecodeSign feeds arbitrary bytes to the sign and batch decoders and the
// checks after them: they must answer with a 4xx *errs.Error or succeed, and
// never panic. Seeds are in testdata/fuzz/FuzzDecodeSign.
func FuzzDecodeSign(f *testing.F) {
	for _, s := range []string{
		`{"sig_alg":"SHA256withECDSA","hash":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}`,
		`{"sig_alg":"Ed25519","hash":"aGVsbG8=","tool":"t","file_name":"a.exe","file_size":12}`,
		`{"sig_alg":"SHA256withRSA","items":[{"hash":"AA=="}]}`,
		`{"sig_alg":1}`, `[]`, `null`, `{"hash":"%%%"}`, `{}{}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var b signBody
		if err := DecodeBody(bytes.NewReader(data), 1<<20, &b); err != nil {
			clientError(t, err)
		} else if alg, err := sigalg.Parse(b.SigAlg); err != nil {
			clientError(t, err)
		} else if err := alg.CheckInput(b.Hash); err != nil {
			clientError(t, err)
		}
		var bb batchBody
		if err := DecodeBody(bytes.NewReader(data), 1<<20, &bb); err != nil {
			clientError(t, err)
		}
	})
}

// FuzzDecodeKeypair does the same for keypair creation and its validation.
func FuzzDecodeKeypair(f *testing.F) {
	for _, s := range []string{
		`{"alias":"a","algorithm":"rsa","key_size":3072}`,
		`{"alias":"b","algorithm":"ecdsa","curve":"P-521","access":"restricted","allowed_users":["u"]}`,
		`{"alias":"-bad","algorithm":"eddsa"}`, `{"alias":"x","algorithm":"rsa","key_size":-1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r keypair.CreateRequest
		if err := DecodeBody(bytes.NewReader(data), 1<<20, &r); err != nil {
			clientError(t, err)
			return
		}
		if err := r.Normalize("disk"); err != nil {
			clientError(t, err)
		}
	})
}

func clientError(t *testing.T, err error) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Status < 400 || e.Status >= 500 || e.Code == "" || e.Message == "" {
		t.Fatalf("want a 4xx error with code and message, got %#v", err)
	}
}
