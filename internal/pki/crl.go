package pki

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// oidExpiredCertsOnCRL is id-ce-expiredCertsOnCRL (X.509, 9.6.2.9; listed
// by RFC 5280 among the CRL extensions it does not profile).
var oidExpiredCertsOnCRL = asn1.ObjectIdentifier{2, 5, 29, 60}

// CreateCRL signs a certificate revocation list (RFC 5280, version 2) of
// the certificates in revoked, numbered number (which must grow with every
// CRL the CA publishes), valid from thisUpdate until nextUpdate.
//
// expiredSince, unless zero, says that revoked certificates stay listed
// after they expire: the non-critical ExpiredCertsOnCRL extension holds it
// (a GeneralizedTime), and the CRL lists every revoked certificate whose
// validity ended at or after it. Relying parties that check signatures
// made before a certificate expired (code signing with a time-stamp) need
// that.
func (ca *CA) CreateCRL(revoked []x509.RevocationListEntry, number int64, thisUpdate, nextUpdate, expiredSince time.Time) (*x509.RevocationList, error) {
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
	if !expiredSince.IsZero() {
		v, err := asn1.MarshalWithParams(expiredSince.UTC().Truncate(time.Second), "generalized")
		if err != nil {
			return nil, fmt.Errorf("pki: ExpiredCertsOnCRL: %w", err)
		}
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oidExpiredCertsOnCRL, Value: v}}
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, ca.Signer)
	if err != nil {
		return nil, fmt.Errorf("pki: sign CRL: %w", err)
	}
	return x509.ParseRevocationList(der)
}

// ExpiredCertsOnCRL returns the value of a CRL's ExpiredCertsOnCRL
// extension, and whether it has one.
func ExpiredCertsOnCRL(rl *x509.RevocationList) (time.Time, bool) {
	for _, e := range rl.Extensions {
		if !e.Id.Equal(oidExpiredCertsOnCRL) {
			continue
		}
		var t time.Time
		if rest, err := asn1.UnmarshalWithParams(e.Value, &t, "generalized"); err != nil || len(rest) > 0 {
			return time.Time{}, false
		}
		return t, true
	}
	return time.Time{}, false
}
