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
	return s.regenerateCRL(ctx, a.ID, "")
}

// crlDue reports whether a CRL is past half its life.
func (s *Service) crlDue(crl *CRL) bool {
	half := crl.NextUpdate.Sub(crl.ThisUpdate) / 2
	return !s.now().Before(crl.ThisUpdate.Add(half))
}

// crlAttempts bounds how many times a CRL is rebuilt when other nodes keep
// storing the next number first.
const crlAttempts = 5

// regenerateCRL signs and stores the next CRL of an authority. need, when
// not empty, is the serial (lowercase hex) of a revocation that has
// committed, which the CRL returned must list.
//
// If another node stores that number first, its CRL is returned when it
// lists need (or nothing is needed): the outcome is the same whichever
// node runs. Otherwise it was built before the revocation committed, and
// the CRL is rebuilt from a fresh read on the next number, at most
// crlAttempts times in all; a CRL that may lack the revocation is never
// returned.
func (s *Service) regenerateCRL(ctx context.Context, authorityID, need string) (*CRL, error) {
	a, err := s.authorityByID(ctx, authorityID)
	if err != nil {
		return nil, err
	}
	if a.Kind == KindTSA {
		return nil, errs.NotFound("ca_not_found", "%s is not a certificate authority", a.Name)
	}
	for attempt := 1; ; attempt++ {
		crl, err := s.buildCRL(ctx, a)
		if err != nil {
			return nil, err
		}
		err = s.Store.PutCRL(ctx, crl)
		if err == nil {
			return crl, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return nil, errs.Internal(err)
		}
		cur, err := s.Store.GetCRL(ctx, a.ID)
		if err != nil {
			return nil, errs.Internal(err)
		}
		if need == "" || crlLists(cur, need) {
			return cur, nil
		}
		if attempt == crlAttempts {
			return nil, errs.Unavailable("crl_conflict", "CA %s: other nodes stored %d CRLs meanwhile, none listing serial %s", a.Name, crlAttempts, need)
		}
	}
}

// buildCRL signs the next CRL of a from what the store holds now.
func (s *Service) buildCRL(ctx context.Context, a *loaded) (*CRL, error) {
	number := int64(1)
	switch cur, err := s.Store.GetCRL(ctx, a.ID); {
	case err == nil:
		number = cur.Number + 1
	case !errors.Is(err, store.ErrNotFound):
		return nil, errs.Internal(err)
	}
	now := s.now()
	revoked, err := s.Store.RevokedCertificates(ctx, a.ID)
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
	// Revoked certificates stay listed after they expire, since the CA
	// began: ExpiredCertsOnCRL says so.
	rl, err := a.ca.CreateCRL(entries, number, now, now.Add(s.conf().CRLLife), a.ca.Cert.NotBefore)
	if err != nil {
		return nil, errs.Wrap(err, http.StatusBadGateway, "ca_error", "CA %s could not sign its CRL", a.Name)
	}
	return &CRL{AuthorityID: a.ID, Number: number, ThisUpdate: rl.ThisUpdate, NextUpdate: rl.NextUpdate, DER: rl.Raw}, nil
}

// crlLists reports whether a stored CRL lists the serial (lowercase hex).
func crlLists(crl *CRL, serial string) bool {
	rl, err := x509.ParseRevocationList(crl.DER)
	if err != nil {
		return false
	}
	for _, e := range rl.RevokedCertificateEntries {
		if e.SerialNumber.Text(16) == serial {
			return true
		}
	}
	return false
}
