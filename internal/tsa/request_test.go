package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/digitorus/timestamp"
)

func marshalRequest(t testing.TB, r *timestamp.Request) []byte {
	t.Helper()
	der, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// opensslQuery is a request `openssl ts -query -sha256 -cert` made (from
// the seed corpus, so the test and the fuzzer share it).
func opensslQuery(t testing.TB) []byte {
	t.Helper()
	return readSeed(t, "openssl-sha256-cert-nonce")
}

// readSeed decodes a `go test fuzz v1` file holding one []byte.
func readSeed(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzParseRequest", name))
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(b), "\n")
	body = strings.TrimSpace(body)
	if !ok || !strings.HasPrefix(body, "[]byte(") || !strings.HasSuffix(body, ")") {
		t.Fatalf("seed %s is not one []byte", name)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(body, "[]byte("), ")"))
	if err != nil {
		t.Fatalf("seed %s: %v", name, err)
	}
	return []byte(s)
}

func TestParseRequest(t *testing.T) {
	d256 := digestOf("x")
	d1 := sha1.Sum([]byte("x"))
	ok := marshalRequest(t, &timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: d256, Nonce: big.NewInt(42), Certificates: true})
	for _, tc := range []struct {
		name    string
		der     []byte
		accept  bool
		failure timestamp.FailureInfo
	}{
		{"openssl", opensslQuery(t), true, 0},
		{"go", ok, true, 0},
		{"no-nonce", marshalRequest(t, &timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: d256}), true, 0},
		{"policy", marshalRequest(t, &timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: d256, TSAPolicyOID: asn1.ObjectIdentifier{1, 2, 3}}), true, 0},
		{"non-critical-extension", marshalRequest(t, &timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: d256,
			ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Value: []byte{5, 0}}}}), true, 0},
		{"empty", nil, false, timestamp.BadDataFormat},
		{"garbage", []byte("GET / HTTP/1.1\r\n\r\n"), false, timestamp.BadDataFormat},
		{"trailing-byte", append(append([]byte{}, ok...), 0), false, timestamp.BadDataFormat},
		{"truncated", ok[:len(ok)-1], false, timestamp.BadDataFormat},
		{"version-2", readSeed(t, "version-2"), false, timestamp.BadDataFormat},
		{"too-large", append(append([]byte{}, ok...), make([]byte, MaxRequest)...), false, timestamp.BadDataFormat},
		{"sha1", marshalRequest(t, &timestamp.Request{HashAlgorithm: crypto.SHA1, HashedMessage: d1[:]}), false, timestamp.BadAlgorithm},
		{"short-digest", marshalRequest(t, &timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: d256[:31]}), false, timestamp.BadDataFormat},
		{"long-digest", marshalRequest(t, &timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: append(d256, 0)}), false, timestamp.BadDataFormat},
		{"negative-nonce", marshalRequest(t, &timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: d256, Nonce: big.NewInt(-1)}), false, timestamp.BadRequest},
		{"huge-nonce", marshalRequest(t, &timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: d256,
			Nonce: new(big.Int).Lsh(big.NewInt(1), 256)}), false, timestamp.BadRequest},
		{"critical-extension", marshalRequest(t, &timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: d256,
			ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: true, Value: []byte{5, 0}}}}), false, timestamp.UnacceptedExtension},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := ParseRequest(tc.der)
			if tc.accept {
				if err != nil {
					t.Fatal(err)
				}
				if req.HashAlgorithm.Size() != len(req.HashedMessage) {
					t.Errorf("accepted a %d-byte imprint for %v", len(req.HashedMessage), req.HashAlgorithm)
				}
				return
			}
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("got %v (%v), want a RequestError", err, req)
			}
			if re.Failure != tc.failure {
				t.Errorf("failure %v, want %v (%v)", re.Failure, tc.failure, err)
			}
		})
	}
}

// TestRespond answers requests like the /tsa endpoint: a token echoing the
// nonce and recorded first; a rejection for a bad request; systemFailure
// and 503 when the record cannot be written.
func TestRespond(t *testing.T) {
	tt := newTSA(t)
	ctx := context.Background()
	der := opensslQuery(t)
	req, err := ParseRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	resp, status := tt.Respond(ctx, der, "192.0.2.1")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	ts, err := timestamp.ParseResponse(resp)
	if err != nil {
		t.Fatal(err)
	}
	if ts.Nonce == nil || ts.Nonce.Cmp(req.Nonce) != 0 || !bytes.Equal(ts.HashedMessage, req.HashedMessage) || !ts.Policy.Equal(DefaultPolicy) {
		t.Errorf("token: nonce %v policy %v imprint %x; request: nonce %v imprint %x", ts.Nonce, ts.Policy, ts.HashedMessage, req.Nonce, req.HashedMessage)
	}
	checkToken(t, tt, ts.RawToken, req.HashAlgorithm, req.HashedMessage)
	if tt.log.len() != 1 {
		t.Fatalf("%d records", tt.log.len())
	}
	rec := tt.log.recs[0]
	if rec.Serial != ts.SerialNumber.Text(16) || rec.Nonce != req.Nonce.Text(16) || rec.ClientIP != "192.0.2.1" || rec.Source != "http" {
		t.Errorf("record %+v", rec)
	}

	for _, tc := range []struct {
		name    string
		der     []byte
		status  int
		failure timestamp.FailureInfo
	}{
		{"garbage", []byte{0x30, 0x80, 0x00, 0x00}, 400, timestamp.BadDataFormat},
		{"other-policy", marshalRequest(t, &timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: digestOf("x"),
			TSAPolicyOID: asn1.ObjectIdentifier{1, 2, 3, 9}}), 400, timestamp.UnacceptedPolicy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, status := tt.Respond(ctx, tc.der, "")
			if status != tc.status {
				t.Errorf("status %d, want %d", status, tc.status)
			}
			if _, err := timestamp.ParseResponse(resp); err == nil || !strings.Contains(err.Error(), tc.failure.String()) {
				t.Errorf("response %v, want a rejection for %q", err, tc.failure)
			}
		})
	}
	tt.log.mu.Lock()
	tt.log.fail = errStoreDown
	tt.log.mu.Unlock()
	resp, status = tt.Respond(ctx, der, "")
	if _, err := timestamp.ParseResponse(resp); status != http.StatusServiceUnavailable || err == nil ||
		!strings.Contains(err.Error(), timestamp.SystemFailure.String()) {
		t.Errorf("store down: status %d, %v; want 503 and systemFailure", status, err)
	}
	if _, err := tt.Stamp(ctx, crypto.SHA256, digestOf("x")); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Stamp with the store down: %v, want ErrUnavailable", err)
	}
}

// FuzzParseRequest feeds the time-stamp request decoder untrusted bytes:
// it must never panic, and a request it accepts must be one the TSA can
// answer with a token for that imprint and nonce. Seeds are in
// testdata/fuzz/FuzzParseRequest: requests made by `openssl ts -query`
// and broken ones.
func FuzzParseRequest(f *testing.F) {
	f.Add(marshalRequest(f, &timestamp.Request{HashAlgorithm: crypto.SHA512, HashedMessage: make([]byte, 64), Nonce: big.NewInt(1), Certificates: true}))
	tt := newTSA(f)
	tt.Log = discardLog{}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := ParseRequest(data)
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) || req != nil {
				t.Fatalf("error %v (%T) with request %v", err, err, req)
			}
			return
		}
		if req.HashAlgorithm.Size() != len(req.HashedMessage) {
			t.Fatalf("accepted a %d-byte imprint for %v", len(req.HashedMessage), req.HashAlgorithm)
		}
		resp, tok, err := tt.issue(context.Background(), req, "", "fuzz")
		var re *RequestError
		if errors.As(err, &re) && re.Failure == timestamp.UnacceptedPolicy {
			return
		}
		if err != nil {
			t.Fatalf("accepted request not answerable: %v", err)
		}
		ts, err := timestamp.ParseResponse(resp)
		if err != nil || !bytes.Equal(ts.RawToken, tok) || !bytes.Equal(ts.HashedMessage, req.HashedMessage) ||
			(req.Nonce != nil && (ts.Nonce == nil || ts.Nonce.Cmp(req.Nonce) != 0)) {
			t.Fatalf("answer does not match the request: %v", err)
		}
	})
}
