package api_test

import (
	"bytes"
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/ocsp"

	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/server/servertest"
)

// TestOCSPResponder asks Signet's responder with both HTTP forms, for a
// certificate of its own, an unknown serial and another CA's certificate,
// and sends it bad input: every answer is a proper OCSP (or JSON) error,
// never a crash.
func TestOCSPResponder(t *testing.T) {
	env := servertest.Start(t)
	var kp certKeypair
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "ocsp-key", "algorithm": "rsa", "key_size": 2048, "generate_cert": true}, 201).JSON(t, &kp)
	leaf, issuing := parsePEM(t, kp.CertificatePEM), parsePEM(t, kp.ChainPEM)
	req, err := ocsp.CreateRequest(leaf, issuing, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, status int, body []byte, want int) {
		t.Helper()
		if status != http.StatusOK {
			t.Fatalf("%s: HTTP %d", what, status)
		}
		r, err := ocsp.ParseResponseForCert(body, leaf, issuing)
		if err != nil || r.Status != want {
			t.Fatalf("%s: status %v, err %v", what, r, err)
		}
	}
	resp, body := post(t, env, "/ocsp", "application/ocsp-request", req)
	check("POST", resp.StatusCode, body, ocsp.Good)
	r := env.Do(t, nil, "GET", "/ocsp/"+url.PathEscape(base64.StdEncoding.EncodeToString(req)), nil)
	check("GET", r.Status, r.Body, ocsp.Good)
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age") {
		t.Errorf("GET answer Cache-Control %q", cc)
	}

	// A serial Signet never issued is unknown; another CA's certificate is not Signet's to answer.
	unknown := *leaf
	unknown.SerialNumber = big.NewInt(424242)
	req2, _ := ocsp.CreateRequest(&unknown, issuing, nil)
	_, body = post(t, env, "/ocsp", "application/ocsp-request", req2)
	if r, err := ocsp.ParseResponse(body, issuing); err != nil || r.Status != ocsp.Unknown {
		t.Errorf("unknown serial: %v %v", r, err)
	}
	other := servertest.NewCA(t)
	req3, _ := ocsp.CreateRequest(other.Cert, other.Cert, nil)
	_, body = post(t, env, "/ocsp", "application/ocsp-request", req3)
	if _, err := ocsp.ParseResponse(body, nil); !isOCSPError(err, ocsp.Unauthorized) {
		t.Errorf("another CA's certificate: %v", err)
	}

	bad := []struct {
		name, ctype string
		body        []byte
		status      int
		json        bool
	}{
		{"garbage", "application/ocsp-request", []byte("certainly not DER"), 400, false},
		{"empty", "application/ocsp-request", nil, 400, false},
		{"truncated", "application/ocsp-request", req[:len(req)/2], 400, false},
		{"huge", "application/ocsp-request", make([]byte, pki.MaxOCSPRequest+1), 413, false},
		{"wrong type", "text/plain", req, 415, true},
		{"no type", "", req, 415, true},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			resp, body := post(t, env, "/ocsp", c.ctype, c.body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %s, want %d", resp.Status, c.status)
			}
			if c.json {
				if !strings.Contains(string(body), `"code":"unsupported_media_type"`) {
					t.Errorf("answer %s", body)
				}
				return
			}
			if _, err := ocsp.ParseResponse(body, nil); !isOCSPError(err, ocsp.Malformed) {
				t.Errorf("answer reads as %v, want malformedRequest", err)
			}
		})
	}
	for _, path := range []string{"/ocsp/!!!", "/ocsp/bm90IE9DU1A=", "/ocsp/" + strings.Repeat("A", 3*pki.MaxOCSPRequest)} {
		r := env.Do(t, nil, "GET", path, nil)
		if _, err := ocsp.ParseResponse(r.Body, nil); r.Status != 400 || !isOCSPError(err, ocsp.Malformed) {
			t.Errorf("GET %.40s: %d %v", path, r.Status, err)
		}
	}
	if r := env.Do(t, nil, "GET", "/healthz", nil); r.Status != 200 {
		t.Fatalf("the server is unwell after bad input: %s", r)
	}
}

func isOCSPError(err error, status ocsp.ResponseStatus) bool {
	var re ocsp.ResponseError
	return errors.As(err, &re) && re.Status == status
}

// TestOCSPGetDoubleSlash: the GET form takes base64 with '/' sent raw,
// "//" included (the mux cleaned the path and redirected to another
// request, which was malformed).
func TestOCSPGetDoubleSlash(t *testing.T) {
	env := servertest.Start(t)
	var kp certKeypair
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "slash", "algorithm": "ecdsa", "generate_cert": true}, 201).JSON(t, &kp)
	leaf, issuing := parsePEM(t, kp.CertificatePEM), parsePEM(t, kp.ChainPEM)
	plain, err := ocsp.CreateRequest(leaf, issuing, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	// The same request with a nonce of 0xff bytes, whose base64 is "////...".
	var req struct {
		TBS struct {
			List []asn1.RawValue
			Ext  []pkix.Extension `asn1:"explicit,tag:2,optional"`
		}
	}
	if _, err := asn1.Unmarshal(plain, &req); err != nil {
		t.Fatal(err)
	}
	nonce, _ := asn1.Marshal(bytes.Repeat([]byte{0xff}, 32))
	req.TBS.Ext = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}, Value: nonce}}
	der, err := asn1.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.StdEncoding.EncodeToString(der)
	if !strings.Contains(enc, "//") {
		t.Fatalf("no // in %s", enc)
	}
	for _, path := range []string{"/ocsp/" + enc, "/ocsp/" + strings.ReplaceAll(enc, "+", "%2B")} {
		r := env.Do(t, nil, "GET", path, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET with //: HTTP %d", r.Status)
		}
		resp, err := ocsp.ParseResponseForCert(r.Body, leaf, issuing)
		if err != nil || resp.Status != ocsp.Good {
			t.Fatalf("GET with //: %v %v", resp, err)
		}
	}
	// Other paths are still cleaned by the mux.
	if r := env.Do(t, nil, "GET", "/api//v1/ca/issuing", nil); r.Status != http.StatusOK {
		t.Errorf("a cleaned path: %d", r.Status)
	}
}
