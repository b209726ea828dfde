package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"
)

// errEmptyRelease reports a missing release id.
var errEmptyRelease = errors.New("signet: empty release id")

// Generation is one public key a keypair has had. Dynamic keypairs get a
// new generation at each refresh; old ones stay so old signatures verify.
type Generation struct {
	Generation   int               `json:"generation"`
	CreatedAt    time.Time         `json:"created_at"`
	RetiredAt    *time.Time        `json:"retired_at,omitempty"` // nil for the current one
	PublicKeyPEM string            `json:"public_key_pem"`
	Fingerprints map[string]string `json:"fingerprints,omitempty"`
}

// RefreshKeypair replaces a dynamic keypair's key now and returns the
// keypair at its new generation.
func (c *Client) RefreshKeypair(ctx context.Context, ref string) (Keypair, error) {
	return c.keypairAction(ctx, http.MethodPost, ref, "/refresh")
}

// KeypairGenerations lists every public key of a keypair, oldest first.
func (c *Client) KeypairGenerations(ctx context.Context, ref string) ([]Generation, error) {
	if ref == "" {
		return nil, errEmptyRef
	}
	var out struct {
		Generations []Generation `json:"generations"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/keypairs/"+url.PathEscape(ref)+"/generations", nil, nil, &out)
	return out.Generations, err
}
