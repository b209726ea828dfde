//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// client talks to one signetd with an API token and a client certificate.
type client struct {
	base   string // https://127.0.0.1:port
	token  string
	http   *http.Client
	header http.Header // added to every request
}

// creds are a user's credentials.
type creds struct {
	token string
	cert  tls.Certificate
	roots *x509.CertPool
}

// devCreds reads the credentials `signetd dev` wrote into dir.
func devCreds(t *testing.T, dir string) creds {
	t.Helper()
	env := readEnv(t, filepath.Join(dir, "credentials.env"))
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key"))
	if err != nil {
		t.Fatal(err)
	}
	return creds{token: env["SIGNET_API_KEY"], cert: cert, roots: certPool(t, env["SIGNET_CA_FILE"])}
}

// readEnv parses the `export K=V` lines of a credentials.env file.
func readEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "export ")
		if k, v, found := strings.Cut(line, "="); ok && found {
			out[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"SIGNET_HOST", "SIGNET_API_KEY", "SIGNET_CLIENT_CERT_FILE", "SIGNET_CLIENT_CERT_PASSWORD", "SIGNET_CA_FILE"} {
		if out[k] == "" {
			t.Fatalf("%s: no %s", path, k)
		}
	}
	return out
}

func certPool(t *testing.T, path string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s: no certificate", path)
	}
	return pool
}

// newClient returns a client of the server at addr over HTTP/2, or over
// HTTP/1.1 when h1 is set; both keep their connections alive.
func newClient(addr string, c creds, h1 bool) *client {
	tc := &tls.Config{RootCAs: c.roots}
	if len(c.cert.Certificate) > 0 {
		tc.Certificates = []tls.Certificate{c.cert}
	}
	tr := &http.Transport{TLSClientConfig: tc, MaxIdleConnsPerHost: 16, ForceAttemptHTTP2: !h1}
	if h1 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	return &client{base: "https://" + addr, token: c.token, http: &http.Client{Transport: tr, Timeout: time.Minute}}
}

// apiError is a non-2xx answer.
type apiError struct {
	Status  int
	Code    string `json:"code"`
	Message string `json:"message"`
	Body    []byte `json:"-"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// call sends a JSON request and decodes a 2xx answer into out. A non-2xx
// answer is an *apiError; anything else is a transport error.
func (c *client) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	req.Header.Set("x-api-key", c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		e := &apiError{Status: resp.StatusCode, Body: data}
		_ = json.Unmarshal(data, e)
		if e.Code == "" {
			e.Message = string(data)
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decoding %s %s: %w: %s", method, path, err, data)
		}
	}
	return nil
}

// keypair is the part of a keypair answer the tests use.
type keypair struct {
	ID           string `json:"id"`
	Alias        string `json:"alias"`
	Storage      string `json:"storage"`
	PublicKeyPEM string `json:"public_key_pem"`
}

func (c *client) createKeypair(t *testing.T, body map[string]any) keypair {
	t.Helper()
	var kp keypair
	if err := c.call(context.Background(), "POST", "/api/v1/keypairs", body, &kp); err != nil {
		t.Fatalf("creating keypair %v: %v", body["alias"], err)
	}
	return kp
}

// signature is a sign answer.
type signature struct {
	Signature   []byte `json:"signature"`
	SignatureID string `json:"signature_id"`
	KeypairID   string `json:"keypair_id"`
	SigAlg      string `json:"sig_alg"`
}

func (c *client) sign(ctx context.Context, alias, sigAlg string, digest []byte) (signature, error) {
	var s signature
	err := c.call(ctx, "POST", "/api/v1/keypairs/"+url.PathEscape(alias)+"/sign",
		map[string]any{"sig_alg": sigAlg, "hash": digest}, &s)
	return s, err
}

// sigRecord is a signature-log row.
type sigRecord struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	ErrorCode string `json:"error_code"`
	KeypairID string `json:"keypair_id"`
	Digest    []byte `json:"digest"`
	Signature []byte `json:"signature"`
}

// auditEvent is an audit-log row.
type auditEvent struct {
	Seq        int64             `json:"seq"`
	ID         string            `json:"id"`
	Type       string            `json:"type"`
	Action     string            `json:"action"`
	ResourceID string            `json:"resource_id"`
	Result     string            `json:"result"`
	Details    map[string]string `json:"details"`
}

// signatures returns the whole signature log, paging with after.
func (c *client) signatures(t *testing.T) []sigRecord {
	t.Helper()
	var all []sigRecord
	after := ""
	for {
		var page struct {
			Records []sigRecord `json:"records"`
			Next    string      `json:"next"`
		}
		q := url.Values{"limit": {"1000"}}
		if after != "" {
			q.Set("after", after)
		}
		if err := c.call(context.Background(), "GET", "/api/v1/logs/signatures?"+q.Encode(), nil, &page); err != nil {
			t.Fatalf("listing signatures: %v", err)
		}
		all = append(all, page.Records...)
		if page.Next == "" {
			return all
		}
		after = page.Next
	}
}

// auditEvents returns every audit event matching query (e.g. action=Sign),
// paging with after.
func (c *client) auditEvents(t *testing.T, query url.Values) []auditEvent {
	t.Helper()
	var all []auditEvent
	after := ""
	for {
		var page struct {
			Events []auditEvent `json:"events"`
			Next   string       `json:"next"`
		}
		q := url.Values{"limit": {"1000"}}
		for k, v := range query {
			q[k] = v
		}
		if after != "" {
			q.Set("after", after)
		}
		if err := c.call(context.Background(), "GET", "/api/v1/logs/audit?"+q.Encode(), nil, &page); err != nil {
			t.Fatalf("listing audit events: %v", err)
		}
		all = append(all, page.Events...)
		if page.Next == "" {
			return all
		}
		after = page.Next
	}
}
