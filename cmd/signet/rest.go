package main

import (
	"context"
	"encoding/json"
	"fmt"
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

// listOf GETs path and returns the array the answer holds under field,
// empty rather than nil (so -o json prints []).
func listOf[T any](ctx context.Context, a *app, path string, q url.Values, field string) ([]T, error) {
	r, err := a.rest()
	if err != nil {
		return nil, err
	}
	var out map[string]json.RawMessage
	if err := r.call(ctx, "GET", path, q, nil, &out); err != nil {
		return nil, err
	}
	items := []T{}
	if raw, ok := out[field]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("GET %s: bad answer from the server: %w", path, err)
		}
	}
	return items, nil
}
