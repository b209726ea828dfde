package main

import (
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
	"strings"

	"github.com/signet-project/signet/internal/client"
)

// rest calls the API endpoints that internal/client does not wrap yet:
// certificates, users, API tokens and client certificates. It uses the same
// credentials, TLS settings and error type (*client.APIError, so the exit
// codes and fixes of hints.go apply). When internal/client grows these
// calls, the commands should move to it and this file go away.
type rest struct {
	base, apiKey, ua string
	hc               *http.Client
}

// maxAnswer bounds what rest reads from the server.
const maxAnswer = 32 << 20

// rest resolves the credentials and returns a caller.
func (a *app) rest() (*rest, error) {
	cfg, err := a.config()
	if err != nil {
		return nil, err
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		data, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(data) {
			return nil, fail(exitCredentials, "point SIGNET_CA_FILE"+a.from("ca_file")+" at a PEM bundle", "CA file %s holds no PEM certificate", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	if cfg.ClientCertFile != "" {
		cert, err := client.LoadClientCert(cfg.ClientCertFile, cfg.ClientCertPassword)
		if err != nil {
			return nil, err
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: tc, ForceAttemptHTTP2: true}
	return &rest{base: strings.TrimRight(cfg.Host, "/"), apiKey: cfg.APIKey, ua: cfg.UserAgent,
		hc: &http.Client{Transport: tr, Timeout: a.timeout}}, nil
}

// apiPath joins API path segments, escaping each one.
func apiPath(segs ...string) string {
	var b strings.Builder
	b.WriteString("/api/v1")
	for _, s := range segs {
		b.WriteString("/")
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// call sends a request with an optional JSON body and decodes a JSON
// answer into out (when out is not nil).
func (r *rest) call(ctx context.Context, method, p string, q url.Values, body, out any) error {
	data, _, err := r.raw(ctx, method, p, q, body)
	if err != nil || out == nil {
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: bad answer from the server: %w", method, p, err)
	}
	return nil
}

// raw sends a request and returns the answer's body and content type;
// answers other than 2xx become *client.APIError.
func (r *rest) raw(ctx context.Context, method, p string, q url.Values, body any) ([]byte, string, error) {
	u := r.base + p
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, "", err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("User-Agent", r.ua)
	req.Header.Set("x-api-key", r.apiKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("%s %s: %w", method, p, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, "", fmt.Errorf("%s %s: reading the answer: %w", method, p, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &client.APIError{Status: resp.StatusCode}
		if json.Unmarshal(data, e) != nil || (e.Code == "" && e.Message == "") {
			e.Message = strings.TrimSpace(string(data))
			if len(e.Message) > 200 {
				e.Message = e.Message[:200] + "..."
			}
			if e.Message == "" {
				e.Message = http.StatusText(resp.StatusCode)
			}
		}
		return nil, "", e
	}
	return data, resp.Header.Get("Content-Type"), nil
}
