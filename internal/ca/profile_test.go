package ca

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/errs"
)

func TestParseDuration(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"25y": 25 * Year, "90d": 90 * Day, "36h": 36 * time.Hour, "90m": 90 * time.Minute, "200y": MaxDuration,
		"73000d": MaxDuration, "1h30m": 90 * time.Minute, "30s": 30 * time.Second,
	} {
		d, err := ParseDuration(s)
		if err != nil || d.D != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", s, d.D, err, want)
		}
	}
	// Each of these once overflowed into a short or negative validity, or
	// was taken as a number it is not.
	for _, s := range []string{"201y", "300y", "587y", "999999y", "73001d", "9223372036854775807d", "-5y", "0y", "+5y",
		"5 y", "y", "d", "", "0h", "-1h", "2562048h", "1e3y", "0x10y", "5yy"} {
		if d, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", s, d.D)
		}
	}
}

// FuzzParseDuration: whatever it accepts is within its bounds and reads
// back the same after String.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"25y", "90d", "36h", "90m", "587y", "1h30m", "-1y", "", "9223372036854775807d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d.D <= 0 || d.D > MaxDuration {
			t.Fatalf("ParseDuration(%q) = %v, out of bounds", s, d.D)
		}
		back, err := ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDuration(%q) = %v; String %q reads back as %v, %v", s, d.D, d.String(), back.D, err)
		}
	})
}

func TestCheckDNSNames(t *testing.T) {
	for _, ok := range [][]string{nil, {"example.com"}, {"*.example.com", "a-b.example", "xn--e1afmkfd.example", "localhost"}} {
		if err := checkDNSNames(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"é.example", "a b", "", "-a.example", "a-.example", "a..b", "*.", "a.*.b", "x\n.example",
		string(make([]byte, 254)), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example"} {
		if err := checkDNSNames([]string{bad}); err == nil {
			t.Errorf("%q was taken", bad)
		}
	}
	if err := checkDNSNames(make([]string, maxDNSNames+1)); err == nil {
		t.Error("too many names were taken")
	}
}

// TestProfileRefusedUsages: a profile giving keypair certificates the
// usages of the CA's OCSP responder or TSA, or an authentication usage, is
// refused (400); one stored before that refusal issues nothing (409).
func TestProfileRefusedUsages(t *testing.T) {
	for _, u := range []string{"OCSPSigning", "1.3.6.1.5.5.7.3.9", "timeStamping", "2.5.29.37.0", "serverAuth", "clientAuth", "1.3.6.1.5.5.7.3.2"} {
		p := &CertProfile{Name: "p", Subject: map[string]string{"CN": "${alias}"}, Validity: Duration{Year}, ExtKeyUsages: []string{"emailProtection", u}}
		if err := p.Normalize(); !isErr(err, http.StatusBadRequest, "forbidden_ext_key_usage") {
			t.Errorf("%s: Normalize = %v", u, err)
		}
		if _, err := p.template(Vars{Alias: "k"}, revocationURLs{}); !isErr(err, http.StatusConflict, "forbidden_ext_key_usage") {
			t.Errorf("%s: a stored profile made a template: %v", u, err)
		}
	}
	p := &CertProfile{Name: "p", Subject: map[string]string{"CN": "${alias}"}, Validity: Duration{Year},
		ExtKeyUsages: []string{"emailProtection", "1.3.6.1.4.1.311.10.3.13", "1.3.6.1.5.5.7.3.3"}}
	if err := p.Normalize(); err != nil {
		t.Fatal(err)
	}
	tmpl, err := p.template(Vars{Alias: "k"}, revocationURLs{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpl.ExtKeyUsage) != 2 || len(tmpl.UnknownExtKeyUsage) != 1 {
		t.Errorf("EKUs %v and %v, want codeSigning, emailProtection and one OID", tmpl.ExtKeyUsage, tmpl.UnknownExtKeyUsage)
	}
}

// isErr reports whether err is an API error of that status and code.
func isErr(err error, status int, code string) bool {
	e := (*errs.Error)(nil)
	return errors.As(err, &e) && e.Status == status && e.Code == code
}
