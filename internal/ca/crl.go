package ca

import (
	"context"
	"crypto/x509"
	"errors"
	"math/big"
	"net/http"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/store"
)

// CRL returns the current CRL of the CA named name, making a new one first
// when there is none yet or the stored one is past half its life.
func (s *Service) CRL(ctx context.Context, name string) (*CRL, error) {
	a, err := s.authority(ctx, name)
	if err != nil {
		return nil, err
	}
	if a.Kind == KindTSA {
		return nil, errs.NotFound("ca_not_found", "%s is not a certificate authority", name)
	}
	crl, err := s.Store.GetCRL(ctx, a.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, errs.Wrap(err, http.StatusServiceUnavailable, "store_unavailable", "cannot read the CRL of %s", name)
	case !s.crlDue(crl):
		return crl, nil
	}
	return s.regenerateCRL(ctx, a.ID)
}

// crlDue reports whether a CRL is past half its life.
func (s *Service) crlDue(crl *CRL) bool {
	half := crl.NextUpdate.Sub(crl.ThisUpdate) / 2
	return !s.now().Before(crl.ThisUpdate.Add(half))
}

// regenerateCRL signs and stores the next CRL of an authority. If another
// node stored that number first, its CRL is returned instead: the outcome
// is the same whichever node runs.
func (s *Service) regenerateCRL(ctx context.Context, authorityID string) (*CRL, error) {
	h, err := s.hierarchy(ctx)
	if err != nil {
		return nil, err
	}
	a, ok := h.byID[authorityID]
	if !ok || a.Kind == KindTSA {
		return nil, errs.NotFound("ca_not_found", "no certificate authority with id %q", authorityID)
	}
	number := int64(1)
	switch cur, err := s.Store.GetCRL(ctx, a.ID); {
	case err == nil:
		number = cur.Number + 1
	case !errors.Is(err, store.ErrNotFound):
		return nil, errs.Internal(err)
	}
	now := s.now()
	revoked, err := s.Store.RevokedCertificates(ctx, a.ID, now)
	if err != nil {
		return nil, errs.Internal(err)
	}
	entries := make([]x509.RevocationListEntry, 0, len(revoked))
	for _, c := range revoked {
		serial, ok := new(big.Int).SetString(c.Serial, 16)
		if !ok {
			return nil, errs.Internal(errors.New("ca: bad serial " + c.Serial))
		}
		entries = append(entries, x509.RevocationListEntry{SerialNumber: serial, RevocationTime: c.RevokedAt.UTC(), ReasonCode: c.Reason})
	}
	rl, err := a.ca.CreateCRL(entries, number, now, now.Add(s.conf().CRLLife))
	if err != nil {
		return nil, errs.Wrap(err, http.StatusBadGateway, "ca_error", "CA %s could not sign its CRL", a.Name)
	}
	crl := &CRL{AuthorityID: a.ID, Number: number, ThisUpdate: rl.ThisUpdate, NextUpdate: rl.NextUpdate, DER: rl.Raw}
	if err := s.Store.PutCRL(ctx, crl); err != nil {
		if errors.Is(err, store.ErrConflict) {
			if cur, gerr := s.Store.GetCRL(ctx, a.ID); gerr == nil {
				return cur, nil
			}
		}
		return nil, errs.Internal(err)
	}
	return crl, nil
}
