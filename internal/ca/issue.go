package ca

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// IssueRequest asks for a certificate for a keypair.
type IssueRequest struct {
	// Profile is a certificate profile name; by default the profile named
	// after the keypair's category (production or test).
	Profile string `json:"profile,omitempty"`
	// Default makes it the keypair's default certificate (default true).
	Default *bool `json:"default,omitempty"`
	// AutoRenew renews it before it expires while it is the default.
	AutoRenew bool `json:"auto_renew,omitempty"`
}

func certTarget(action string, kp *keypair.Keypair) guard.Target {
	return guard.Target{Type: "Certificate", Action: action, ID: kp.ID, Name: kp.Alias}
}

// Issue issues a certificate for the keypair ref under a profile.
func (s *Service) Issue(ctx context.Context, p policy.Principal, ref string, r IssueRequest) (*Certificate, error) {
	kp, err := s.getKeypair(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.CertGenerate, Keypair: kp.Facts()}, certTarget("Generate", kp)); err != nil {
		return nil, err
	}
	return s.issue(ctx, p, kp, r.Profile, r.Default == nil || *r.Default, r.AutoRenew, "Generate", nil)
}

// certProfile finds the profile a keypair's certificate is issued under
// and checks that the keypair may use it.
func (s *Service) certProfile(ctx context.Context, name, category, team string) (*CertProfile, error) {
	if name == "" {
		name = category
	}
	prof, err := s.Profiles.GetCertProfile(ctx, name)
	if err != nil {
		return nil, storeErr(err, errs.BadRequest("cert_profile_not_found", "no certificate profile named %q", name))
	}
	if prof.Category != category {
		return nil, errs.BadRequest("profile_category_mismatch", "certificate profile %s is for %s keypairs, and this keypair is %s", prof.Name, prof.Category, category)
	}
	if prof.Team != "" && prof.Team != team {
		return nil, errs.Forbidden("profile_team_mismatch", "certificate profile %s belongs to team %s", prof.Name, prof.Team)
	}
	return prof, nil
}

// usableCertProfile is certProfile for p acting on t: a refusal for the
// profile's team is audited, as every denial is.
func (s *Service) usableCertProfile(ctx context.Context, p policy.Principal, t guard.Target, name, category, team string) (*CertProfile, error) {
	prof, err := s.certProfile(ctx, name, category, team)
	if e := errs.As(err); err != nil && e.Status == http.StatusForbidden {
		return nil, s.Guard.Deny(ctx, p, t, e)
	}
	return prof, err
}

// issue signs and records a certificate for kp's current key. prev, when
// not nil, is the certificate it replaces (a renewal, or the certificate
// of a rotated key), whose subject it keeps: the server issues those, and
// a subject template's ${user} would otherwise name it, not the user who
// asked for the first certificate.
func (s *Service) issue(ctx context.Context, p policy.Principal, kp *keypair.Keypair, profile string, isDefault, autoRenew bool, action string, prev *Certificate) (*Certificate, error) {
	if kp.State != keypair.StateActive {
		return nil, errs.Conflict("keypair_"+kp.State, "keypair %s is %s: no certificate is issued for it", kp.Alias, kp.State)
	}
	prof, err := s.usableCertProfile(ctx, p, certTarget(action, kp), profile, kp.Category, kp.Team)
	if err != nil {
		return nil, err
	}
	issuer, err := s.authority(ctx, prof.Issuer)
	if err != nil {
		return nil, err
	}
	if issuer.Kind == KindTSA {
		return nil, errs.BadRequest("invalid_issuer", "certificate profile %s names %s, which is not a CA", prof.Name, prof.Issuer)
	}
	if err := s.usable(ctx, issuer); err != nil {
		return nil, err
	}
	pub, err := x509.ParsePKIXPublicKey(kp.PublicKey)
	if err != nil {
		return nil, errs.Internal(err)
	}
	tmpl, err := prof.template(Vars{Alias: kp.Alias, KeypairID: kp.ID, Team: kp.Team, Category: kp.Category, User: p.Name}, s.urls(issuer))
	if err != nil {
		return nil, err
	}
	if prev != nil {
		old, err := x509.ParseCertificate(prev.DER)
		if err != nil {
			return nil, errs.Internal(err)
		}
		tmpl.Subject, tmpl.RawSubject = old.Subject, old.RawSubject
	}
	now := s.now()
	if now.Add(tmpl.Validity).After(issuer.ca.Cert.NotAfter) {
		return nil, errs.Conflict("validity_exceeds_issuer", "certificate profile %s asks for %s, longer than CA %s has left (until %s)",
			prof.Name, prof.Validity, issuer.Name, issuer.ca.Cert.NotAfter.Format("2006-01-02"))
	}
	cert, err := issuer.ca.Issue(tmpl, pub, now)
	if err != nil {
		return nil, errs.Wrap(err, http.StatusBadGateway, "ca_error", "CA %s could not issue the certificate", issuer.Name)
	}
	c := &Certificate{ID: uuid.Must(uuid.NewV7()).String(), KeypairID: kp.ID, Generation: kp.Generation,
		IssuerID: issuer.ID, Serial: serialHex(cert), Fingerprint: pki.Fingerprint(cert),
		Subject: cert.Subject.String(), Issuer: cert.Issuer.String(), NotBefore: cert.NotBefore, NotAfter: cert.NotAfter,
		Profile: prof.Name, Source: SourceIssued, DER: cert.Raw, Chain: concat(issuer.ca.IssuerChain()),
		Default: isDefault, AutoRenew: autoRenew, CreatedBy: p.UserID, CreatedAt: now}
	ev := s.Guard.Event(ctx, p, certTarget(action, kp), audit.Allowed, "")
	ev.Details = map[string]string{"certificate_id": c.ID, "serial": c.Serial, "profile": prof.Name, "issuer": issuer.Name}
	if err := s.Store.CreateCertificate(ctx, c, ev); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, errs.Wrap(err, http.StatusConflict, "certificate_exists", "the certificate is recorded already")
		}
		return nil, errs.Internal(err)
	}
	return c, nil
}
