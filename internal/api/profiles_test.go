package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/server/servertest"
)

// TestCertificateProfiles creates profiles within and beyond the validity
// limits, issues a 25-year certificate (private trust, as for Android)
// with the EKUs a profile lists, and issues under another CA.
func TestCertificateProfiles(t *testing.T) {
	env := servertest.Start(t)
	d := newWorkDir(t)
	android := map[string]any{"name": "android", "category": "production", "validity": "25y",
		"subject":        map[string]string{"CN": "${alias}", "O": "Example Apps", "C": "US", "OU": "Mobile"},
		"ext_key_usages": []string{"emailProtection", "1.3.6.1.4.1.311.10.3.13"}, "key_usages": []string{"contentCommitment"}}
	env.MustDo(t, env.Lead, "POST", "/api/v1/certificate-profiles", android, 201)
	for name, body := range map[string]map[string]any{
		"26 years":      {"name": "long", "validity": "26y", "subject": map[string]string{"CN": "x"}},
		"8 day test":    {"name": "t8", "category": "test", "validity": "8d", "subject": map[string]string{"CN": "x"}},
		"bad variable":  {"name": "v", "validity": "1y", "subject": map[string]string{"CN": "${password}"}},
		"bad attribute": {"name": "v", "validity": "1y", "subject": map[string]string{"UID": "x"}},
		"bad EKU":       {"name": "v", "validity": "1y", "subject": map[string]string{"CN": "x"}, "ext_key_usages": []string{"anything"}},
	} {
		if r := env.Do(t, env.Lead, "POST", "/api/v1/certificate-profiles", body); r.Status != 400 {
			t.Errorf("%s: %s", name, r)
		}
	}
	env.MustDo(t, env.Lead, "POST", "/api/v1/certificate-profiles",
		map[string]any{"name": "week", "category": "test", "validity": "7d", "subject": map[string]string{"CN": "${alias}"}}, 201)
	if r := env.Do(t, env.Lead, "POST", "/api/v1/certificate-profiles", android); r.Code() != "profile_exists" {
		t.Errorf("duplicate profile: %s", r)
	}

	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "app", "algorithm": "rsa", "key_size": 2048,
		"generate_cert": true, "cert_profile": "android"}, 201)
	var kp certKeypair
	env.MustDo(t, env.Lead, "GET", "/api/v1/keypairs/app", nil, 200).JSON(t, &kp)
	f := certFiles(t, env, d, kp)
	if out := d.must(t, "openssl", "verify", "-CAfile", f.root, "-untrusted", f.chain, f.leaf); !strings.Contains(out, "OK") {
		t.Fatal(out)
	}
	ext := d.must(t, "openssl", "x509", "-in", f.leaf, "-noout", "-subject", "-ext", "keyUsage,extendedKeyUsage")
	for _, want := range []string{"C = US, O = Example Apps, OU = Mobile, CN = app", "Digital Signature, Non Repudiation",
		"Code Signing, E-mail Protection, 1.3.6.1.4.1.311.10.3.13"} {
		if !strings.Contains(ext, want) {
			t.Errorf("certificate lacks %q:\n%s", want, ext)
		}
	}
	leaf := parsePEM(t, kp.CertificatePEM)
	if life := leaf.NotAfter.Sub(leaf.NotBefore); life < 25*ca.Year || life > 25*ca.Year+2*time.Minute {
		t.Errorf("validity %v, want 25 years", life)
	}

	// A production keypair may not use a test profile, nor the reverse.
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "t1", "algorithm": "ecdsa", "category": "test"}, 201)
	if r := env.Do(t, env.Lead, "POST", "/api/v1/keypairs/t1/certificates", map[string]any{"profile": "android"}); r.Code() != "profile_category_mismatch" {
		t.Errorf("test keypair, production profile: %s", r)
	}
	var weekly certOut
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/t1/certificates", map[string]any{"profile": "week"}, 201).JSON(t, &weekly)
	if c := parsePEM(t, weekly.CertificatePEM); c.NotAfter.Sub(c.NotBefore) > 7*24*time.Hour+2*time.Minute {
		t.Errorf("test certificate lives %v", c.NotAfter.Sub(c.NotBefore))
	}

	// Another issuing CA: it has its own CRL, and a profile longer than its life is refused.
	var short struct {
		CRLURL string `json:"crl_url"`
	}
	env.MustDo(t, env.Lead, "POST", "/api/v1/ca", map[string]any{"name": "short", "common_name": "Short CA", "validity": "2y"}, 201).JSON(t, &short)
	env.MustDo(t, env.Lead, "POST", "/api/v1/certificate-profiles", map[string]any{"name": "three", "validity": "3y",
		"subject": map[string]string{"CN": "${alias}"}, "issuer": "short"}, 201)
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "p2", "algorithm": "ecdsa"}, 201)
	if r := env.Do(t, env.Lead, "POST", "/api/v1/keypairs/p2/certificates", map[string]any{"profile": "three"}); r.Code() != "validity_exceeds_issuer" {
		t.Errorf("3 years under a 2-year CA: %s", r)
	}
	env.MustDo(t, env.Lead, "PUT", "/api/v1/certificate-profiles/three", map[string]any{"validity": "1y",
		"subject": map[string]string{"CN": "${alias}"}, "issuer": "short"}, 200)
	var c certOut
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/p2/certificates", map[string]any{"profile": "three"}, 201).JSON(t, &c)
	leafShort := d.write(t, "short-leaf.pem", []byte(c.CertificatePEM))
	if out := d.must(t, "openssl", "verify", "-CAfile", f.root, "-untrusted", d.write(t, "short-chain.pem", []byte(c.ChainPEM)), leafShort); !strings.Contains(out, "OK") {
		t.Errorf("a certificate of the second CA: %s", out)
	}
	if !strings.Contains(d.must(t, "openssl", "x509", "-in", leafShort, "-noout", "-ext", "crlDistributionPoints"), "/crl/short.crl") {
		t.Error("the second CA's certificates do not point to its CRL")
	}
	fetch(t, env, short.CRLURL)
	if r := env.Do(t, env.Lead, "POST", "/api/v1/ca", map[string]any{"name": "short", "common_name": "Again"}); r.Code() != "ca_exists" {
		t.Errorf("a second CA named short: %s", r)
	}
}

// TestKeypairProfiles generates keypairs through a profile: fixed fields
// hold, defaults may be changed, the certificate comes with the keypair,
// a test keypair's life is bounded, and the account may require profiles.
func TestKeypairProfiles(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		dev := env.NewUser(t, "dev", "developer")
		prof := map[string]any{"name": "qa", "expires_after": "5d", "fields": map[string]any{
			"category":      map[string]any{"value": "test", "fixed": true},
			"algorithm":     map[string]any{"value": "rsa", "fixed": true},
			"key_size":      map[string]any{"value": 3072},
			"generate_cert": map[string]any{"value": true},
		}}
		if r := env.Do(t, dev, "POST", "/api/v1/keypair-profiles", prof); r.Status != 403 {
			t.Errorf("a developer created a profile: %s", r)
		}
		env.MustDo(t, env.Lead, "POST", "/api/v1/keypair-profiles", prof, 201)
		env.MustDo(t, dev, "GET", "/api/v1/keypair-profiles/qa", nil, 200)
		if r := env.Do(t, env.Lead, "POST", "/api/v1/keypair-profiles", map[string]any{"name": "bad", "fields": map[string]any{"alias": map[string]any{"value": "x"}}}); r.Code() != "invalid_field" {
			t.Errorf("a profile fixing the alias: %s", r)
		}
		if r := env.Do(t, env.Lead, "POST", "/api/v1/keypair-profiles", map[string]any{"name": "long", "expires_after": "31d",
			"fields": map[string]any{"category": map[string]any{"value": "test", "fixed": true}}}); r.Code() != "invalid_expires_after" {
			t.Errorf("a 31-day test keypair profile: %s", r)
		}

		var kp struct {
			certKeypair
			Category  string `json:"category"`
			Profile   string `json:"profile"`
			Algorithm struct {
				Type string `json:"type"`
				Bits int    `json:"bits"`
			} `json:"algorithm"`
			CreatedAt time.Time `json:"created_at"`
		}
		env.MustDo(t, dev, "POST", "/api/v1/keypairs", map[string]any{"alias": "qa-1", "profile": "qa", "key_size": 2048}, 201).JSON(t, &kp)
		if kp.Category != "test" || kp.Algorithm.Type != "rsa" || kp.Algorithm.Bits != 2048 || kp.Profile != "qa" {
			t.Errorf("keypair from the profile: %+v", kp)
		}
		if kp.CertificatePEM == "" || parsePEM(t, kp.CertificatePEM).NotAfter.Sub(parsePEM(t, kp.CertificatePEM).NotBefore) > 7*24*time.Hour+2*time.Minute {
			t.Errorf("no 7-day test certificate with the keypair")
		}
		if kp.ExpiresAt == nil || !kp.ExpiresAt.Equal(kp.CreatedAt.Add(5*24*time.Hour)) {
			t.Errorf("expires_at %v, want 5 days after %v", kp.ExpiresAt, kp.CreatedAt)
		}
		if r := env.Do(t, dev, "POST", "/api/v1/keypairs", map[string]any{"alias": "qa-2", "profile": "qa", "algorithm": "ecdsa"}); r.Code() != "profile_field_fixed" {
			t.Errorf("overriding a fixed field: %s", r)
		}
		if r := env.Do(t, dev, "POST", "/api/v1/keypairs", map[string]any{"alias": "qa-3", "profile": "nope", "algorithm": "ecdsa"}); r.Code() != "keypair_profile_not_found" {
			t.Errorf("an unknown profile: %s", r)
		}
		// A test keypair made without a profile still lives 30 days at most.
		var plain certKeypair
		env.MustDo(t, dev, "POST", "/api/v1/keypairs", map[string]any{"alias": "t-plain", "algorithm": "ecdsa", "category": "test"}, 201).JSON(t, &plain)
		if plain.ExpiresAt == nil {
			t.Error("a test keypair without expiry")
		}

		if r := env.Do(t, dev, "PUT", "/api/v1/settings/profiles", map[string]any{"require_keypair_profile": true}); r.Status != 403 {
			t.Errorf("a developer changed the settings: %s", r)
		}
		env.MustDo(t, env.Lead, "PUT", "/api/v1/settings/profiles", map[string]any{"require_keypair_profile": true}, 200)
		if r := env.Do(t, dev, "POST", "/api/v1/keypairs", map[string]any{"alias": "free", "algorithm": "ecdsa"}); r.Code() != "profile_required" {
			t.Errorf("no profile while one is required: %s", r)
		}
		env.MustDo(t, dev, "POST", "/api/v1/keypairs", map[string]any{"alias": "qa-4", "profile": "qa"}, 201)
	})
}

// TestCertificateProfileRefusedUsages: a certificate profile may not give
// keypair certificates the EKUs of the CA's own OCSP responder or TSA
// (with them a keypair's certificate answered OCSP for every certificate
// of its CA), anyExtendedKeyUsage or TLS authentication, by name or by
// OID; a profile stored before that rule issues nothing until corrected.
func TestCertificateProfileRefusedUsages(t *testing.T) {
	env := servertest.Start(t)
	for _, u := range []string{"OCSPSigning", "1.3.6.1.5.5.7.3.9", "timeStamping", "2.5.29.37.0", "serverAuth", "clientAuth"} {
		body := map[string]any{"name": "bad", "validity": "1y", "subject": map[string]string{"CN": "${alias}"}, "ext_key_usages": []string{u}}
		if r := env.Do(t, env.Lead, "POST", "/api/v1/certificate-profiles", body); r.Status != 400 || r.Code() != "forbidden_ext_key_usage" {
			t.Errorf("create with %s: %s", u, r)
		}
	}
	env.MustDo(t, env.Lead, "POST", "/api/v1/certificate-profiles", map[string]any{"name": "legacy", "validity": "1y",
		"subject": map[string]string{"CN": "${alias}"}, "ext_key_usages": []string{"emailProtection"}}, 201)
	if r := env.Do(t, env.Lead, "PUT", "/api/v1/certificate-profiles/legacy", map[string]any{"name": "legacy", "validity": "1y",
		"subject": map[string]string{"CN": "${alias}"}, "ext_key_usages": []string{"OCSPSigning"}}); r.Code() != "forbidden_ext_key_usage" {
		t.Errorf("update with OCSPSigning: %s", r)
	}

	// A profile stored by an earlier version, with OCSPSigning.
	ctx := context.Background()
	legacy := &ca.CertProfile{Name: "legacy", Category: ca.CategoryProduction, Subject: map[string]string{"CN": "${alias}"},
		Validity: ca.Duration{D: ca.Year}, Issuer: ca.IssuingName, KeyUsages: []string{}, ExtKeyUsages: []string{"OCSPSigning"},
		CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	if err := env.Store.PutCertProfile(ctx, legacy, false, nil); err != nil {
		t.Fatal(err)
	}
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "k", "algorithm": "ecdsa"}, 201)
	if r := env.Do(t, env.Lead, "POST", "/api/v1/keypairs/k/certificates", map[string]any{"profile": "legacy"}); r.Status != 409 || r.Code() != "forbidden_ext_key_usage" {
		t.Errorf("issue under the stored profile: %s", r)
	}
	if r := env.Do(t, env.Lead, "POST", "/api/v1/keypairs", map[string]any{"alias": "k2", "algorithm": "ecdsa",
		"generate_cert": true, "cert_profile": "legacy"}); r.Status != 409 || r.Code() != "forbidden_ext_key_usage" {
		t.Errorf("generate with a certificate under the stored profile: %s", r)
	}
	if r := env.Do(t, env.Lead, "GET", "/api/v1/keypairs/k2", nil); r.Status != 404 {
		t.Errorf("the keypair was made although its certificate was refused: %s", r)
	}
	// Corrected, it issues again.
	env.MustDo(t, env.Lead, "PUT", "/api/v1/certificate-profiles/legacy", map[string]any{"name": "legacy", "validity": "1y",
		"subject": map[string]string{"CN": "${alias}"}, "ext_key_usages": []string{}}, 200)
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/k/certificates", map[string]any{"profile": "legacy"}, 201)
}
