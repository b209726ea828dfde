package api_test

import (
	"crypto/sha256"
	"net/http"
	"strings"
	"testing"

	"github.com/digitorus/timestamp"
	"github.com/signet-project/signet/internal/server/servertest"
	"github.com/signet-project/signet/internal/tsa"
)

// TestTSAOpenSSL sends openssl ts queries to Signet's TSA and verifies the
// replies with openssl ts -verify against the chain the server publishes:
// with the TSA's certificate in the reply (-cert) and without it (the
// verifier then gets it from the issuing CA's file).
func TestTSAOpenSSL(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		d := newWorkDir(t)
		root := d.write(t, "root.pem", fetch(t, env, "/api/v1/ca/root/certificate"))
		tsaChain := d.write(t, "tsa-chain.pem", fetch(t, env, "/api/v1/ca/tsa/certificate?format=chain"))
		data := d.write(t, "artifact.bin", []byte(strings.Repeat("signet release\n", 1000)))
		for _, c := range []struct {
			name string
			args []string
		}{
			{"sha256 with certificate", []string{"-sha256", "-cert"}},
			{"sha384 without certificate", []string{"-sha384"}},
			{"sha512 with policy", []string{"-sha512", "-cert", "-tspolicy", "1.2.3.4.1"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				q := d.path("q.tsq")
				d.must(t, "openssl", append([]string{"ts", "-query", "-data", data, "-out", q}, c.args...)...)
				resp, body := post(t, env, "/tsa", "application/timestamp-query", readAll(t, q))
				if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/timestamp-reply" {
					t.Fatalf("POST /tsa: %s %s", resp.Status, resp.Header.Get("Content-Type"))
				}
				r := d.write(t, "r.tsr", body)
				verify := []string{"ts", "-verify", "-in", r, "-queryfile", q, "-CAfile", root}
				if !strings.Contains(strings.Join(c.args, " "), "-cert") {
					verify = append(verify, "-untrusted", tsaChain)
				}
				if out := d.must(t, "openssl", verify...); !strings.Contains(out, "Verification: OK") {
					t.Fatalf("openssl ts -verify: %s", out)
				}
				text := d.must(t, "openssl", "ts", "-reply", "-in", r, "-text")
				for _, want := range []string{"Status: Granted.", "Accuracy: 0x01 seconds", "Nonce: 0x", "TSA: DirName:/O=Signet/CN=Signet Time-Stamping Authority"} {
					if !strings.Contains(text, want) {
						t.Errorf("reply lacks %q:\n%s", want, text)
					}
				}
				if !strings.Contains(text, "Policy OID: 1.2.3.4.1") && !strings.Contains(text, "Policy OID: tsa_policy1") {
					t.Errorf("reply's policy is not 1.2.3.4.1 (tsa_policy1 in openssl.cnf):\n%s", text)
				}
				// The nonce is the query's.
				qtext := d.must(t, "openssl", "ts", "-query", "-in", q, "-text")
				if n := between(qtext, "Nonce: ", "\n"); n == "" || !strings.Contains(text, "Nonce: "+n) {
					t.Errorf("nonce %q not echoed:\n%s", n, text)
				}
			})
		}
		// Every token was recorded, with distinct serials.
		var n int
		if err := rawDB(t, env).QueryRow(`SELECT COUNT(DISTINCT serial) FROM timestamps WHERE source = 'http'`).Scan(&n); err != nil || n != 3 {
			t.Errorf("time-stamp log holds %d serials (%v), want 3", n, err)
		}
	})
}

// TestTSABadInput sends the TSA what is not a good request: each gets a
// proper answer, never a crash.
func TestTSABadInput(t *testing.T) {
	env := servertest.Start(t)
	digest := sha256.Sum256([]byte("x"))
	sha1req, _ := (&timestamp.Request{HashAlgorithm: 3 /* crypto.SHA1 */, HashedMessage: digest[:20]}).Marshal()
	policy, _ := (&timestamp.Request{HashAlgorithm: 5 /* crypto.SHA256 */, HashedMessage: digest[:], TSAPolicyOID: []int{1, 2, 3}}).Marshal()
	short, _ := (&timestamp.Request{HashAlgorithm: 5, HashedMessage: digest[:16]}).Marshal()
	cases := []struct {
		name, ctype string
		body        []byte
		status      int
		failure     timestamp.FailureInfo // of a timestamp-reply answer
		json        bool                  // a JSON error instead
	}{
		{"garbage", "application/timestamp-query", []byte("hello, TSA"), 400, timestamp.BadDataFormat, false},
		{"empty", "application/timestamp-query", nil, 400, timestamp.BadDataFormat, false},
		{"huge", "application/timestamp-query", make([]byte, tsa.MaxRequest+1), 413, timestamp.BadDataFormat, false},
		{"SHA-1", "application/timestamp-query", sha1req, 400, timestamp.BadAlgorithm, false},
		{"short digest", "application/timestamp-query", short, 400, timestamp.BadDataFormat, false},
		{"other policy", "application/timestamp-query", policy, 400, timestamp.UnacceptedPolicy, false},
		{"JSON", "application/json", []byte(`{"hash":"x"}`), 415, 0, true},
		{"no type", "", sha1req, 415, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := post(t, env, "/tsa", c.ctype, c.body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %s, want %d: %q", resp.Status, c.status, body)
			}
			if c.json {
				if !strings.Contains(string(body), `"code":"unsupported_media_type"`) {
					t.Errorf("answer %s", body)
				}
				return
			}
			_, err := timestamp.ParseResponse(body)
			if err == nil || !strings.Contains(err.Error(), c.failure.String()) {
				t.Errorf("reply reads as %v, want a rejection for %v", err, c.failure)
			}
		})
	}
	if r := env.Do(t, nil, "GET", "/tsa", nil); r.Status != http.StatusMethodNotAllowed {
		t.Errorf("GET /tsa: %s", r)
	}
	if r := env.Do(t, nil, "GET", "/healthz", nil); r.Status != 200 {
		t.Fatalf("the server is unwell after bad input: %s", r)
	}
}

func between(s, start, end string) string {
	_, rest, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, end)
	return v
}
