package pki

import (
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// CreateCRL signs a certificate revocation list (RFC 5280, version 2) of
// the certificates in revoked, numbered number (which must grow with every
// CRL the CA publishes), valid from thisUpdate until nextUpdate.
func (ca *CA) CreateCRL(revoked []x509.RevocationListEntry, number int64, thisUpdate, nextUpdate time.Time) (*x509.RevocationList, error) {
	if err := ca.check(thisUpdate); err != nil {
		return nil, err
	}
	if ca.Cert.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return nil, fmt.Errorf("pki: CA %q may not sign CRLs", ca.Cert.Subject.CommonName)
	}
	if number <= 0 || !nextUpdate.After(thisUpdate) {
		return nil, errors.New("pki: a CRL needs a positive number and a next update after this update")
	}
	tmpl := &x509.RevocationList{
		Number:                    big.NewInt(number),
		ThisUpdate:                thisUpdate.UTC().Truncate(time.Second),
		NextUpdate:                nextUpdate.UTC().Truncate(time.Second),
		RevokedCertificateEntries: revoked,
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, ca.Signer)
	if err != nil {
		return nil, fmt.Errorf("pki: sign CRL: %w", err)
	}
	return x509.ParseRevocationList(der)
}
