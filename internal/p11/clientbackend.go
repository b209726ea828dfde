package p11

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"

	"github.com/signet-project/signet/internal/client"
)

// ClientBackend is the [Backend] of the Signet server, through the API
// client.
type ClientBackend struct {
	c   *client.Client
	log *slog.Logger
}

var _ Backend = (*ClientBackend)(nil)

// NewClientBackend returns the backend calling the server with c; keypairs
// it cannot show are reported to log.
func NewClientBackend(c *client.Client, log *slog.Logger) *ClientBackend {
	return &ClientBackend{c: c, log: log}
}

// dialBackend makes a client for cfg and checks its credentials.
func dialBackend(ctx context.Context, cfg client.Config, log *slog.Logger) (Backend, error) {
	c, err := client.New(cfg)
	if err != nil {
		return nil, errConfig{err}
	}
	if _, err := c.Me(ctx); err != nil {
		c.CloseIdleConnections()
		return nil, err
	}
	return NewClientBackend(c, log), nil
}

// CloseIdleConnections closes the idle connections to the server.
func (b *ClientBackend) CloseIdleConnections() { b.c.CloseIdleConnections() }

// Keys lists the active keypairs. A keypair whose public key or
// certificate cannot be parsed is left out and logged.
func (b *ClientBackend) Keys(ctx context.Context) ([]Key, error) {
	kps, err := b.c.ListKeypairs(ctx, client.KeypairFilter{State: "active"})
	if err != nil {
		return nil, err
	}
	keys := make([]Key, 0, len(kps))
	for _, kp := range kps {
		k, err := keyOf(kp)
		if err != nil {
			b.log.Error("keypair left out", "alias", kp.Alias, "err", err)
			continue
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// keyOf converts a keypair of the API.
func keyOf(kp client.Keypair) (Key, error) {
	k := Key{Ref: kp.ID, Alias: kp.Alias, Generation: kp.Generation}
	blk, _ := pem.Decode([]byte(kp.PublicKeyPEM))
	if blk == nil {
		return k, errors.New("no public key")
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return k, err
	}
	k.Public = pub
	if kp.CertificatePEM != "" {
		certs, err := parseCerts(kp.CertificatePEM)
		if err != nil || len(certs) == 0 {
			return k, fmt.Errorf("bad certificate_pem: %v", err)
		}
		k.Certificate = certs[0]
		if k.Chain, err = parseCerts(kp.ChainPEM); err != nil {
			return k, fmt.Errorf("bad chain_pem: %w", err)
		}
	}
	return k, nil
}

func parseCerts(s string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := []byte(s)
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return out, nil
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
}

// Sign signs through the API.
func (b *ClientBackend) Sign(ctx context.Context, keyRef, sigAlg string, input []byte, tool string) ([]byte, error) {
	resp, err := b.c.Sign(ctx, keyRef, client.SignRequest{SigAlg: sigAlg, Hash: input, Tool: tool})
	if err != nil {
		return nil, err
	}
	return resp.Signature, nil
}
