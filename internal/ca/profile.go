package ca

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/pki"
)

// Profile categories, as keypair categories.
const (
	CategoryProduction = "production"
	CategoryTest       = "test"
)

// Validity limits of certificate profiles: private trust (e.g. Android)
// allows long-lived certificates; test certificates are short.
const (
	MaxProductionValidity = 25 * Year
	MaxTestValidity       = 7 * Day
)

// Day and Year are the units of profile validities.
const (
	Day  = 24 * time.Hour
	Year = 365 * Day
)

// CertProfile is a certificate profile: how certificates of keypairs are
// made. Every certificate has key usage digitalSignature and extended key
// usage codeSigning; the profile may add more, but none that
// [pki.CodeSigningRefusal] refuses (OCSPSigning, timeStamping,
// anyExtendedKeyUsage, serverAuth, clientAuth, ...).
type CertProfile struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Category    string `json:"category"`       // production or test
	Team        string `json:"team,omitempty"` // usable by that team's keypairs only
	// Subject maps attributes (CN, O, OU, C, ST, L, STREET, POSTALCODE,
	// SERIALNUMBER, E) to values that may hold ${alias}, ${keypair_id},
	// ${team}, ${category} and ${user}.
	Subject      map[string]string `json:"subject"`
	Validity     Duration          `json:"validity"`
	KeyUsages    []string          `json:"key_usages"`     // beyond digitalSignature
	ExtKeyUsages []string          `json:"ext_key_usages"` // beyond codeSigning: names or OIDs
	Issuer       string            `json:"issuer"`         // authority name, default "issuing"
	// NoRevocationURLs leaves the CRL and OCSP URLs out of certificates.
	NoRevocationURLs bool      `json:"no_revocation_urls,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// nameRE is the form of profile and authority names.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// subjectAttrs are the subject attributes a profile may set (the
// certificate orders them as crypto/x509 does: C, ST, L, ..., O, OU, CN).
var subjectAttrs = []string{"C", "ST", "L", "STREET", "POSTALCODE", "O", "OU", "CN", "SERIALNUMBER", "E"}

var oidEmail = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}

// variables are the names a subject value may refer to as ${name}.
var variables = []string{"alias", "keypair_id", "team", "category", "user"}

var varRE = regexp.MustCompile(`\$\{([^}]*)\}`)

// Normalize fills defaults and validates the profile.
func (p *CertProfile) Normalize() error {
	if !nameRE.MatchString(p.Name) {
		return errs.BadRequest("invalid_name", "profile name must be 1-64 lowercase letters, digits, '.', '_' or '-'")
	}
	if p.Category == "" {
		p.Category = CategoryProduction
	}
	if p.Issuer == "" {
		p.Issuer = IssuingName
	}
	max := MaxProductionValidity
	switch p.Category {
	case CategoryProduction:
	case CategoryTest:
		max = MaxTestValidity
	default:
		return errs.BadRequest("invalid_category", "category must be production or test, got %q", p.Category)
	}
	if p.Validity.D <= 0 || p.Validity.D > max {
		return errs.BadRequest("invalid_validity", "a %s profile's validity must be more than 0 and at most %s, got %s", p.Category, max, p.Validity)
	}
	if len(p.Subject) == 0 {
		return errs.BadRequest("invalid_subject", "the subject template needs at least one attribute, e.g. {\"CN\": \"${alias}\"}")
	}
	for k, v := range p.Subject {
		if !slices.Contains(subjectAttrs, k) {
			return errs.BadRequest("invalid_subject", "subject attribute %q is not one of %s", k, strings.Join(subjectAttrs, ", "))
		}
		for _, m := range varRE.FindAllStringSubmatch(v, -1) {
			if !slices.Contains(variables, m[1]) {
				return errs.BadRequest("invalid_subject", "subject %s refers to ${%s}; variables are %s", k, m[1], strings.Join(variables, ", "))
			}
		}
	}
	for _, u := range p.KeyUsages {
		if _, err := pki.ParseKeyUsage(u); err != nil {
			return errs.BadRequest("invalid_key_usage", "%v", err)
		}
	}
	for _, u := range p.ExtKeyUsages {
		if _, _, err := pki.ParseExtKeyUsage(u); err != nil {
			return errs.BadRequest("invalid_ext_key_usage", "%v", err)
		}
	}
	if u, why := p.refusedUsage(); u != "" {
		return errs.BadRequest("forbidden_ext_key_usage", "keypair certificates may not carry extended key usage %s: %s", u, why)
	}
	if p.KeyUsages == nil {
		p.KeyUsages = []string{}
	}
	if p.ExtKeyUsages == nil {
		p.ExtKeyUsages = []string{}
	}
	return nil
}

// refusedUsage is the first extended key usage of the profile that a
// keypair's certificate may not carry (see [pki.CodeSigningRefusal]), with
// the reason; "" when there is none.
func (p *CertProfile) refusedUsage() (usage, why string) {
	for _, u := range p.ExtKeyUsages {
		if why := pki.CodeSigningRefusal(u); why != "" {
			return u, why
		}
	}
	return "", ""
}

// issuable refuses a stored profile listing an extended key usage that
// keypair certificates may not carry: it was saved before
// [CertProfile.Normalize] refused it, and nothing is issued under it until
// it is corrected.
func (p *CertProfile) issuable() error {
	if u, why := p.refusedUsage(); u != "" {
		return errs.Conflict("forbidden_ext_key_usage",
			"certificate profile %s lists extended key usage %s, which keypair certificates may not carry (%s): remove it from the profile to issue under it",
			p.Name, u, why)
	}
	return nil
}

// Vars are the values of a subject template's variables.
type Vars struct {
	Alias, KeypairID, Team, Category, User string
}

// subject expands the subject template.
func (p *CertProfile) subject(v Vars) (pkix.Name, error) {
	vals := map[string]string{"alias": v.Alias, "keypair_id": v.KeypairID, "team": v.Team, "category": v.Category, "user": v.User}
	var n pkix.Name
	for _, attr := range subjectAttrs {
		tmpl, ok := p.Subject[attr]
		if !ok {
			continue
		}
		s := strings.TrimSpace(varRE.ReplaceAllStringFunc(tmpl, func(m string) string { return vals[m[2:len(m)-1]] }))
		if s == "" {
			continue // e.g. OU = ${team} for a keypair in no team
		}
		if attr == "C" && len(s) != 2 {
			return n, errs.BadRequest("invalid_subject", "profile %s: country (C) must be a two-letter code, got %q", p.Name, s)
		}
		switch attr {
		case "C":
			n.Country = []string{s}
		case "ST":
			n.Province = []string{s}
		case "L":
			n.Locality = []string{s}
		case "STREET":
			n.StreetAddress = []string{s}
		case "POSTALCODE":
			n.PostalCode = []string{s}
		case "O":
			n.Organization = []string{s}
		case "OU":
			n.OrganizationalUnit = []string{s}
		case "CN":
			n.CommonName = s
		case "SERIALNUMBER":
			n.SerialNumber = s
		case "E":
			n.ExtraNames = append(n.ExtraNames, pkix.AttributeTypeAndValue{Type: oidEmail, Value: s})
		}
	}
	if len(n.ToRDNSequence()) == 0 {
		return n, errs.BadRequest("invalid_subject", "profile %s gives this keypair an empty subject", p.Name)
	}
	return n, nil
}

// template makes the certificate template for a keypair.
func (p *CertProfile) template(v Vars, urls revocationURLs) (pki.Template, error) {
	if err := p.issuable(); err != nil {
		return pki.Template{}, err
	}
	subj, err := p.subject(v)
	if err != nil {
		return pki.Template{}, err
	}
	t := pki.Template{Subject: subj, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, Validity: p.Validity.D}
	for _, u := range p.KeyUsages {
		ku, _ := pki.ParseKeyUsage(u) // checked by Normalize
		t.KeyUsage |= ku
	}
	for _, u := range p.ExtKeyUsages {
		eku, oid, _ := pki.ParseExtKeyUsage(u)
		switch {
		case oid != nil:
			t.UnknownExtKeyUsage = append(t.UnknownExtKeyUsage, oid)
		case !slices.Contains(t.ExtKeyUsage, eku):
			t.ExtKeyUsage = append(t.ExtKeyUsage, eku)
		}
	}
	if !p.NoRevocationURLs {
		t.CRLDistributionPoints, t.OCSPServer, t.IssuingCertificateURL = urls.crl, urls.ocsp, urls.issuer
	}
	return t, nil
}

// Duration is a validity such as "25y", "90d" or "36h" (a year is 365 days).
type Duration struct{ D time.Duration }

func (d Duration) String() string {
	switch {
	case d.D%Year == 0 && d.D >= Year:
		return fmt.Sprintf("%dy", d.D/Year)
	case d.D%Day == 0 && d.D >= Day:
		return fmt.Sprintf("%dd", d.D/Day)
	case d.D%time.Hour == 0:
		return fmt.Sprintf("%dh", d.D/time.Hour)
	}
	return d.D.String()
}

// MaxDuration is the longest validity ParseDuration takes: 200 years, well
// inside time.Duration's 292.
const MaxDuration = 200 * Year

// ParseDuration reads "25y", "90d", "36h" or a Go duration such as "90m":
// positive, at most MaxDuration. (Callers set their own floors: stored
// profiles may hold short validities.)
func ParseDuration(s string) (Duration, error) {
	bad := fmt.Errorf("%q is not a positive duration of at most 200y such as 25y, 90d or 36h", s)
	var d time.Duration
	if num, ok := strings.CutSuffix(s, "y"); ok {
		d = scaled(num, Year)
	} else if num, ok := strings.CutSuffix(s, "d"); ok {
		d = scaled(num, Day)
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return Duration{}, bad
		}
	}
	if d <= 0 || d > MaxDuration {
		return Duration{}, bad
	}
	return Duration{d}, nil
}

// scaled is num (plain decimal digits) units, or 0 when num is not a
// number or the product would pass MaxDuration.
func scaled(num string, unit time.Duration) time.Duration {
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || num[0] == '+' || n > int64(MaxDuration/unit) {
		return 0
	}
	return time.Duration(n) * unit
}

// MarshalJSON writes the duration as a string such as "3y".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a string such as "3y".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string such as \"3y\", \"90d\" or \"36h\"")
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
