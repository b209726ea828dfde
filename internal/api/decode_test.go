package api

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/ca"
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

// TestDecodeErrorsSpeakJSON: type errors name JSON kinds, not Go types,
// and a bad time says what a time looks like.
func TestDecodeErrorsSpeakJSON(t *testing.T) {
	var sb signBody
	var rb struct {
		Start time.Time `json:"start"`
	}
	for _, tc := range []struct {
		body string
		v    any
		code string
		want string
	}{
		{`[]`, &sb, "malformed_json", "must be a JSON object, not JSON array"},
		{`{"file_size":"big"}`, &sb, "malformed_json", `field "file_size" must be a whole number, not JSON string`},
		{`{"hash":5}`, &sb, "malformed_json", `field "hash" must be a base64 string`},
		{`{"start":"tomorrow"}`, &rb, "invalid_time", "RFC 3339"},
	} {
		err := DecodeBody(strings.NewReader(tc.body), 1<<20, tc.v)
		e := errs.As(err)
		if e.Code != tc.code || !strings.Contains(e.Message, tc.want) || strings.Contains(e.Message, "api.") {
			t.Errorf("%s: %s %q, want %s saying %q", tc.body, e.Code, e.Message, tc.code, tc.want)
		}
	}
}

func TestDecodeValueErrors(t *testing.T) {
	var sb signBody
	if e := errs.As(DecodeBody(strings.NewReader(`{"hash":"!!"}`), 1<<20, &sb)); e.Code != "malformed_json" || !strings.Contains(e.Message, "base64") {
		t.Errorf("bad base64: %s %q", e.Code, e.Message)
	}
	var pb struct {
		Validity ca.Duration `json:"validity"`
	}
	if e := errs.As(DecodeBody(strings.NewReader(`{"validity":"10000000y"}`), 1<<20, &pb)); e.Code != "invalid_value" || !strings.Contains(e.Message, "200y") {
		t.Errorf("bad validity: %s %q", e.Code, e.Message)
	}
}
