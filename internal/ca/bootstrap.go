package ca

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// Lives of the certificates made on first start. The issuing CA outlives
// the longest certificate a profile may ask for (25 years).
const (
	RootLife    = 40 * Year
	IssuingLife = 30 * Year
	TSALife     = 10 * Year
)

// system is the actor of what the server does by itself.
var system = policy.Principal{UserID: "system", Name: "signetd"}

// caStorage is the backend of new CA keys: the configured one, else the
// HSM when there is one, else disk.
func (s *Service) caStorage() (string, keys.KeyManager, error) {
	name := s.conf().Storage
	if name == "" {
		name = "disk"
		if _, ok := s.Backends["hsm"]; ok {
			name = "hsm"
		}
	}
	km, ok := s.Backends[name]
	if !ok {
		return name, nil, errs.Unavailable("storage_unavailable", "storage %q for CA keys is not configured on this server", name)
	}
	return name, km, nil
}

// newKey makes a CA key for a new authority.
func (s *Service) newKey(ctx context.Context, label string) (*Authority, crypto.Signer, error) {
	storage, km, err := s.caStorage()
	if err != nil {
		return nil, nil, err
	}
	a := &Authority{ID: uuid.Must(uuid.NewV7()).String(), Storage: storage}
	a.Handle, _, err = km.Create(ctx, keys.Spec{ID: keySpecID(a.ID), Label: label, Algorithm: s.conf().Algorithm})
	if err != nil {
		return nil, nil, errs.Wrap(err, http.StatusBadGateway, "key_backend_error", "the %s key backend could not create a CA key", storage)
	}
	signer, err := km.Signer(ctx, a.Handle)
	if err != nil {
		_ = km.Destroy(ctx, a.Handle)
		return nil, nil, errs.Wrap(err, http.StatusBadGateway, "key_backend_error", "the %s key backend cannot use the new CA key", storage)
	}
	return a, signer, nil
}

// destroy removes the keys of authorities that were not stored.
func (s *Service) destroy(ctx context.Context, as ...*Authority) {
	for _, a := range as {
		if km, ok := s.Backends[a.Storage]; ok {
			_ = km.Destroy(ctx, a.Handle)
		}
	}
}

// bootstrap creates the root, the issuing CA and the TSA, and the default
// certificate profiles. Nodes starting together race; the loser's keys are
// destroyed and it uses the winner's hierarchy.
func (s *Service) bootstrap(ctx context.Context) (err error) {
	if s.BeforeBootstrap != nil {
		if err := s.BeforeBootstrap(); err != nil {
			return err
		}
	}
	now, org := s.now(), s.conf().Organization
	var made []*Authority
	defer func() {
		if err != nil {
			s.destroy(context.WithoutCancel(ctx), made...)
		}
	}()
	root, rootKey, err := s.newKey(ctx, "signet-ca-root")
	if err != nil {
		return err
	}
	made = append(made, root)
	rootCA, err := pki.NewRoot(pkix.Name{CommonName: org + " Root CA", Organization: []string{org}}, rootKey, RootLife, now)
	if err != nil {
		return errs.Internal(err)
	}
	root.Name, root.Kind, root.Cert, root.CreatedAt = RootName, KindRoot, rootCA.Cert.Raw, now
	rootL := &loaded{Authority: root, ca: rootCA}

	issuing, issuingKey, err := s.newKey(ctx, "signet-ca-issuing")
	if err != nil {
		return err
	}
	made = append(made, issuing)
	tmpl := pki.CATemplate(pkix.Name{CommonName: org + " Issuing CA", Organization: []string{org}}, IssuingLife, 0)
	u := s.urls(rootL)
	tmpl.CRLDistributionPoints, tmpl.OCSPServer, tmpl.IssuingCertificateURL = u.crl, u.ocsp, u.issuer
	issuingCA, err := rootCA.NewSubordinate(tmpl, issuingKey, now)
	if err != nil {
		return errs.Internal(err)
	}
	issuing.Name, issuing.Kind, issuing.ParentID, issuing.Cert, issuing.CreatedAt = IssuingName, KindIntermediate, root.ID, issuingCA.Cert.Raw, now
	issuingL := &loaded{Authority: issuing, ca: issuingCA}

	tsa, tsaKey, err := s.newKey(ctx, "signet-tsa")
	if err != nil {
		return err
	}
	made = append(made, tsa)
	tt := pki.TimeStampingTemplate(pkix.Name{CommonName: org + " Time-Stamping Authority", Organization: []string{org}}, TSALife)
	u = s.urls(issuingL)
	tt.CRLDistributionPoints, tt.OCSPServer, tt.IssuingCertificateURL = u.crl, u.ocsp, u.issuer
	tsaCert, err := issuingCA.Issue(tt, tsaKey.Public(), now)
	if err != nil {
		return errs.Internal(err)
	}
	tsa.Name, tsa.Kind, tsa.ParentID, tsa.Cert, tsa.CreatedAt = TSAName, KindTSA, issuing.ID, tsaCert.Raw, now

	certs := []*Certificate{
		authorityCert(issuingCA.Cert, root.ID, issuingCA.Chain, "ca", now),
		authorityCert(tsaCert, issuing.ID, issuingCA.IssuerChain(), "tsa", now),
	}
	var evs []*audit.Event
	for _, a := range made {
		ev := guard.NewEvent(ctx, now, system, guard.Target{Type: "CA", Action: "Create", ID: a.ID, Name: a.Name}, audit.Allowed, "")
		ev.Details = map[string]string{"kind": a.Kind, "storage": a.Storage}
		evs = append(evs, ev)
	}
	if err := s.Store.CreateAuthorities(ctx, made, certs, evs); err != nil {
		if errors.Is(err, store.ErrConflict) {
			s.destroy(ctx, made...) // another node made the hierarchy first
			made = nil
			return nil
		}
		return errs.Wrap(err, http.StatusServiceUnavailable, "store_unavailable", "cannot store the CA hierarchy")
	}
	made = nil
	s.log().Info("created the CA hierarchy", "root", rootCA.Cert.Subject.String(), "storage", root.Storage)
	return s.defaultProfiles(ctx, now)
}

// authorityCert is the record of a CA's or the TSA's own certificate, so
// that OCSP answers for it.
func authorityCert(c *x509.Certificate, issuerID string, chain []*x509.Certificate, profile string, now time.Time) *Certificate {
	return &Certificate{ID: uuid.Must(uuid.NewV7()).String(), IssuerID: issuerID, Serial: serialHex(c),
		Fingerprint: pki.Fingerprint(c), Subject: c.Subject.String(), Issuer: c.Issuer.String(),
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, Profile: profile, Source: SourceIssued,
		DER: c.Raw, Chain: concat(chain), CreatedBy: system.UserID, CreatedAt: now}
}

// defaultProfiles creates the certificate profiles of each category that
// keypairs use when they name none.
func (s *Service) defaultProfiles(ctx context.Context, now time.Time) error {
	org := s.conf().Organization
	for _, p := range []*CertProfile{
		{Name: CategoryProduction, Category: CategoryProduction, Description: "Code signing, 3 years",
			Subject: map[string]string{"CN": "${alias}", "O": org, "OU": "${team}"}, Validity: Duration{3 * Year}},
		{Name: CategoryTest, Category: CategoryTest, Description: "Code signing for tests, 7 days",
			Subject: map[string]string{"CN": "${alias} (test)", "O": org, "OU": "${team}"}, Validity: Duration{7 * Day}},
	} {
		if err := p.Normalize(); err != nil {
			return err
		}
		p.CreatedAt, p.UpdatedAt = now, now
		ev := guard.NewEvent(ctx, now, system, guard.Target{Type: "Profile", Action: "Create", ID: p.Name, Name: p.Name}, audit.Allowed, "")
		if err := s.Profiles.PutCertProfile(ctx, p, true, ev); err != nil && !errors.Is(err, store.ErrConflict) {
			return errs.Wrap(err, http.StatusServiceUnavailable, "store_unavailable", "cannot store the default certificate profiles")
		}
	}
	return nil
}

func serialHex(c *x509.Certificate) string { return c.SerialNumber.Text(16) }

func concat(certs []*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, c.Raw...)
	}
	return b
}
