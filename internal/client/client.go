// Package client is the HTTP client of the Signet REST API, shared by the
// signet CLI and the PKCS#11 module.
//
// # Credentials
//
// A [Config] comes from [FromEnv] (SIGNET_* variables, SM_* fallbacks) or is
// filled by the caller. The API key goes in the x-api-key header; the client
// certificate (PKCS#12) is presented over mutual TLS as the second factor.
//
// # Errors
//
// Errors answered by the server are *[APIError] values with the HTTP
// status and the server's stable code; find them with errors.As.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxResponse bounds the size of an answer the client reads.
const maxResponse = 32 << 20

// Client calls the Signet API. It is safe for concurrent use and keeps one
// HTTP/2 connection to the server (HTTP/1.1 connections with [WithHTTP1]).
type Client struct {
	base   *url.URL
	apiKey string
	ua     string
	hc     *http.Client
	pre    *preconnector     // with WithSessionCache
	tls    *fileSessionCache // with WithSessionCache and a client certificate
}

// Option tunes a Client.
type Option func(*options)

type options struct {
	timeout    time.Duration
	dialer     *net.Dialer
	sessionDir string
	http1      bool
}

// WithTimeout bounds each request, from dialing to reading the answer
// (default one minute). Contexts passed to methods may bound it further.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithDialer replaces the dialer used to reach the server.
func WithDialer(d *net.Dialer) Option { return func(o *options) { o.dialer = d } }

// WithHTTP1 speaks HTTP/1.1 only, one request at a time per connection
// (more connections when requests overlap). For a process that makes one
// or two requests, such as the PKCS#11 module's signing tools: HTTP/2's
// connection setup (preface, SETTINGS, HPACK, its reader and writer
// goroutines) cost 1.5-2 ms of a fresh process's first request here.
func WithHTTP1() Option { return func(o *options) { o.http1 = true } }

// New returns a client for cfg. It reads the CA bundle and the client
// certificate now, so their errors show at once.
func New(cfg Config, opts ...Option) (*Client, error) {
	o := options{timeout: time.Minute, dialer: &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}}
	for _, f := range opts {
		f(&o)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base, _ := cfg.baseURL()
	tc, err := cfg.tlsConfig(o.sessionDir)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           o.dialer.DialContext,
		TLSClientConfig:       tc,
		ForceAttemptHTTP2:     !o.http1,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: o.timeout,
	}
	protos := []string{"h2", "http/1.1"}
	if o.http1 {
		protos = protos[1:]
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{} // no HTTP/2
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = "signet-client"
	}
	c := &Client{base: base, apiKey: cfg.APIKey, ua: ua, hc: &http.Client{Transport: tr, Timeout: o.timeout}}
	c.tls, _ = tc.ClientSessionCache.(*fileSessionCache)
	if o.sessionDir != "" {
		// Direct (not proxied) connections are dialed by the client, so
		// that Preconnect can start one early.
		pt := tc.Clone() // the transport changes its own copy
		pt.NextProtos = protos
		c.pre = &preconnector{dialer: o.dialer, tls: pt}
		if c.tls != nil {
			c.pre.handshakeDone = c.tls.handshakeDone
		}
		tr.DialTLSContext = c.pre.dialTLS
	}
	return c, nil
}

// Preconnect starts connecting to the server in the background, when the
// client was made with [WithSessionCache] and the server is reached
// without a proxy, so that the TLS handshake overlaps whatever the caller
// does before its first request (a signing tool hashing its file). The
// next request that needs a connection takes it.
func (c *Client) Preconnect() {
	if c.pre == nil {
		return
	}
	if p, err := http.ProxyFromEnvironment(&http.Request{URL: c.base}); err != nil || p != nil {
		return
	}
	port := c.base.Port()
	if port == "" {
		port = "443"
	}
	c.pre.start(net.JoinHostPort(c.base.Hostname(), port))
}

// CloseIdleConnections closes connections kept for reuse and waits (at
// most sessionFlush) for the TLS session file to be written, so that the
// next process resumes this one's latest session.
func (c *Client) CloseIdleConnections() {
	c.hc.CloseIdleConnections()
	if c.pre != nil {
		c.pre.close()
	}
	if c.tls != nil {
		c.tls.flush(sessionFlush)
	}
}

// sessionFlush bounds CloseIdleConnections' wait for the session file.
const sessionFlush = 500 * time.Millisecond

// APIError is an error answered by the server.
type APIError struct {
	Status  int    `json:"-"`       // HTTP status
	Code    string `json:"code"`    // stable snake_case code, e.g. "quota_exceeded"
	Message string `json:"message"` // human readable
}

func (e *APIError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("signet: HTTP %d: %s", e.Status, e.Message)
	}
	return fmt.Sprintf("signet: %s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// StatusCode returns the HTTP status.
func (e *APIError) StatusCode() int { return e.Status }

// Call sends a request to path (under the host, already escaped) with an
// optional JSON body and decodes a JSON answer into out (when not nil). It
// serves the endpoints that have no typed method here.
func (c *Client) Call(ctx context.Context, method, path string, q url.Values, body, out any) error {
	return c.do(ctx, method, path, q, body, out)
}

// Fetch GETs path and returns the answer's body as it is (a certificate in
// DER, a PKCS#7 bundle).
func (c *Client) Fetch(ctx context.Context, path string, q url.Values) ([]byte, error) {
	return c.send(ctx, http.MethodGet, path, q, nil)
}

// do sends a request with an optional JSON body and decodes a JSON answer
// into out (when out is not nil).
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	data, err := c.send(ctx, method, path, q, body)
	if err != nil || out == nil {
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("signet: %s %s: bad answer: %w", method, path, err)
	}
	return nil
}

// send sends a request and returns the body of a 2xx answer; any other
// answer becomes an *APIError.
func (c *Client) send(ctx context.Context, method, path string, q url.Values, body any) ([]byte, error) {
	// path is already escaped: callers escape references with url.PathEscape.
	u := strings.TrimRight(c.base.String(), "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.ua)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("x-api-key", c.apiKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("signet: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("signet: %s %s: reading answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, decodeError(resp.StatusCode, data)
	}
	return data, nil
}

// decodeError turns an error answer into an *APIError, keeping a short
// excerpt of bodies that are not the API's JSON (proxies, load balancers).
func decodeError(status int, data []byte) error {
	e := &APIError{Status: status}
	if json.Unmarshal(data, e) == nil && (e.Code != "" || e.Message != "") {
		return e
	}
	msg := strings.TrimSpace(string(data))
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	e.Message = msg
	return e
}

// errEmptyRef reports a missing keypair reference.
var errEmptyRef = errors.New("signet: empty keypair reference")
