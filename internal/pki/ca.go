package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Backdate is how far before "now" a new certificate becomes valid, so that
// peers whose clocks run a little behind accept it at once.
const Backdate = time.Minute

// CA is a certificate authority: its certificate, the signer holding its
// private key, and the chain above it (its issuer first, the root last;
// empty for a root).
type CA struct {
	Cert   *x509.Certificate
	Signer crypto.Signer
	Chain  []*x509.Certificate
}

// NewRoot makes a self-signed root CA for signer's key, valid from now for
// validity. The root does not limit the length of the path below it.
func NewRoot(subject pkix.Name, signer crypto.Signer, validity time.Duration, now time.Time) (*CA, error) {
	if signer == nil {
		return nil, errors.New("pki: root CA needs a signer")
	}
	tmpl := CATemplate(subject, validity, -1)
	if err := tmpl.Validate(); err != nil {
		return nil, err
	}
	cert, err := create(tmpl, nil, signer.Public(), signer, now)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Signer: signer}, nil
}

// NewIntermediate issues a subordinate CA for signer's key. The new CA may
// issue end-entity certificates only (path length 0).
func (ca *CA) NewIntermediate(subject pkix.Name, signer crypto.Signer, validity time.Duration, now time.Time) (*CA, error) {
	return ca.NewSubordinate(CATemplate(subject, validity, 0), signer, now)
}

// NewSubordinate issues a subordinate CA from tmpl (made with [CATemplate],
// to which the caller may add URLs) for signer's key.
func (ca *CA) NewSubordinate(tmpl Template, signer crypto.Signer, now time.Time) (*CA, error) {
	if signer == nil {
		return nil, errors.New("pki: subordinate CA needs a signer")
	}
	if !tmpl.IsCA {
		return nil, errors.New("pki: subordinate CA template is not a CA template")
	}
	cert, err := ca.Issue(tmpl, signer.Public(), now)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Signer: signer, Chain: ca.IssuerChain()}, nil
}

// Issue signs a certificate for pub from tmpl, valid from now (less
// [Backdate]) for tmpl.Validity. The certificate must fit inside the CA's own
// validity.
func (ca *CA) Issue(tmpl Template, pub crypto.PublicKey, now time.Time) (*x509.Certificate, error) {
	if err := tmpl.Validate(); err != nil {
		return nil, err
	}
	if err := ca.check(now); err != nil {
		return nil, err
	}
	if end := now.Add(tmpl.Validity).Truncate(time.Second); end.After(ca.Cert.NotAfter) {
		return nil, fmt.Errorf("pki: certificate would end %s, after its issuer %q (%s)",
			end.UTC().Format(time.RFC3339), ca.Cert.Subject.CommonName, ca.Cert.NotAfter.UTC().Format(time.RFC3339))
	}
	if tmpl.IsCA && !pathLenFits(ca.Cert, tmpl.PathLen) {
		return nil, fmt.Errorf("pki: CA %q may not issue a CA certificate with path length %d", ca.Cert.Subject.CommonName, tmpl.PathLen)
	}
	return create(tmpl, ca.Cert, pub, ca.Signer, now)
}

// pathLenFits reports whether issuer's path length constraint allows a CA
// below it whose own path length is pathLen (negative: unlimited).
func pathLenFits(issuer *x509.Certificate, pathLen int) bool {
	switch {
	case issuer.MaxPathLen == 0 && issuer.MaxPathLenZero:
		return false
	case issuer.MaxPathLen > 0:
		return pathLen >= 0 && pathLen < issuer.MaxPathLen
	}
	return true
}

// IssuerChain is the chain to send with a certificate this CA issued: the
// CA's own certificate, then its Chain (root last).
func (ca *CA) IssuerChain() []*x509.Certificate {
	return append([]*x509.Certificate{ca.Cert}, ca.Chain...)
}

// Root is the self-signed certificate at the top of the CA's chain.
func (ca *CA) Root() *x509.Certificate {
	if len(ca.Chain) == 0 {
		return ca.Cert
	}
	return ca.Chain[len(ca.Chain)-1]
}

// check verifies that ca can issue at time now: it and the CAs above it
// are valid then, and its signer holds its key.
func (ca *CA) check(now time.Time) error {
	if ca == nil || ca.Cert == nil || ca.Signer == nil {
		return errors.New("pki: CA has no certificate or signer")
	}
	c := ca.Cert
	if !c.IsCA || c.KeyUsage&x509.KeyUsageCertSign == 0 {
		return fmt.Errorf("pki: %q is not a CA certificate", c.Subject.CommonName)
	}
	if now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return fmt.Errorf("pki: CA %q is not valid at %s", c.Subject.CommonName, now.UTC().Format(time.RFC3339))
	}
	for _, p := range ca.Chain {
		if now.Before(p.NotBefore) || now.After(p.NotAfter) {
			return fmt.Errorf("pki: CA %q: its issuer %q is not valid at %s", c.Subject.CommonName, p.Subject.CommonName, now.UTC().Format(time.RFC3339))
		}
	}
	pub, ok := ca.Signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(c.PublicKey) {
		return fmt.Errorf("pki: CA %q: signer does not hold the certificate's key", c.Subject.CommonName)
	}
	return nil
}

// create signs tmpl for pub with signer; a nil parent makes it self-signed.
func create(tmpl Template, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer, now time.Time) (*x509.Certificate, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	c := tmpl.x509(serial, now.Add(-Backdate), now.Add(tmpl.Validity))
	if c.SubjectKeyId, err = keyID(pub); err != nil {
		return nil, err
	}
	if parent == nil {
		parent = c
	}
	der, err := x509.CreateCertificate(rand.Reader, c, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("pki: sign certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

// keyID is the subject key identifier of pub: the leftmost 160 bits of the
// SHA-256 digest of its subjectPublicKey bits (RFC 7093, method 1).
func keyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("pki: public key: %w", err)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("pki: public key: %w", err)
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}

// newSerial returns a random positive serial number of up to 127 bits, as
// RFC 5280 and the CA/Browser Forum ask (at least 64 random bits, at most 20
// octets).
func newSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	for {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return nil, fmt.Errorf("pki: serial number: %w", err)
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

// Fingerprint is the SHA-256 digest of the certificate's DER encoding.
func Fingerprint(cert *x509.Certificate) []byte {
	sum := sha256.Sum256(cert.Raw)
	return sum[:]
}
