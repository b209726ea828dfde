package ca

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

// CSRRequest asks for a certificate signing request for a keypair's key,
// to send to an external CA. Subject uses the attributes and variables of
// a profile's subject template; by default it is the named certificate
// profile's (or the keypair category's default profile's) subject.
type CSRRequest struct {
	Subject  map[string]string `json:"subject,omitempty"`
	Profile  string            `json:"profile,omitempty"`
	DNSNames []string          `json:"dns_names,omitempty"`
}

// CSR makes a PKCS#10 request signed with the keypair's key (in its
// backend) and returns it as PEM.
func (s *Service) CSR(ctx context.Context, p policy.Principal, ref string, r CSRRequest) ([]byte, error) {
	kp, err := s.getKeypair(ctx, ref)
	if err != nil {
		return nil, err
	}
	t := certTarget("CSR", kp)
	// The keypair's key signs the request: both factors, as for signing.
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.CertGenerate, Keypair: kp.Facts(), UsesKey: true}, t); err != nil {
		return nil, err
	}
	if kp.State != keypair.StateActive {
		return nil, errs.Conflict("keypair_"+kp.State, "keypair %s is %s", kp.Alias, kp.State)
	}
	if err := checkDNSNames(r.DNSNames); err != nil {
		return nil, err
	}
	tmpl := &CertProfile{Name: "csr", Subject: r.Subject}
	if len(r.Subject) == 0 {
		if tmpl, err = s.usableCertProfile(ctx, p, t, r.Profile, kp.Category, kp.Team); err != nil {
			return nil, err
		}
	} else if err := (&CertProfile{Name: "csr", Subject: r.Subject, Validity: Duration{Day}}).Normalize(); err != nil {
		return nil, err
	}
	subj, err := tmpl.subject(Vars{Alias: kp.Alias, KeypairID: kp.ID, Team: kp.Team, Category: kp.Category, User: p.Name})
	if err != nil {
		return nil, err
	}
	signer, err := s.keypairSigner(ctx, kp)
	if err != nil {
		return nil, err
	}
	csr, err := pki.CreateCSR(subj, r.DNSNames, signer)
	if err != nil {
		return nil, errs.Wrap(err, http.StatusBadGateway, "key_backend_error", "the %s key backend could not sign the CSR of %s", kp.Storage, kp.Alias)
	}
	ev := s.Guard.Event(ctx, p, t, audit.Allowed, "")
	ev.Details = map[string]string{"subject": subj.String(), "generation": strconv.Itoa(kp.Generation)}
	if err := s.Guard.Journal.Commit(ctx, journal.Entry{Events: []*audit.Event{ev}}); err != nil {
		return nil, errs.Wrap(err, http.StatusServiceUnavailable, "audit_unavailable", "CSR withheld: the audit log cannot be written")
	}
	return csr, nil
}

// maxDNSNames bounds the names of one CSR.
const maxDNSNames = 100

// dnsLabel is one label of a host name (RFC 1123), ASCII only: an
// internationalised name goes in its A-label form (xn--...).
var dnsLabel = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// checkDNSNames refuses names a CA would refuse (or that Go's x509 cannot
// encode) before the key signs anything; a leading "*." is a wildcard.
func checkDNSNames(names []string) error {
	if len(names) > maxDNSNames {
		return errs.BadRequest("invalid_dns_name", "at most %d dns_names, got %d", maxDNSNames, len(names))
	}
	for _, n := range names {
		host := strings.TrimPrefix(n, "*.")
		ok := len(n) <= 253 && host != ""
		for _, l := range strings.Split(host, ".") {
			ok = ok && dnsLabel.MatchString(l)
		}
		if !ok {
			return errs.BadRequest("invalid_dns_name", "%q is not a DNS name (letters, digits and hyphens in dot-separated labels; an internationalised name in its xn-- form)", n)
		}
	}
	return nil
}

// keypairSigner opens a keypair's key in its backend.
func (s *Service) keypairSigner(ctx context.Context, kp *keypair.Keypair) (crypto.Signer, error) {
	km, ok := s.Keypairs.Backends[kp.Storage]
	if !ok {
		return nil, errs.Unavailable("storage_unavailable", "storage %q of keypair %s is not configured on this server", kp.Storage, kp.Alias)
	}
	// A disk key is sealed to its keypair id: the handle must name it.
	if kp.Handle.Backend == "disk" && kp.Handle.URI != "disk:"+kp.ID {
		return nil, errs.New(http.StatusInternalServerError, "key_handle_mismatch", "the key of keypair %s does not belong to it", kp.Alias)
	}
	signer, err := km.Signer(ctx, kp.Handle)
	if err != nil {
		return nil, errs.Wrap(err, http.StatusBadGateway, "key_backend_error", "the %s key backend cannot use the key of %s", kp.Storage, kp.Alias)
	}
	return signer, nil
}

// ImportRequest brings in a certificate an external CA issued for a
// keypair's key, with the chain above it (issuer first, root last).
type ImportRequest struct {
	CertificatePEM string `json:"certificate_pem"`
	ChainPEM       string `json:"chain_pem,omitempty"`
	Default        *bool  `json:"default,omitempty"` // default true
}

// Import records an external certificate for a keypair after checking that
// it certifies the keypair's current key and that the chain links up.
func (s *Service) Import(ctx context.Context, p policy.Principal, ref string, r ImportRequest) (*Certificate, error) {
	kp, err := s.getKeypair(ctx, ref)
	if err != nil {
		return nil, err
	}
	t := certTarget("Import", kp)
	if err := s.Guard.Check(ctx, p, policy.Request{Action: policy.CertGenerate, Keypair: kp.Facts()}, t); err != nil {
		return nil, err
	}
	certs, err := pki.ParseCertificatesPEM([]byte(r.CertificatePEM))
	if err != nil {
		return nil, errs.BadRequest("invalid_certificate", "certificate_pem: %v", err)
	}
	leaf, chain := certs[0], certs[1:]
	if r.ChainPEM != "" {
		more, err := pki.ParseCertificatesPEM([]byte(r.ChainPEM))
		if err != nil {
			return nil, errs.BadRequest("invalid_chain", "chain_pem: %v", err)
		}
		chain = append(chain, more...)
	}
	pub, err := x509.ParsePKIXPublicKey(kp.PublicKey)
	if err != nil {
		return nil, errs.Internal(err)
	}
	if !pki.MatchPublicKey(pub, leaf) {
		return nil, errs.BadRequest("certificate_key_mismatch",
			"the certificate (%s) certifies another public key than keypair %s's (generation %d): import the certificate issued for this keypair's CSR",
			leaf.Subject, kp.Alias, kp.Generation)
	}
	if err := pki.CheckChain(leaf, chain); err != nil {
		return nil, errs.BadRequest("invalid_chain", "%v", err)
	}
	now := s.now()
	if !leaf.NotAfter.After(now) {
		return nil, errs.BadRequest("certificate_expired", "the certificate expired on %s", leaf.NotAfter.UTC().Format("2006-01-02"))
	}
	c := &Certificate{ID: uuid.Must(uuid.NewV7()).String(), KeypairID: kp.ID, Generation: kp.Generation,
		Serial: serialHex(leaf), Fingerprint: pki.Fingerprint(leaf), Subject: leaf.Subject.String(), Issuer: leaf.Issuer.String(),
		NotBefore: leaf.NotBefore, NotAfter: leaf.NotAfter, Source: SourceImported, DER: leaf.Raw, Chain: concat(chain),
		Default: r.Default == nil || *r.Default, CreatedBy: p.UserID, CreatedAt: now}
	ev := s.Guard.Event(ctx, p, t, audit.Allowed, "")
	ev.Details = map[string]string{"certificate_id": c.ID, "serial": c.Serial, "issuer": c.Issuer}
	if err := s.Store.CreateCertificate(ctx, c, ev); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, errs.Conflict("certificate_exists", "this certificate is imported already")
		}
		return nil, errs.Internal(err)
	}
	return c, nil
}
