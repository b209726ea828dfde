package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// Client certificate validity: the default and the longest allowed.
const (
	DefaultCertValidity = 365 * 24 * time.Hour
	MaxCertValidity     = 2 * 365 * 24 * time.Hour
)

// NewClientCert makes a P-256 key and a client certificate for u signed by
// ca, and returns the record to store with the PKCS#12 file (key,
// certificate and the CA chain) under a fresh password. The key and the
// password exist only in the answer: Signet keeps the public facts. The
// certificate ends with its CA at the latest.
func NewClientCert(ca *pki.CA, u *User, validity time.Duration, now time.Time) (*ClientCert, []byte, string, error) {
	if end := ca.Cert.NotAfter.Add(-time.Minute); now.Add(validity).After(end) {
		validity = end.Sub(now)
	}
	if validity <= 0 {
		return nil, nil, "", errors.New("auth: the client CA has expired")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, "", err
	}
	cert, err := ca.Issue(pki.ClientTemplate(u.ID, u.Name, validity), key.Public(), now)
	if err != nil {
		return nil, nil, "", err
	}
	password := pki.GeneratePassword()
	p12, err := pki.EncodePKCS12(key, cert, ca.IssuerChain(), password)
	if err != nil {
		return nil, nil, "", err
	}
	cc := &ClientCert{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, Serial: hex.EncodeToString(cert.SerialNumber.Bytes()),
		Fingerprint: pki.Fingerprint(cert), NotAfter: cert.NotAfter.UTC().Truncate(time.Microsecond),
		CreatedAt: now.UTC().Truncate(time.Microsecond)}
	return cc, p12, password, nil
}

// CertRequest asks for a client certificate.
type CertRequest struct {
	User         string `json:"user,omitempty"` // id or name; default: the caller
	ValidityDays int    `json:"validity_days,omitempty"`
}

// IssueClientCert issues a client certificate from the server's client CA
// and returns its record, the PKCS#12 file and its password (shown once).
// A certificate is the second factor: the caller needs its own already, or
// a web console session; an API token alone makes none (policy). One made
// with an expiring API token ends with that token at the latest.
func (s *Service) IssueClientCert(ctx context.Context, p policy.Principal, r CertRequest) (*ClientCert, []byte, string, error) {
	t := guard.Target{Type: "ClientCertificate", Action: "Create"}
	u, err := s.owner(ctx, p, r.User, policy.Request{IssuesSecondFactor: true}, t, true)
	if err != nil {
		return nil, nil, "", err
	}
	if s.CA == nil {
		return nil, nil, "", errs.Unavailable("no_client_ca", "this server has no client CA key (tls.client_ca_key_file): it cannot issue client certificates")
	}
	validity := DefaultCertValidity
	maxDays := int(MaxCertValidity / (24 * time.Hour))
	if r.ValidityDays != 0 {
		validity = -1 // out of range unless the days are (checked before multiplying)
		if r.ValidityDays > 0 && r.ValidityDays <= maxDays {
			validity = time.Duration(r.ValidityDays) * 24 * time.Hour
		}
	}
	if validity <= 0 || validity > MaxCertValidity {
		return nil, nil, "", errs.BadRequest("invalid_validity", "validity_days must be from 1 to %d", maxDays)
	}
	now := s.Guard.Now()
	if end, capped := policy.CredentialExpiry(p, now.Add(validity)); capped {
		validity = end.Sub(now)
		if validity <= 0 {
			return nil, nil, "", errs.Unauthorized("api_key_expired", "the API token expired at %s", end.UTC().Format(time.RFC3339))
		}
	}
	cc, p12, password, err := NewClientCert(s.CA, u, validity, now)
	if err != nil {
		return nil, nil, "", errs.Wrap(err, 500, "ca_error", "the client CA could not issue the certificate")
	}
	t.ID, t.Name = cc.ID, u.Name+"/"+cc.Serial
	if err := s.Store.CreateClientCert(ctx, cc, s.event(ctx, p, t)); err != nil {
		return nil, nil, "", errs.Internal(err)
	}
	return cc, p12, password, nil
}

// ListClientCerts lists a user's client certificates (the caller's by default).
func (s *Service) ListClientCerts(ctx context.Context, p policy.Principal, userRef string) ([]*ClientCert, error) {
	u, err := s.owner(ctx, p, userRef, policy.Request{}, guard.Target{Type: "ClientCertificate", Action: "List", Name: userRef}, false)
	if err != nil {
		return nil, err
	}
	cs, err := s.Store.ListClientCerts(ctx, u.ID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	return cs, nil
}

// RevokeClientCert revokes a client certificate at once, on every node.
func (s *Service) RevokeClientCert(ctx context.Context, p policy.Principal, id string) (*ClientCert, error) {
	c, err := s.Store.GetClientCert(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errs.NotFound("client_certificate_not_found", "no client certificate %q", id)
	}
	if err != nil {
		return nil, errs.Internal(err)
	}
	t := guard.Target{Type: "ClientCertificate", Action: "Revoke", ID: c.ID, Name: c.Serial}
	if _, err := s.owner(ctx, p, c.UserID, policy.Request{}, t, false); err != nil {
		return nil, err
	}
	now := s.now()
	if err := s.Store.RevokeClientCert(ctx, c.ID, now, s.event(ctx, p, t)); err != nil {
		return nil, errs.Internal(err)
	}
	if c.RevokedAt == nil {
		c.RevokedAt = &now
	}
	return c, nil
}
