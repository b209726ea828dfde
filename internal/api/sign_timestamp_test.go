package api_test

import (
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/signet-project/signet/internal/server/servertest"
)

type stampedOut struct {
	Signature      []byte `json:"signature"`
	SignatureID    string `json:"signature_id"`
	TimestampToken []byte `json:"timestamp_token"`
}

// verifyStamp checks with openssl ts -verify that token time-stamps sig
// under the TSA chain of env.
func verifyStamp(t *testing.T, env *servertest.Env, d workDir, sig, token []byte) {
	t.Helper()
	if len(token) == 0 {
		t.Fatal("no timestamp_token in the answer")
	}
	root := d.write(t, "root.pem", fetch(t, env, "/api/v1/ca/root/certificate"))
	chain := d.write(t, "tsa-chain.pem", fetch(t, env, "/api/v1/ca/tsa/certificate?format=chain"))
	out := d.must(t, "openssl", "ts", "-verify", "-data", d.write(t, "sig.bin", sig),
		"-in", d.write(t, "token.der", token), "-token_in", "-CAfile", root, "-untrusted", chain)
	if !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify: %s", out)
	}
}

// timestampURL is the timestamp_url the signature log holds for a signature.
func timestampURL(t *testing.T, env *servertest.Env, signatureID string) string {
	t.Helper()
	var page struct {
		Records []struct {
			ID           string `json:"id"`
			TimestampURL string `json:"timestamp_url"`
		} `json:"records"`
	}
	env.MustDo(t, env.Lead, "GET", "/api/v1/logs/signatures?limit=1000", nil, 200).JSON(t, &page)
	for _, r := range page.Records {
		if r.ID == signatureID {
			return r.TimestampURL
		}
	}
	t.Fatalf("signature %s is not in the signature log", signatureID)
	return ""
}

// TestSignTimestamp asks the signing API for time-stamps from Signet's own
// TSA, single and batch, and verifies each token over its signature with
// openssl ts -verify; the signature log names the TSA.
func TestSignTimestamp(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		d := newWorkDir(t)
		generate(t, env, env.Lead, map[string]any{"alias": "stamped", "algorithm": "ecdsa"})
		h := sha256.Sum256([]byte("artifact"))

		var one stampedOut
		env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/stamped/sign",
			map[string]any{"sig_alg": "SHA256withECDSA", "hash": h[:], "timestamp": true}, 200).JSON(t, &one)
		verifyStamp(t, env, d, one.Signature, one.TimestampToken)
		if got := timestampURL(t, env, one.SignatureID); got != env.URL+"/tsa" {
			t.Errorf("signature log timestamp_url %q, want %q", got, env.URL+"/tsa")
		}

		var batch struct{ Signatures []stampedOut }
		items := []map[string]any{{"hash": h[:]}, {"hash": h[:]}, {"hash": h[:]}}
		env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/stamped/sign-batch",
			map[string]any{"sig_alg": "SHA256withECDSA", "items": items, "timestamp": true}, 200).JSON(t, &batch)
		if len(batch.Signatures) != 3 {
			t.Fatalf("%d signatures, want 3", len(batch.Signatures))
		}
		for _, s := range batch.Signatures {
			verifyStamp(t, env, d, s.Signature, s.TimestampToken)
		}

		// Without the option: no token, no URL.
		var plain stampedOut
		env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/stamped/sign",
			map[string]any{"sig_alg": "SHA256withECDSA", "hash": h[:]}, 200).JSON(t, &plain)
		if plain.TimestampToken != nil || timestampURL(t, env, plain.SignatureID) != "" {
			t.Error("a signature not asking for a time-stamp got one")
		}
	})
}

// TestSignTimestampExternal configures two external TSAs: the first fails
// (503), the second is another Signet's TSA behind plain HTTP. Signing
// fails over to the second; with both down, the signature is withheld.
func TestSignTimestampExternal(t *testing.T) {
	other := servertest.Start(t)
	var up atomic.Bool
	up.Store(true)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		relayTSA(w, r, other)
	}))
	defer front.Close()
	var downHits atomic.Int32
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		downHits.Add(1)
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	defer down.Close()

	env := servertest.Start(t, servertest.WithTimestampURLs(down.URL, front.URL))
	d := newWorkDir(t)
	generate(t, env, env.Lead, map[string]any{"alias": "ext", "algorithm": "rsa", "key_size": 2048})
	h := sha256.Sum256([]byte("artifact"))
	body := map[string]any{"sig_alg": "SHA256withRSA", "hash": h[:], "timestamp": true}

	var s stampedOut
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/ext/sign", body, 200).JSON(t, &s)
	verifyStamp(t, other, d, s.Signature, s.TimestampToken)
	if downHits.Load() == 0 {
		t.Error("the first TSA was never tried")
	}
	if got := timestampURL(t, env, s.SignatureID); got != front.URL {
		t.Errorf("signature log timestamp_url %q, want %q", got, front.URL)
	}

	up.Store(false)
	r := env.Do(t, env.Lead, "POST", "/api/v1/keypairs/ext/sign", body)
	if r.Status != http.StatusBadGateway || r.Code() != "timestamp_failed" || strings.Contains(string(r.Body), `"signature"`) {
		t.Fatalf("with every TSA down: %s", r)
	}
}

// TestSuspendedWhileSigning: a keypair suspended while its signature waits
// for the time-stamp is refused at the commit: nothing is returned, the
// signature log says why.
func TestSuspendedWhileSigning(t *testing.T) {
	other := servertest.Start(t)
	waiting, release := make(chan struct{}), make(chan struct{})
	tsa := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(waiting)
		<-release
		relayTSA(w, r, other)
	}))
	defer tsa.Close()
	env := servertest.Start(t, servertest.WithTimestampURLs(tsa.URL))
	generate(t, env, env.Lead, map[string]any{"alias": "held", "algorithm": "ecdsa"})
	h := sha256.Sum256([]byte("artifact"))
	done := make(chan *servertest.Response)
	go func() {
		done <- env.Do(t, env.Lead, "POST", "/api/v1/keypairs/held/sign", map[string]any{"sig_alg": "SHA256withECDSA", "hash": h[:], "timestamp": true})
	}()
	<-waiting
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/held/suspend", nil, 200)
	close(release)
	r := <-done
	if r.Status != http.StatusForbidden || r.Code() != "keypair_not_active" || strings.Contains(string(r.Body), `"signature"`) {
		t.Fatalf("signing across a suspension: %s", r)
	}
	var logs struct {
		Records []struct {
			Status    string `json:"status"`
			ErrorCode string `json:"error_code"`
		} `json:"records"`
	}
	env.MustDo(t, env.Lead, "GET", "/api/v1/logs/signatures", nil, 200).JSON(t, &logs)
	if len(logs.Records) != 1 || logs.Records[0].Status != "denied" || logs.Records[0].ErrorCode != "keypair_not_active" {
		t.Fatalf("signature log: %+v, want one denied row", logs.Records)
	}
}

// relayTSA passes a time-stamp request on to other's TSA and its answer
// back: an external TSA over plain HTTP.
func relayTSA(w http.ResponseWriter, r *http.Request, other *servertest.Env) {
	resp, err := other.HTTPClient(nil).Post(other.URL+"/tsa", r.Header.Get("Content-Type"), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}
