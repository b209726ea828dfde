package pki

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"strings"
	"testing"
	"time"
)

func TestHierarchy(t *testing.T) {
	h := newHierarchy(t)
	root, inter := h.root.Cert, h.inter.Cert

	if !root.IsCA || root.MaxPathLen != -1 || root.CheckSignatureFrom(root) != nil {
		t.Errorf("root: IsCA=%v MaxPathLen=%d, want a self-signed CA without path limit", root.IsCA, root.MaxPathLen)
	}
	if !inter.IsCA || inter.MaxPathLen != 0 || !inter.MaxPathLenZero {
		t.Errorf("intermediate: IsCA=%v MaxPathLen=%d, want a CA with path length 0", inter.IsCA, inter.MaxPathLen)
	}
	if err := inter.CheckSignatureFrom(root); err != nil {
		t.Errorf("intermediate not signed by root: %v", err)
	}
	if !bytes.Equal(inter.AuthorityKeyId, root.SubjectKeyId) || len(root.SubjectKeyId) == 0 {
		t.Error("intermediate's authority key id does not name the root's key")
	}
	if len(h.inter.Chain) != 1 || h.inter.Chain[0] != root || h.inter.Root() != root || h.root.Root() != root {
		t.Error("intermediate chain is not [root]")
	}
	if got := h.inter.IssuerChain(); len(got) != 2 || got[0] != inter || got[1] != root {
		t.Error("IssuerChain is not [intermediate, root]")
	}
	if !inter.NotBefore.Equal(h.now.Add(-Backdate).Truncate(time.Second)) {
		t.Errorf("NotBefore = %v, want now less Backdate", inter.NotBefore)
	}
}

func TestIssueChainVerifies(t *testing.T) {
	h := newHierarchy(t)
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(h.root.Cert)
	inters.AddCert(h.inter.Cert)

	cases := []struct {
		name string
		tmpl Template
		eku  x509.ExtKeyUsage
		host string
	}{
		{"server dns", ServerTemplate([]string{"signet.example", "localhost"}, time.Hour), x509.ExtKeyUsageServerAuth, "localhost"},
		{"server ip", ServerTemplate([]string{"127.0.0.1", "[::1]"}, time.Hour), x509.ExtKeyUsageServerAuth, "::1"},
		{"client", ClientTemplate("u-42", "Ada", time.Hour), x509.ExtKeyUsageClientAuth, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cert := h.issue(t, c.tmpl, newKey(t, "ecdsa"))
			_, err := cert.Verify(x509.VerifyOptions{
				DNSName: c.host, Roots: roots, Intermediates: inters,
				CurrentTime: h.now, KeyUsages: []x509.ExtKeyUsage{c.eku},
			})
			if err != nil {
				t.Fatal(err)
			}
			if cert.IsCA {
				t.Error("leaf certificate is a CA")
			}
			if len(cert.SubjectKeyId) != 20 || !bytes.Equal(cert.AuthorityKeyId, h.inter.Cert.SubjectKeyId) {
				t.Errorf("key identifiers: subject %x, authority %x", cert.SubjectKeyId, cert.AuthorityKeyId)
			}
		})
	}
}

func TestServerTemplateHosts(t *testing.T) {
	tmpl := ServerTemplate([]string{"signet.example", "127.0.0.1", "[::1]", "localhost"}, time.Hour)
	if strings.Join(tmpl.DNSNames, ",") != "signet.example,localhost" {
		t.Errorf("DNSNames = %v", tmpl.DNSNames)
	}
	want := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	if len(tmpl.IPAddresses) != 2 || !tmpl.IPAddresses[0].Equal(want[0]) || !tmpl.IPAddresses[1].Equal(want[1]) {
		t.Errorf("IPAddresses = %v", tmpl.IPAddresses)
	}
	if tmpl.Subject.CommonName != "signet.example" {
		t.Errorf("CommonName = %q", tmpl.Subject.CommonName)
	}
}

func TestUserID(t *testing.T) {
	h := newHierarchy(t)
	for _, id := range []string{"u-42", "0192f7e4-6c1a-7b7e-9d1f-3c0c6a1b2d3e", "odd id/with:chars%"} {
		cert := h.issue(t, ClientTemplate(id, "Ada Lovelace", time.Hour), newKey(t, "ecdsa"))
		got, err := UserID(cert)
		if err != nil || got != id {
			t.Errorf("UserID = %q, %v; want %q", got, err, id)
		}
		if cert.Subject.CommonName != "Ada Lovelace" {
			t.Errorf("CommonName = %q", cert.Subject.CommonName)
		}
	}
	server := h.issue(t, ServerTemplate([]string{"localhost"}, time.Hour), newKey(t, "ecdsa"))
	if _, err := UserID(server); err == nil {
		t.Error("UserID of a server certificate: want an error")
	}
	tampered := ClientTemplate("u-1", "Eve", time.Hour)
	tampered.Subject.ExtraNames[0].Value = "u-2"
	if _, err := UserID(h.issue(t, tampered, newKey(t, "ecdsa"))); err == nil {
		t.Error("UserID with a subject uid that differs from the URI: want an error")
	}
}

func TestIssueRejects(t *testing.T) {
	h := newHierarchy(t)
	key := newKey(t, "ecdsa")
	leaf := h.issue(t, ServerTemplate([]string{"localhost"}, time.Hour), key)
	cases := []struct {
		name string
		ca   *CA
		tmpl Template
		now  time.Time
	}{
		{"zero validity", h.inter, ServerTemplate([]string{"localhost"}, 0), h.now},
		{"no names", h.inter, Template{Validity: time.Hour}, h.now},
		{"empty user id", h.inter, ClientTemplate("", "Ada", time.Hour), h.now},
		{"beyond issuer", h.inter, ServerTemplate([]string{"localhost"}, 6*365*24*time.Hour), h.now},
		{"issuer expired", h.inter, ServerTemplate([]string{"localhost"}, time.Hour), h.now.Add(6 * 365 * 24 * time.Hour)},
		{"issuer not yet valid", h.inter, ServerTemplate([]string{"localhost"}, time.Hour), h.now.Add(-time.Hour)},
		{"leaf as issuer", &CA{Cert: leaf, Signer: key}, ServerTemplate([]string{"x"}, time.Minute), h.now},
		{"wrong signer", &CA{Cert: h.inter.Cert, Signer: key}, ServerTemplate([]string{"x"}, time.Minute), h.now},
		{"empty CA", &CA{}, ServerTemplate([]string{"x"}, time.Minute), h.now},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if cert, err := c.ca.Issue(c.tmpl, key.Public(), c.now); err == nil {
				t.Fatalf("Issue succeeded: %v", cert.Subject)
			}
		})
	}
	if _, err := h.inter.NewIntermediate(pkix.Name{CommonName: "too deep"}, key, time.Hour, h.now); err == nil {
		t.Error("an intermediate with path length 0 issued a CA certificate")
	}
}

func TestSerialsAndFingerprint(t *testing.T) {
	h := newHierarchy(t)
	key := newKey(t, "ecdsa")
	seen := map[string]bool{}
	for range 50 {
		c := h.issue(t, ServerTemplate([]string{"localhost"}, time.Hour), key)
		if c.SerialNumber.Sign() <= 0 || c.SerialNumber.BitLen() > 127 {
			t.Fatalf("serial %v out of range", c.SerialNumber)
		}
		if seen[c.SerialNumber.String()] {
			t.Fatalf("serial %v repeated", c.SerialNumber)
		}
		seen[c.SerialNumber.String()] = true
		sum := sha256.Sum256(c.Raw)
		if !bytes.Equal(Fingerprint(c), sum[:]) {
			t.Fatal("Fingerprint is not SHA-256 of DER")
		}
	}
}

func TestPathLenFits(t *testing.T) {
	cases := []struct {
		name          string
		issuerMax     int
		issuerMaxZero bool
		pathLen       int
		want          bool
	}{
		{"unlimited issuer, unlimited CA", -1, false, -1, true},
		{"unlimited issuer, limited CA", -1, false, 3, true},
		{"zero issuer", 0, true, 0, false},
		{"unset issuer (no limit)", 0, false, -1, true},
		{"issuer 1, CA 0", 1, false, 0, true},
		{"issuer 1, CA 1", 1, false, 1, false},
		{"issuer 1, unlimited CA", 1, false, -1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			issuer := &x509.Certificate{MaxPathLen: c.issuerMax, MaxPathLenZero: c.issuerMaxZero}
			if got := pathLenFits(issuer, c.pathLen); got != c.want {
				t.Errorf("pathLenFits = %v, want %v", got, c.want)
			}
		})
	}
	if _, err := NewRoot(pkix.Name{CommonName: "x"}, nil, time.Hour, time.Now()); err == nil {
		t.Error("NewRoot without a signer succeeded")
	}
}

// TestIssueRefusesInvalidChain: a CA whose issuer is not valid at the time
// of issue signs nothing, though its own certificate is.
func TestIssueRefusesInvalidChain(t *testing.T) {
	h := newHierarchy(t)
	expired, err := NewRoot(pkix.Name{CommonName: "Old Root"}, newKey(t, "ecdsa"), time.Hour, h.now.Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ca := &CA{Cert: h.inter.Cert, Signer: h.inter.Signer, Chain: []*x509.Certificate{expired.Cert}}
	tmpl := ClientTemplate("u-1", "leaf", time.Hour)
	if _, err := ca.Issue(tmpl, newKey(t, "ecdsa").Public(), h.now); err == nil || !strings.Contains(err.Error(), "Old Root") {
		t.Errorf("issued under an expired issuer: %v", err)
	}
	if _, err := ca.CreateCRL(nil, 1, h.now, h.now.Add(time.Hour), time.Time{}); err == nil {
		t.Error("a CRL was signed under an expired issuer")
	}
	if _, err := h.inter.Issue(tmpl, newKey(t, "ecdsa").Public(), h.now); err != nil {
		t.Errorf("with its own chain: %v", err)
	}
}
