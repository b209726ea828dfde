package client_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/client"
	"github.com/signet-project/signet/internal/client/clienttest"
)

func newClient(t *testing.T, cfg client.Config) *client.Client {
	t.Helper()
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func TestMeOverMutualTLSAndHTTP2(t *testing.T) {
	srv := clienttest.NewServer(t)
	c := newClient(t, srv.Config())
	for range 3 {
		me, err := c.Me(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !me.SecondFactor || me.User.Name != "tester" {
			t.Fatalf("me = %+v", me)
		}
	}
	reqs := srv.Requests()
	for _, r := range reqs {
		if r.Proto != 2 || !r.ClientCert {
			t.Errorf("request %+v: want HTTP/2 with a client certificate", r)
		}
		if r.RemoteAddr != reqs[0].RemoteAddr {
			t.Errorf("requests came over more than one connection: %s, %s", reqs[0].RemoteAddr, r.RemoteAddr)
		}
	}
}

func TestSignVerifies(t *testing.T) {
	srv := clienttest.NewServer(t)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	srv.AddKey(t, "ec", ec, false)
	srv.AddKey(t, "rsa", rk, true)
	srv.AddKey(t, "ed", ed, false)
	c := newClient(t, srv.Config())
	ctx := context.Background()
	sum := sha256.Sum256([]byte("artifact"))

	resp, err := c.Sign(ctx, "ec", client.SignRequest{SigAlg: "SHA256withECDSA", Hash: sum[:], Tool: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.VerifyASN1(&ec.PublicKey, sum[:], resp.Signature) || resp.Alias != "ec" || resp.Generation != 1 {
		t.Errorf("ECDSA answer %+v does not verify", resp)
	}
	resp, err = c.Sign(ctx, "rsa", client.SignRequest{SigAlg: "sha256withrsa/pss", Hash: sum[:]})
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPSS(&rk.PublicKey, crypto.SHA256, sum[:], resp.Signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}); err != nil {
		t.Error(err)
	}
	resp, err = c.Sign(ctx, "ed", client.SignRequest{SigAlg: "Ed25519", Hash: []byte("short message")})
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(ed.Public().(ed25519.PublicKey), []byte("short message"), resp.Signature) {
		t.Error("Ed25519 signature does not verify")
	}
	if got := srv.Signs()[0].Tool; got != "test" {
		t.Errorf("tool = %q", got)
	}
}

func TestAPIErrors(t *testing.T) {
	srv := clienttest.NewServer(t)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srv.AddKey(t, "ec", ec, false)
	sum := sha256.Sum256([]byte("x"))
	ctx := context.Background()

	noKey := srv.Config()
	noKey.APIKey = "wrong"
	noCert := srv.Config()
	noCert.ClientCertFile, noCert.ClientCertPassword = "", ""
	tests := []struct {
		name   string
		cfg    client.Config
		ref    string
		alg    string
		status int
		code   string
	}{
		{"bad api key", noKey, "ec", "SHA256withECDSA", 401, "bad_api_key"},
		{"no client certificate", noCert, "ec", "SHA256withECDSA", 403, "client_certificate_required"},
		{"unknown keypair", srv.Config(), "nope", "SHA256withECDSA", 404, "keypair_not_found"},
		{"bad digest", srv.Config(), "ec", "SHA384withECDSA", 400, "bad_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newClient(t, tt.cfg).Sign(ctx, tt.ref, client.SignRequest{SigAlg: tt.alg, Hash: sum[:]})
			var ae *client.APIError
			if !errors.As(err, &ae) || ae.Status != tt.status || ae.Code != tt.code || ae.StatusCode() != tt.status {
				t.Fatalf("err = %v, want APIError %d %s", err, tt.status, tt.code)
			}
		})
	}
}

func TestNonJSONError(t *testing.T) {
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	}))
	defer ts.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	writeCertPEM(t, ca, ts.Certificate().Raw)
	_, err := newClient(t, client.Config{Host: ts.URL, CAFile: ca}).Me(context.Background())
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.Status != 502 || !strings.Contains(ae.Message, "bad gateway") {
		t.Fatalf("err = %v", err)
	}
}

func TestListAndGetKeypairs(t *testing.T) {
	srv := clienttest.NewServer(t)
	srv.PageSize = 2
	for _, a := range []string{"k1", "k2", "k3", "k/4", "k5"} {
		ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		srv.AddKey(t, a, ec, a == "k3")
	}
	c := newClient(t, srv.Config())
	kps, err := c.ListKeypairs(context.Background(), client.KeypairFilter{State: "active"})
	if err != nil {
		t.Fatal(err)
	}
	if len(kps) != 5 || kps[4].Alias != "k5" || kps[0].Algorithm.Curve != "P-256" {
		t.Fatalf("listed %+v", kps)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("%d list requests, want 3 pages", n)
	}
	kp, err := c.GetKeypair(context.Background(), "k/4")
	if err != nil || kp.Alias != "k/4" {
		t.Fatalf("GetKeypair(k/4) = %+v, %v", kp, err)
	}
	kp, err = c.GetKeypair(context.Background(), "k3")
	if err != nil || !strings.Contains(kp.CertificatePEM, "CERTIFICATE") || strings.Count(kp.ChainPEM, "BEGIN") != 2 {
		t.Fatalf("GetKeypair(k3) = %+v, %v", kp, err)
	}
	if _, err := c.GetKeypair(context.Background(), ""); err == nil {
		t.Error("empty ref accepted")
	}
}

func TestClientCertErrors(t *testing.T) {
	srv := clienttest.NewServer(t)
	garbage := filepath.Join(t.TempDir(), "garbage.p12")
	if err := os.WriteFile(garbage, []byte("\x30\x03\x02\x01\x05 not pkcs12"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, password string
		want                 error
	}{
		{"wrong password", srv.PKI.ClientP12File, "nope", client.ErrClientCertPassword},
		{"PEM file", srv.PKI.ClientCertPEMFile, "", client.ErrClientCertFormat},
		{"garbage", garbage, "", client.ErrClientCertFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := srv.Config()
			cfg.ClientCertFile, cfg.ClientCertPassword = tt.file, tt.password
			_, err := client.New(cfg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestServerNotTrusted(t *testing.T) {
	srv := clienttest.NewServer(t)
	cfg := srv.Config()
	cfg.CAFile = ""
	_, err := newClient(t, cfg).Me(context.Background())
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err = %v, want an unknown-authority error", err)
	}
	cfg.CAFile = srv.PKI.ClientP12File
	if _, err := client.New(cfg); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("err = %v", err)
	}
}
