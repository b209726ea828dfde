package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"strings"
	"time"
)

// Template describes a certificate to issue. The CA fills in the serial
// number, the validity period and the key identifiers.
type Template struct {
	Subject pkix.Name
	// RawSubject, when set, is the DER subject to use instead of Subject
	// (a renewal keeping its predecessor's subject byte for byte).
	RawSubject  []byte
	DNSNames    []string
	IPAddresses []net.IP
	URIs        []*url.URL
	KeyUsage    x509.KeyUsage
	ExtKeyUsage []x509.ExtKeyUsage
	Validity    time.Duration // from the time of issue; must be positive

	// IsCA makes a CA certificate. PathLen then limits the number of CAs
	// allowed below it: 0 means it issues end-entity certificates only, a
	// negative value sets no limit.
	IsCA    bool
	PathLen int

	// CRLDistributionPoints, OCSPServer and IssuingCertificateURL are the
	// URLs relying parties use to check revocation and to fetch the issuer.
	CRLDistributionPoints []string
	OCSPServer            []string
	IssuingCertificateURL []string
	// UnknownExtKeyUsage lists extended key usages by OID, for those that
	// crypto/x509 has no constant for.
	UnknownExtKeyUsage []asn1.ObjectIdentifier
	// ExtraExtensions are added as given and replace any extension of the
	// same OID made from the fields above (e.g. a critical EKU).
	ExtraExtensions []pkix.Extension
}

// oidUID is the LDAP "uid" attribute (RFC 4519), which carries the user id
// in the subject of a client certificate.
var oidUID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}

// userURIPrefix starts the URI SAN of a client certificate: signet:user:<id>.
const userURIPrefix = "user:"

// ServerTemplate is a TLS server certificate for hosts, each a DNS name or
// an IP address. The first host is also the subject's common name.
func ServerTemplate(hosts []string, validity time.Duration) Template {
	t := Template{
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		Validity:    validity,
	}
	for _, h := range hosts {
		h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
		if ip := net.ParseIP(h); ip != nil {
			t.IPAddresses = append(t.IPAddresses, ip)
		} else {
			t.DNSNames = append(t.DNSNames, h)
		}
	}
	if len(hosts) > 0 {
		t.Subject.CommonName = hosts[0]
	}
	return t
}

// ClientTemplate is a TLS client authentication certificate for a user. The
// subject holds the user's name (common name) and id (uid attribute); the id
// is also in a URI SAN, signet:user:<id>, which [UserID] reads back.
func ClientTemplate(userID, userName string, validity time.Duration) Template {
	return Template{
		Subject: pkix.Name{
			CommonName: userName,
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidUID, Value: userID}},
		},
		URIs:        []*url.URL{{Scheme: "signet", Opaque: userURIPrefix + url.PathEscape(userID)}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		Validity:    validity,
	}
}

// CATemplate is the template of a CA certificate; see [Template.PathLen].
func CATemplate(subject pkix.Name, validity time.Duration, pathLen int) Template {
	return Template{
		Subject:  subject,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		Validity: validity,
		IsCA:     true,
		PathLen:  pathLen,
	}
}

// Validate reports whether t can be issued.
func (t Template) Validate() error {
	if t.Validity <= 0 {
		return errors.New("pki: template validity must be positive")
	}
	if len(t.RawSubject) == 0 && len(t.Subject.ToRDNSequence()) == 0 && len(t.DNSNames)+len(t.IPAddresses)+len(t.URIs) == 0 {
		return errors.New("pki: template has neither a subject nor a subject alternative name")
	}
	if t.IsCA && t.KeyUsage&x509.KeyUsageCertSign == 0 {
		return errors.New("pki: CA template lacks the certSign key usage")
	}
	for _, u := range t.URIs {
		if u.Scheme == "signet" && strings.TrimPrefix(u.Opaque, userURIPrefix) == "" {
			return fmt.Errorf("pki: URI %q names no user", u)
		}
	}
	return nil
}

// x509 converts t to the standard library's template.
func (t Template) x509(serial *big.Int, notBefore, notAfter time.Time) *x509.Certificate {
	c := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               t.Subject,
		RawSubject:            t.RawSubject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		DNSNames:              t.DNSNames,
		IPAddresses:           t.IPAddresses,
		URIs:                  t.URIs,
		KeyUsage:              t.KeyUsage,
		ExtKeyUsage:           t.ExtKeyUsage,
		BasicConstraintsValid: true,
		IsCA:                  t.IsCA,
		CRLDistributionPoints: t.CRLDistributionPoints,
		OCSPServer:            t.OCSPServer,
		IssuingCertificateURL: t.IssuingCertificateURL,
		UnknownExtKeyUsage:    t.UnknownExtKeyUsage,
		ExtraExtensions:       t.ExtraExtensions,
	}
	if t.IsCA {
		c.MaxPathLen = max(t.PathLen, -1)
		c.MaxPathLenZero = t.PathLen == 0
	}
	return c
}

// UserID returns the Signet user id of a client certificate made from
// [ClientTemplate], from its signet:user:<id> URI SAN. If the subject also
// names a uid, the two must agree.
func UserID(cert *x509.Certificate) (string, error) {
	id := ""
	for _, u := range cert.URIs {
		if u.Scheme != "signet" || !strings.HasPrefix(u.Opaque, userURIPrefix) {
			continue
		}
		v, err := url.PathUnescape(strings.TrimPrefix(u.Opaque, userURIPrefix))
		if err != nil || v == "" || (id != "" && v != id) {
			return "", errors.New("pki: certificate has an invalid signet:user URI")
		}
		id = v
	}
	if id == "" {
		return "", errors.New("pki: certificate names no Signet user")
	}
	for _, n := range cert.Subject.Names {
		if n.Type.Equal(oidUID) && n.Value != id {
			return "", errors.New("pki: certificate subject uid differs from its signet:user URI")
		}
	}
	return id, nil
}
