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

// codeSigningRefusals are the extended key usages a certificate of a
// signing key may not carry, by dotted OID, with the reason. Keypair
// certificates come from the CA that also certifies the time-stamping
// authority and answers OCSP, so OCSPSigning would make a keypair an OCSP
// responder for every certificate of that CA (RFC 6960, 4.2.2.2),
// timeStamping a time-stamping authority, and anyExtendedKeyUsage both;
// the others would let a code-signing key authenticate as a server or a
// client.
var codeSigningRefusals = map[string]string{
	"1.3.6.1.5.5.7.3.9":      "OCSPSigning would make the keypair an OCSP responder for every certificate of its CA",
	"1.3.6.1.5.5.7.3.8":      "timeStamping would make the keypair a time-stamping authority",
	"2.5.29.37.0":            "anyExtendedKeyUsage allows every usage, OCSP signing and time-stamping included",
	"1.3.6.1.5.5.7.3.1":      "serverAuth would let a code-signing key authenticate TLS servers",
	"1.3.6.1.5.5.7.3.2":      "clientAuth would let a code-signing key authenticate TLS clients",
	"1.3.6.1.5.5.7.3.21":     "secureShellClient would let a code-signing key authenticate SSH clients",
	"1.3.6.1.5.5.7.3.22":     "secureShellServer would let a code-signing key authenticate SSH servers",
	"1.3.6.1.4.1.311.20.2.2": "smartcardLogon would let a code-signing key log on to Windows domains",
	"1.3.6.1.5.2.3.4":        "id-pkinit-KPClientAuth would let a code-signing key authenticate to Kerberos",
	"1.3.6.1.5.2.3.5":        "id-pkinit-KPKdc would let a code-signing key act as a Kerberos KDC",
	"1.3.6.1.4.1.311.10.3.3": "Microsoft Server Gated Crypto is a serverAuth usage",
	"2.16.840.1.113730.4.1":  "Netscape Server Gated Crypto is a serverAuth usage",
}

// extKeyUsageOIDs are the OIDs of the named extended key usages.
var extKeyUsageOIDs = map[string]string{
	"codeSigning":     "1.3.6.1.5.5.7.3.3",
	"timeStamping":    "1.3.6.1.5.5.7.3.8",
	"emailProtection": "1.3.6.1.5.5.7.3.4",
	"clientAuth":      "1.3.6.1.5.5.7.3.2",
	"serverAuth":      "1.3.6.1.5.5.7.3.1",
	"OCSPSigning":     "1.3.6.1.5.5.7.3.9",
}

// CodeSigningRefusal reports why the certificate of a signing key may not
// carry the extended key usage s (a name or a dotted OID, as
// [ParseExtKeyUsage] takes): OCSPSigning, timeStamping,
// anyExtendedKeyUsage and the authentication usages (serverAuth,
// clientAuth, SSH, smart-card logon, PKINIT), named or by OID. It returns
// "" for a usage such a certificate may carry, and for one that is not an
// extended key usage at all.
func CodeSigningRefusal(s string) string {
	if oid, ok := extKeyUsageOIDs[s]; ok {
		return codeSigningRefusals[oid]
	}
	oid, err := ParseOID(s)
	if err != nil {
		return ""
	}
	return codeSigningRefusals[oid.String()]
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
	for name, o := range extKeyUsageOIDs {
		if o == oid.String() {
			return extKeyUsages[name], nil, nil // a named usage by its OID: one entry, not two
		}
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
