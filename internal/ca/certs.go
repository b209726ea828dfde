package ca

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// List returns a keypair's certificates, oldest first.
func (s *Service) List(ctx context.Context, p policy.Principal, ref string) ([]*Certificate, *keypair.Keypair, error) {
	kp, err := s.getKeypair(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.CertView, Keypair: kp.Facts()}, certTarget("List", kp)); err != nil {
		return nil, nil, err
	}
	var out []*Certificate
	f := CertFilter{KeypairID: kp.ID, Limit: 1000}
	for {
		page, err := s.Store.ListCertificates(ctx, f)
		if err != nil {
			return nil, nil, errs.Internal(err)
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			return out, kp, nil
		}
		f.After = page[len(page)-1].ID
	}
}

// Get returns a certificate by id, if p may view it: a keypair's
// certificate with certificate.view on the keypair, a CA's or the TSA's
// with certificate.view.
func (s *Service) Get(ctx context.Context, p policy.Principal, id string) (*Certificate, error) {
	c, kp, err := s.loadCert(ctx, id)
	if err != nil {
		return nil, err
	}
	req, t := policy.Request{Action: policy.CertView}, guard.Target{Type: "Certificate", Action: "Describe", ID: c.ID, Name: c.Subject}
	if kp != nil {
		req.Keypair = kp.Facts()
	}
	if err := s.Guard.Check(ctx, p, req, t); err != nil {
		return nil, err
	}
	return c, nil
}

// loadCert finds a certificate and its keypair (nil for CA certificates).
func (s *Service) loadCert(ctx context.Context, id string) (*Certificate, *keypair.Keypair, error) {
	c, err := s.Store.GetCertificate(ctx, id)
	if err != nil {
		return nil, nil, storeErr(err, errs.NotFound("certificate_not_found", "no certificate with id %q", id))
	}
	if c.KeypairID == "" {
		return c, nil, nil
	}
	kp, err := s.getKeypair(ctx, c.KeypairID)
	return c, kp, err
}

// UpdateRequest changes a certificate's flags; nil fields stay.
type UpdateRequest struct {
	Default   *bool `json:"default,omitempty"`
	AutoRenew *bool `json:"auto_renew,omitempty"`
}

// Update makes a certificate its keypair's default, or not, and turns its
// renewal on or off.
func (s *Service) Update(ctx context.Context, p policy.Principal, id string, r UpdateRequest) (*Certificate, error) {
	c, kp, err := s.loadCert(ctx, id)
	if err != nil {
		return nil, err
	}
	if kp == nil {
		return nil, errs.BadRequest("not_a_keypair_certificate", "certificate %s belongs to a CA, not to a keypair", id)
	}
	t := guard.Target{Type: "Certificate", Action: "Update", ID: c.ID, Name: kp.Alias}
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.CertGenerate, Keypair: kp.Facts()}, t); err != nil {
		return nil, err
	}
	def, renew := c.Default, c.AutoRenew
	if r.Default != nil {
		def = *r.Default
	}
	if r.AutoRenew != nil {
		renew = *r.AutoRenew
	}
	switch {
	case def && !c.Default && c.RevokedAt != nil:
		return nil, errs.Conflict("certificate_revoked", "certificate %s is revoked and cannot be the default", id)
	case def && !c.Default && !c.NotAfter.After(s.now()):
		return nil, errs.Conflict("certificate_expired", "certificate %s has expired and cannot be the default", id)
	case renew && c.Source != SourceIssued:
		return nil, errs.BadRequest("external_certificate", "certificate %s was issued by an external CA: Signet cannot renew it", id)
	}
	ev := s.Guard.Event(ctx, p, t, audit.Allowed, "")
	ev.Details = map[string]string{"default": strconv.FormatBool(def), "auto_renew": strconv.FormatBool(renew)}
	if err := s.Store.UpdateCertificate(ctx, c.ID, def, renew, ev); err != nil {
		return nil, errs.Internal(err)
	}
	c.Default, c.AutoRenew = def, renew
	return c, nil
}

// Revocation reasons (RFC 5280, 5.3.1) a certificate may be revoked for.
var Reasons = map[string]int{
	"unspecified": 0, "keyCompromise": 1, "cACompromise": 2, "affiliationChanged": 3,
	"superseded": 4, "cessationOfOperation": 5, "privilegeWithdrawn": 9,
}

// Revoke revokes a certificate Signet issued, and publishes a new CRL of its
// issuer at once. It needs keypair.manage on the keypair (ca.manage for a
// CA's or the TSA's certificate).
func (s *Service) Revoke(ctx context.Context, p policy.Principal, id, reason string) (*Certificate, error) {
	code, ok := Reasons[reason]
	if reason == "" {
		code, ok = 0, true
	}
	if !ok {
		return nil, errs.BadRequest("invalid_reason", "reason %q is not a revocation reason (unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn)", reason)
	}
	c, kp, err := s.loadCert(ctx, id)
	if err != nil {
		return nil, err
	}
	req, t := policy.Request{Action: policy.CAManage}, guard.Target{Type: "Certificate", Action: "Revoke", ID: c.ID, Name: c.Subject}
	if kp != nil {
		req = policy.Request{Action: policy.KeypairManage, Keypair: kp.Facts()}
	}
	if err := s.Guard.Check(ctx, p, req, t); err != nil {
		return nil, err
	}
	if c.Source != SourceIssued {
		return nil, errs.BadRequest("external_certificate", "certificate %s was issued by an external CA (%s): revoke it there", id, c.Issuer)
	}
	now := s.now()
	ev := s.Guard.Event(ctx, p, t, audit.Allowed, "")
	ev.Details = map[string]string{"serial": c.Serial, "reason": reasonName(code)}
	if err := s.Store.RevokeCertificate(ctx, c.ID, now, code, ev); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, errs.Conflict("certificate_revoked", "certificate %s is revoked already", id)
		}
		return nil, errs.Internal(err)
	}
	c.RevokedAt, c.Reason, c.Default = &now, code, false
	if _, err := s.regenerateCRL(ctx, c.IssuerID, c.Serial); err != nil {
		// The revocation stands (OCSP says so at once); the scheduled
		// job publishes the CRL.
		s.log().Error("CRL after revocation", "issuer", c.IssuerID, "err", err)
	}
	return c, nil
}

func reasonName(code int) string {
	for n, c := range Reasons {
		if c == code {
			return n
		}
	}
	return fmt.Sprint(code)
}
