package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/peercred"
)

// agentBase is the URL of requests through a signet agent; the host is
// never resolved, the transport dials the socket.
var agentBase = &url.URL{Scheme: "http", Host: "signet-agent"}

// NewAgent returns a client of the signet agent listening on the Unix
// socket at path: the agent holds the credentials and the connection to
// the server, so the client needs neither (see internal/agent). Requests
// are plain HTTP/1.1 on the socket.
func NewAgent(path, userAgent string, opts ...Option) (*Client, error) {
	if path == "" {
		return nil, fmt.Errorf("signet: empty agent socket path")
	}
	o := options{timeout: time.Minute}
	for _, f := range opts {
		f(&o)
	}
	var d net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			c, err := d.DialContext(ctx, "unix", path)
			if err != nil {
				return nil, fmt.Errorf("signet agent at %s: %w (is `signet agent` running?)", path, err)
			}
			// The agent answers with keys and signatures: it must be ours.
			uc, ok := c.(*net.UnixConn)
			uid, err := -1, errors.New("not a Unix socket")
			if ok {
				uid, err = peercred.UID(uc)
			}
			if err != nil || uid != os.Getuid() {
				c.Close()
				return nil, fmt.Errorf("signet agent at %s: the process listening there is not yours (user %d, %v)", path, uid, err)
			}
			return c, nil
		},
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: o.timeout,
	}
	if userAgent == "" {
		userAgent = "signet-client"
	}
	return &Client{base: agentBase, ua: userAgent, hc: &http.Client{Transport: tr, Timeout: o.timeout}}, nil
}

// ForgetAgentList asks the agent to drop its kept keypair lists (after a
// signature that did not verify under the key listed).
func (c *Client) ForgetAgentList(ctx context.Context) error {
	_, err := c.send(ctx, http.MethodPost, "/agent/v1/forget", nil, nil)
	return err
}

// Answer is a server's answer as it came, for [Client.Relay].
type Answer struct {
	Status      int
	ContentType string
	Body        []byte
}

// Relay sends a request as it came from a caller of the agent (pathQuery
// is the escaped path with its query, under the host) with this client's
// credentials and returns the answer whatever its status; only a failure
// to reach the server is an error. userAgent, when set, names the caller.
func (c *Client) Relay(ctx context.Context, method, pathQuery, contentType string, body []byte, userAgent string) (Answer, error) {
	if !strings.HasPrefix(pathQuery, "/") {
		return Answer{}, fmt.Errorf("signet: relay path %q does not start with /", pathQuery)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.base.String(), "/")+pathQuery, rd)
	if err != nil {
		return Answer{}, err
	}
	req.Header.Set("Accept", "application/json")
	ua := c.ua
	if userAgent != "" {
		ua = userAgent + " via " + c.ua
	}
	req.Header.Set("User-Agent", ua)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.apiKey != "" {
		req.Header.Set("x-api-key", c.apiKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return Answer{}, fmt.Errorf("signet: %s %s: %w", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return Answer{}, fmt.Errorf("signet: %s %s: reading answer: %w", method, req.URL.Path, err)
	}
	return Answer{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: data}, nil
}
