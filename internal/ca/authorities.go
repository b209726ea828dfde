package ca

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net/http"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// AuthorityInfo is an authority with its certificate and chain.
type AuthorityInfo struct {
	*Authority
	Cert  *x509.Certificate
	Chain []*x509.Certificate // issuer first, root last; empty for a root
}

// Authorities lists the CAs and the TSA. Their certificates are public, so
// this is also what the unauthenticated download endpoints serve.
func (s *Service) Authorities(ctx context.Context) ([]AuthorityInfo, error) {
	h, err := s.hierarchy(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]AuthorityInfo, 0, len(h.list))
	for _, a := range h.list {
		out = append(out, AuthorityInfo{Authority: a.Authority, Cert: a.ca.Cert, Chain: a.ca.Chain})
	}
	return out, nil
}

// AuthorityByName returns one authority.
func (s *Service) AuthorityByName(ctx context.Context, name string) (AuthorityInfo, error) {
	a, err := s.authority(ctx, name)
	if err != nil {
		return AuthorityInfo{}, err
	}
	return AuthorityInfo{Authority: a.Authority, Cert: a.ca.Cert, Chain: a.ca.Chain}, nil
}

// TSAIdentity returns the time-stamping authority's certificate, the chain
// above it and its signer; an error when the TSA's certificate, or a CA's
// above it, is revoked or outside its validity (see [Service.usable]).
func (s *Service) TSAIdentity(ctx context.Context) (*x509.Certificate, []*x509.Certificate, crypto.Signer, error) {
	a, err := s.authority(ctx, TSAName)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := s.usable(ctx, a); err != nil {
		return nil, nil, nil, err
	}
	return a.ca.Cert, a.ca.Chain, a.ca.Signer, nil
}

// usable refuses an authority that must not sign certificates or
// time-stamps now: its own certificate, or that of a CA above it, is
// outside its validity (409 ca_expired) or revoked (409 ca_revoked). A
// root is self-signed and has no revocation record.
func (s *Service) usable(ctx context.Context, a *loaded) error {
	h, err := s.hierarchy(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	for l, depth := a, 0; l != nil && depth < 8; l, depth = h.byID[l.ParentID], depth+1 {
		c := l.ca.Cert
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return errs.Conflict("ca_expired", "%s: the certificate of %s is valid from %s to %s, so %s signs nothing now",
				a.Name, l.Name, c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), a.Name)
		}
		if l.ParentID == "" {
			break
		}
		rec, err := s.Store.CertificateBySerial(ctx, l.ParentID, serialHex(c))
		switch {
		case err == nil && rec.RevokedAt != nil:
			return errs.Conflict("ca_revoked", "%s: the certificate of %s was revoked on %s (%s), so %s signs nothing",
				a.Name, l.Name, rec.RevokedAt.UTC().Format(time.RFC3339), reasonName(rec.Reason), a.Name)
		case err != nil && !isNotFound(err):
			return errs.Wrap(err, http.StatusServiceUnavailable, "store_unavailable", "cannot read the revocation status of %s", l.Name)
		}
	}
	return nil
}

// CARequest creates another issuing CA below the root.
type CARequest struct {
	Name       string   `json:"name"`
	CommonName string   `json:"common_name"`
	Validity   Duration `json:"validity"` // default 30y
}

// CreateCA makes a new intermediate CA under the root, with its key in the
// CA key backend. Certificate profiles name it as their issuer.
func (s *Service) CreateCA(ctx context.Context, p policy.Principal, r CARequest) (*AuthorityInfo, error) {
	t := guard.Target{Type: "CA", Action: "Create", Name: r.Name}
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.CAManage}, t); err != nil {
		return nil, err
	}
	if !nameRE.MatchString(r.Name) {
		return nil, errs.BadRequest("invalid_name", "CA name must be 1-64 lowercase letters, digits, '.', '_' or '-'")
	}
	if r.CommonName == "" {
		return nil, errs.BadRequest("invalid_common_name", "common_name is required")
	}
	if r.Validity.D == 0 {
		r.Validity.D = IssuingLife
	}
	if r.Validity.D < Day || r.Validity.D > IssuingLife {
		return nil, errs.BadRequest("invalid_validity", "an issuing CA's validity is from 1d to %s, got %s", Duration{IssuingLife}, r.Validity)
	}
	root, err := s.authority(ctx, RootName)
	if err != nil {
		return nil, err
	}
	if err := s.usable(ctx, root); err != nil {
		return nil, err
	}
	if _, err := s.authority(ctx, r.Name); err == nil {
		return nil, errs.Conflict("ca_exists", "a CA named %s exists", r.Name)
	}
	a, key, err := s.newKey(ctx, "signet-ca-"+r.Name)
	if err != nil {
		return nil, err
	}
	now := s.now()
	tmpl := pki.CATemplate(pkix.Name{CommonName: r.CommonName, Organization: []string{s.conf().Organization}}, r.Validity.D, 0)
	u := s.urls(root)
	tmpl.CRLDistributionPoints, tmpl.OCSPServer, tmpl.IssuingCertificateURL = u.crl, u.ocsp, u.issuer
	sub, err := root.ca.NewSubordinate(tmpl, key, now)
	if err != nil {
		s.destroy(ctx, a)
		return nil, errs.Wrap(err, http.StatusBadRequest, "invalid_validity", "the root cannot issue this CA: %v", err)
	}
	a.Name, a.Kind, a.ParentID, a.Cert, a.CreatedAt = r.Name, KindIntermediate, root.ID, sub.Cert.Raw, now
	t.ID = a.ID
	ev := s.Guard.Event(ctx, p, t, audit.Allowed, "")
	ev.Details = map[string]string{"kind": a.Kind, "storage": a.Storage}
	cert := authorityCert(sub.Cert, root.ID, sub.Chain, "ca", now)
	if err := s.Store.CreateAuthorities(ctx, []*Authority{a}, []*Certificate{cert}, []*audit.Event{ev}); err != nil {
		s.destroy(ctx, a)
		if errors.Is(err, store.ErrConflict) {
			return nil, errs.Conflict("ca_exists", "a CA named %s exists", r.Name)
		}
		return nil, errs.Internal(err)
	}
	s.forget()
	return &AuthorityInfo{Authority: a, Cert: sub.Cert, Chain: sub.Chain}, nil
}
