package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// pageSize is the page size asked for when listing; the server caps it.
const pageSize = 1000

// maxPages bounds listing, in case a server keeps answering a cursor.
const maxPages = 1000

// Me returns the caller's identity and permissions.
func (c *Client) Me(ctx context.Context) (Me, error) {
	var m Me
	err := c.do(ctx, http.MethodGet, "/api/v1/me", nil, nil, &m)
	return m, err
}

// ListKeypairs returns every keypair matching f that the caller may see,
// following the server's pages.
func (c *Client) ListKeypairs(ctx context.Context, f KeypairFilter) ([]Keypair, error) {
	q := url.Values{}
	for k, v := range map[string]string{"alias": f.Alias, "state": f.State, "storage": f.Storage,
		"status": f.Status, "category": f.Category, "type": f.Type} {
		if v != "" {
			q.Set(k, v)
		}
	}
	q.Set("limit", strconv.Itoa(pageSize))
	var all []Keypair
	for range maxPages {
		var p keypairPage
		if err := c.do(ctx, http.MethodGet, "/api/v1/keypairs", q, nil, &p); err != nil {
			return nil, err
		}
		all = append(all, p.Keypairs...)
		if p.Next == "" || p.Next == q.Get("after") {
			return all, nil
		}
		q.Set("after", p.Next)
	}
	return nil, fmt.Errorf("signet: listing keypairs: more than %d pages", maxPages)
}

// GetKeypair returns the keypair named by ref, its id or its alias.
func (c *Client) GetKeypair(ctx context.Context, ref string) (Keypair, error) {
	var kp Keypair
	if ref == "" {
		return kp, errEmptyRef
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/keypairs/"+url.PathEscape(ref), nil, nil, &kp)
	return kp, err
}

// Sign asks the server to sign one digest with the keypair named by ref.
func (c *Client) Sign(ctx context.Context, ref string, req SignRequest) (SignResponse, error) {
	var out SignResponse
	if ref == "" {
		return out, errEmptyRef
	}
	err := c.do(ctx, http.MethodPost, "/api/v1/keypairs/"+url.PathEscape(ref)+"/sign", nil, req, &out)
	return out, err
}

// SignBatch asks for several signatures in one request; the answers are in
// the order of req.Items.
func (c *Client) SignBatch(ctx context.Context, ref string, req BatchSignRequest) ([]SignResponse, error) {
	if ref == "" {
		return nil, errEmptyRef
	}
	var out batchSignResponse
	if err := c.do(ctx, http.MethodPost, "/api/v1/keypairs/"+url.PathEscape(ref)+"/sign-batch", nil, req, &out); err != nil {
		return nil, err
	}
	if len(out.Signatures) != len(req.Items) {
		return nil, fmt.Errorf("signet: sign-batch answered %d signatures for %d items", len(out.Signatures), len(req.Items))
	}
	return out.Signatures, nil
}
