package client

import (
	"context"
	"net/http"
	"net/url"
)

// KeypairCreate asks for a new keypair; empty fields take the server's
// defaults (static, production, online, open, RSA-3072 or P-256).
type KeypairCreate struct {
	Alias         string   `json:"alias"`
	Type          string   `json:"type,omitempty"`     // static, dynamic
	Algorithm     string   `json:"algorithm"`          // rsa, ecdsa, eddsa
	KeySize       int      `json:"key_size,omitempty"` // RSA: 2048, 3072, 4096
	Curve         string   `json:"curve,omitempty"`    // ECDSA: P-256, P-384, P-521
	Category      string   `json:"category,omitempty"` // production, test
	Storage       string   `json:"storage,omitempty"`  // disk, hsm
	Status        string   `json:"status,omitempty"`   // online, offline
	Access        string   `json:"access,omitempty"`   // open, restricted
	AllowedUsers  []string `json:"allowed_users,omitempty"`
	AllowedGroups []string `json:"allowed_groups,omitempty"`
	Team          string   `json:"team,omitempty"`
	Profile       string   `json:"profile,omitempty"`
	// RotatePerSignature replaces a dynamic keypair's key after each signature.
	RotatePerSignature bool `json:"rotate_per_signature,omitempty"`
}

// GenerateKeypair asks the server to generate a keypair.
func (c *Client) GenerateKeypair(ctx context.Context, req KeypairCreate) (Keypair, error) {
	var kp Keypair
	err := c.do(ctx, http.MethodPost, "/api/v1/keypairs", nil, req, &kp)
	return kp, err
}

// SuspendKeypair stops a keypair from signing until it is unsuspended.
func (c *Client) SuspendKeypair(ctx context.Context, ref string) (Keypair, error) {
	return c.keypairAction(ctx, http.MethodPost, ref, "/suspend")
}

// UnsuspendKeypair lets a suspended keypair sign again.
func (c *Client) UnsuspendKeypair(ctx context.Context, ref string) (Keypair, error) {
	return c.keypairAction(ctx, http.MethodPost, ref, "/unsuspend")
}

// DeleteKeypair destroys a keypair's private key; its record stays, in
// state destroyed.
func (c *Client) DeleteKeypair(ctx context.Context, ref string) (Keypair, error) {
	return c.keypairAction(ctx, http.MethodDelete, ref, "")
}

func (c *Client) keypairAction(ctx context.Context, method, ref, suffix string) (Keypair, error) {
	var kp Keypair
	if ref == "" {
		return kp, errEmptyRef
	}
	err := c.do(ctx, method, "/api/v1/keypairs/"+url.PathEscape(ref)+suffix, nil, nil, &kp)
	return kp, err
}
