package main

import (
	"context"
	"net/url"
	"strings"

	"github.com/signet-project/signet/internal/client"
)

// rest calls the endpoints that internal/client has no typed method for
// (certificates, users, API tokens, client certificates) through the same
// client: the same credentials, TLS and *client.APIError, so the exit codes
// and fixes of hints.go apply.
type rest struct{ c *client.Client }

// rest resolves the credentials and returns a caller.
func (a *app) rest() (*rest, error) {
	c, _, err := a.client()
	if err != nil {
		return nil, err
	}
	return &rest{c}, nil
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
	return r.c.Call(ctx, method, p, q, body, out)
}

// get returns the body of a GET as it is (downloads).
func (r *rest) get(ctx context.Context, p string, q url.Values) ([]byte, error) {
	return r.c.Fetch(ctx, p, q)
}
