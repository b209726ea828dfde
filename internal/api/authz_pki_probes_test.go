package api_test

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/pki"
)

// The probes of certificates, profiles and CAs (authz_probes_test.go has
// the others).

// certificate has the Lead issue a certificate for the shared keypair of
// acc; it returns its id. Only the shared one is the default: the probes
// that make certificates leave the default alone.
func (f *fixture) certificate(t *testing.T, acc string, isDefault bool) string {
	var c certOut
	f.env.MustDo(t, f.env.Lead, "POST", "/api/v1/keypairs/"+f.kp[acc]+"/certificates", map[string]any{"default": isDefault}, 201).JSON(t, &c)
	return c.ID
}

// onKeypair acts on the shared keypair of the access column.
func onKeypair(method, suffix string, body any) probeFunc {
	return func(_ *testing.T, f *fixture, p probe) (string, string, any) {
		return method, "/api/v1/keypairs/" + f.kp[p.acc] + suffix, body
	}
}

// onCertificate acts on the shared certificate of the access column's keypair.
func onCertificate(method, suffix string, body any) probeFunc {
	return func(_ *testing.T, f *fixture, p probe) (string, string, any) {
		return method, "/api/v1/certificates/" + f.cert[p.acc] + suffix, body
	}
}

// importCertProbe imports a new certificate from the external CA for the
// shared keypair's key.
func importCertProbe(t *testing.T, f *fixture, p probe) (string, string, any) {
	tmpl := pki.Template{Subject: f.ext.Cert.Subject, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, Validity: time.Hour}
	tmpl.Subject.CommonName = f.name("imported")
	leaf, err := f.ext.Issue(tmpl, f.pub[p.acc], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return "POST", "/api/v1/keypairs/" + f.kp[p.acc] + "/certificates/import", map[string]any{"default": false,
		"certificate_pem": string(pki.EncodeCertificatesPEM(leaf)), "chain_pem": string(pki.EncodeCertificatesPEM(f.ext.IssuerChain()...))}
}

// revokeCertificateProbe revokes a fresh certificate of the shared keypair.
func revokeCertificateProbe(t *testing.T, f *fixture, p probe) (string, string, any) {
	id := f.cert[p.acc]
	if p.fresh {
		id = f.certificate(t, p.acc, false)
	}
	return "POST", "/api/v1/certificates/" + id + "/revoke", map[string]any{"reason": "superseded"}
}

// profileBody is a profile of kind (certificate or keypair) in the team of
// a profile column ("account": none).
func profileBody(kind, name, acc string) map[string]any {
	team := acc
	if acc == "account" {
		team = ""
	}
	if kind == "keypair" {
		return map[string]any{"name": name, "team": team, "fields": map[string]any{"algorithm": map[string]any{"value": "ecdsa"}}}
	}
	return map[string]any{"name": name, "team": team, "validity": "1y", "subject": map[string]string{"CN": "${alias}"}}
}

// profiles has the Lead make a certificate and a keypair profile of one
// name in the team of a profile column; it returns the name.
func (f *fixture) profiles(t *testing.T, acc string) string {
	name := f.name("profile-" + acc)
	for _, kind := range []string{"certificate", "keypair"} {
		f.env.MustDo(t, f.env.Lead, "POST", "/api/v1/"+kind+"-profiles", profileBody(kind, name, acc), 201)
	}
	return name
}

// freshProfile is a new profile of kind in the column's team (when the
// probe is fresh).
func (f *fixture) freshProfile(t *testing.T, p probe, kind string) string {
	name := f.name("profile-" + p.acc)
	if p.fresh {
		f.env.MustDo(t, f.env.Lead, "POST", "/api/v1/"+kind+"-profiles", profileBody(kind, name, p.acc), 201)
	}
	return name
}

func describeProfile(kind string) probeFunc {
	return func(_ *testing.T, f *fixture, p probe) (string, string, any) {
		return "GET", "/api/v1/" + kind + "-profiles/" + f.prof[p.acc], nil
	}
}

func createProfile(kind string) probeFunc {
	return func(_ *testing.T, f *fixture, p probe) (string, string, any) {
		return "POST", "/api/v1/" + kind + "-profiles", profileBody(kind, f.name("new-profile"), p.acc)
	}
}

func replaceProfile(kind string) probeFunc {
	return func(t *testing.T, f *fixture, p probe) (string, string, any) {
		name := f.freshProfile(t, p, kind)
		body := profileBody(kind, name, p.acc)
		body["description"] = "replaced"
		return "PUT", "/api/v1/" + kind + "-profiles/" + name, body
	}
}

func deleteProfile(kind string) probeFunc {
	return func(t *testing.T, f *fixture, p probe) (string, string, any) {
		return "DELETE", "/api/v1/" + kind + "-profiles/" + f.freshProfile(t, p, kind), nil
	}
}

// putProfileSettingsProbe sets what is set already: other cells generate
// keypairs without a profile meanwhile.
func putProfileSettingsProbe(*testing.T, *fixture, probe) (string, string, any) {
	return "PUT", "/api/v1/settings/profiles", map[string]any{"require_keypair_profile": false}
}

func createCAProbe(_ *testing.T, f *fixture, _ probe) (string, string, any) {
	return "POST", "/api/v1/ca", map[string]any{"name": f.name("ca"), "common_name": "Table CA", "validity": "1y"}
}
