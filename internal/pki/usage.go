package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"sort"
	"strings"
	"time"
)

// oidExtKeyUsage is the extended key usage extension (RFC 5280, 4.2.1.12).
var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// oidTimeStamping is id-kp-timeStamping.
var oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}

// extKeyUsages names the extended key usages a certificate profile may list.
var extKeyUsages = map[string]x509.ExtKeyUsage{
	"codeSigning":     x509.ExtKeyUsageCodeSigning,
	"timeStamping":    x509.ExtKeyUsageTimeStamping,
	"emailProtection": x509.ExtKeyUsageEmailProtection,
	"clientAuth":      x509.ExtKeyUsageClientAuth,
	"serverAuth":      x509.ExtKeyUsageServerAuth,
	"OCSPSigning":     x509.ExtKeyUsageOCSPSigning,
}

// keyUsages names the key usages a certificate profile may list.
var keyUsages = map[string]x509.KeyUsage{
	"digitalSignature":  x509.KeyUsageDigitalSignature,
	"contentCommitment": x509.KeyUsageContentCommitment, // formerly nonRepudiation
	"keyEncipherment":   x509.KeyUsageKeyEncipherment,
	"dataEncipherment":  x509.KeyUsageDataEncipherment,
	"keyAgreement":      x509.KeyUsageKeyAgreement,
}

// ParseExtKeyUsage maps an extended key usage name (codeSigning,
// timeStamping, ...) or a dotted OID to what [Template] takes: a known
// usage, or else an OID for Template.UnknownExtKeyUsage.
func ParseExtKeyUsage(s string) (x509.ExtKeyUsage, asn1.ObjectIdentifier, error) {
	if u, ok := extKeyUsages[s]; ok {
		return u, nil, nil
	}
	oid, err := ParseOID(s)
	if err != nil {
		return 0, nil, fmt.Errorf("pki: extended key usage %q is neither one of %s nor an OID", s, strings.Join(names(extKeyUsages), ", "))
	}
	return x509.ExtKeyUsageAny, oid, nil
}

// ParseKeyUsage maps a key usage name (digitalSignature, ...) to its bit.
func ParseKeyUsage(s string) (x509.KeyUsage, error) {
	if u, ok := keyUsages[s]; ok {
		return u, nil
	}
	return 0, fmt.Errorf("pki: key usage %q is not one of %s", s, strings.Join(names(keyUsages), ", "))
}

// ParseOID parses a dotted object identifier such as 1.2.3.4.1.
func ParseOID(s string) (asn1.ObjectIdentifier, error) {
	bad := fmt.Errorf("pki: %q is not a dotted OID", s)
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 64 {
		return nil, bad
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		if p == "" || len(p) > 9 || (len(p) > 1 && p[0] == '0') {
			return nil, bad
		}
		n := 0
		for _, c := range p {
			if c < '0' || c > '9' {
				return nil, bad
			}
			n = n*10 + int(c-'0')
		}
		oid[i] = n
	}
	if oid[0] > 2 || (oid[0] < 2 && oid[1] > 39) {
		return nil, bad
	}
	return oid, nil
}

func names[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TimeStampingTemplate is the certificate of an RFC 3161 time-stamping
// authority: key usage digitalSignature and, as RFC 3161 section 2.3
// requires, a critical extended key usage extension holding timeStamping
// only.
func TimeStampingTemplate(subject pkix.Name, validity time.Duration) Template {
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping}) // a constant value: cannot fail
	return Template{
		Subject:         subject,
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
		ExtraExtensions: []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: eku}},
		Validity:        validity,
	}
}
