package ca

import (
	"bytes"
	"context"
	"time"

	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/pki"
)

// KeypairExtras is what the keypair API shows beyond the keypair record:
// its default certificate with the chain above it (when it certifies the
// keypair's current key) and its expiry.
type KeypairExtras struct {
	CertificatePEM string
	ChainPEM       string // intermediates, then the root
	ExpiresAt      *time.Time
}

// Extras returns the extras of each keypair, by id, in two queries.
func (s *Service) Extras(ctx context.Context, kps ...*keypair.Keypair) (map[string]KeypairExtras, error) {
	ids := make([]string, len(kps))
	for i, kp := range kps {
		ids[i] = kp.ID
	}
	certs, err := s.Store.DefaultCertificates(ctx, ids)
	if err != nil {
		return nil, err
	}
	exp, err := s.Profiles.KeypairExpiries(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]KeypairExtras, len(kps))
	for _, kp := range kps {
		var e KeypairExtras
		if t, ok := exp[kp.ID]; ok {
			e.ExpiresAt = &t
		}
		if c, ok := certs[kp.ID]; ok {
			cert, chain, err := c.Parsed()
			if err == nil && bytes.Equal(cert.RawSubjectPublicKeyInfo, kp.PublicKey) {
				e.CertificatePEM = string(pki.EncodeCertificatesPEM(cert))
				e.ChainPEM = string(pki.EncodeCertificatesPEM(chain...))
			}
		}
		out[kp.ID] = e
	}
	return out, nil
}
