package ca

import (
	"context"
	"crypto/x509"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/keys"
)

// Authority kinds.
const (
	KindRoot         = "root"
	KindIntermediate = "intermediate"
	KindTSA          = "tsa" // the time-stamping authority: not a CA, but its key is kept like one
)

// Names of the authorities made on first start.
const (
	RootName    = "root"
	IssuingName = "issuing"
	TSAName     = "tsa"
)

// Certificate sources.
const (
	SourceIssued   = "issued"   // by a Signet CA
	SourceImported = "imported" // by an external CA, from a Signet-made CSR
)

// Authority is a CA, or the TSA, whose key Signet holds.
type Authority struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"` // unique, used in URLs: /crl/NAME.crl
	Kind      string      `json:"kind"`
	ParentID  string      `json:"parent_id,omitempty"`
	Storage   string      `json:"storage"` // key backend: disk or hsm
	Handle    keys.Handle `json:"-"`
	Cert      []byte      `json:"-"` // DER
	CreatedAt time.Time   `json:"created_at"`
}

// CRL is the latest certificate revocation list of an authority.
type CRL struct {
	AuthorityID string
	Number      int64
	ThisUpdate  time.Time
	NextUpdate  time.Time
	DER         []byte
}

// Certificate is a certificate Signet issued or imported.
type Certificate struct {
	ID          string     `json:"id"`
	KeypairID   string     `json:"keypair_id,omitempty"` // empty for CA and TSA certificates
	Generation  int        `json:"generation,omitempty"` // of the keypair's key it certifies
	IssuerID    string     `json:"issuer_id,omitempty"`  // authority; empty for imported ones
	Serial      string     `json:"serial"`               // lowercase hex
	Fingerprint []byte     `json:"-"`                    // SHA-256 of DER
	Subject     string     `json:"subject"`
	Issuer      string     `json:"issuer"`
	NotBefore   time.Time  `json:"not_before"`
	NotAfter    time.Time  `json:"not_after"`
	Profile     string     `json:"profile,omitempty"`
	Source      string     `json:"source"`
	DER         []byte     `json:"-"`
	Chain       []byte     `json:"-"` // concatenated DER: issuer first, root last
	Default     bool       `json:"default"`
	AutoRenew   bool       `json:"auto_renew"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	Reason      int        `json:"revocation_reason,omitempty"` // RFC 5280 CRLReason
	CreatedBy   string     `json:"created_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
}

// Parsed returns the certificate and its chain.
func (c *Certificate) Parsed() (*x509.Certificate, []*x509.Certificate, error) {
	cert, err := x509.ParseCertificate(c.DER)
	if err != nil {
		return nil, nil, err
	}
	chain, err := x509.ParseCertificates(c.Chain)
	return cert, chain, err
}

// CertFilter selects certificates to list. Zero fields match everything.
type CertFilter struct {
	KeypairID string
	IssuerID  string
	After     string // cursor: ids sorting after this one
	Limit     int
}

// Store persists authorities, CRLs and certificates. Mutations append their
// audit events in the same transaction.
type Store interface {
	// CreateAuthorities inserts authorities and their certificates in one
	// transaction; store.ErrConflict if a name is taken (another node made
	// them first).
	CreateAuthorities(ctx context.Context, as []*Authority, certs []*Certificate, evs []*audit.Event) error
	// ListAuthorities returns every authority, oldest first.
	ListAuthorities(ctx context.Context) ([]*Authority, error)

	// GetCRL returns an authority's latest CRL; store.ErrNotFound if none.
	GetCRL(ctx context.Context, authorityID string) (*CRL, error)
	// PutCRL stores crl if the stored CRL's number is crl.Number-1 (or
	// there is none and crl.Number is 1); store.ErrConflict otherwise.
	PutCRL(ctx context.Context, crl *CRL) error

	// CreateCertificate inserts c; when c.Default it becomes its keypair's
	// only default. store.ErrConflict on a duplicate serial or fingerprint.
	CreateCertificate(ctx context.Context, c *Certificate, ev *audit.Event) error
	// GetCertificate finds a certificate by id; store.ErrNotFound if none.
	GetCertificate(ctx context.Context, id string) (*Certificate, error)
	// CertificateBySerial finds a certificate an authority issued.
	CertificateBySerial(ctx context.Context, issuerID, serial string) (*Certificate, error)
	// ListCertificates returns certificates ordered by id.
	ListCertificates(ctx context.Context, f CertFilter) ([]*Certificate, error)
	// DefaultCertificates returns the default certificate of each keypair
	// that has one, by keypair id.
	DefaultCertificates(ctx context.Context, keypairIDs []string) (map[string]*Certificate, error)
	// UpdateCertificate sets whether c is its keypair's default (making it
	// the only one) and whether it renews itself.
	UpdateCertificate(ctx context.Context, id string, isDefault, autoRenew bool, ev *audit.Event) error
	// RevokeCertificate marks a certificate revoked; store.ErrConflict if
	// it already is.
	RevokeCertificate(ctx context.Context, id string, at time.Time, reason int, ev *audit.Event) error
	// RevokedCertificates returns the revoked certificates an authority
	// issued, expired ones too: a code signature time-stamped while its
	// certificate was valid is checked long after, and its CRL must still
	// say whether the certificate was revoked.
	RevokedCertificates(ctx context.Context, issuerID string) ([]*Certificate, error)
	// RenewalDue returns default, auto-renewing, unrevoked issued
	// certificates of active keypairs that end before `before`, and those
	// of active keypairs whose key has moved to another generation.
	RenewalDue(ctx context.Context, before time.Time, limit int) ([]*Certificate, error)
}
