package server

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/signet-project/signet/internal/ca"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/tsa"
)

// PKIStore is what the private CA and the TSA need of the store.
type PKIStore interface {
	ca.Store
	ca.ProfileStore
	tsa.Store
}

// PKIOptions configure the private CA and the time-stamping authority.
type PKIOptions struct {
	// PublicURL is the https URL clients reach this server at, embedded
	// in certificates (CRL, OCSP and issuer URLs). Empty: https:// and the
	// listener's address.
	PublicURL string
	// RequirePublicURL refuses to make the CA hierarchy on first start
	// when PublicURL is empty and the listener's host is a wildcard
	// (0.0.0.0, ::): its certificates, the root's for 40 years, would name
	// https://[::]:PORT, which no client reaches; Serve then fails with
	// [ErrPublicURLRequired]. signetd serve sets it; signetd dev, whose
	// URL is the loopback listener's, does not.
	RequirePublicURL bool
	CA               ca.Config
	// TSAPolicy is the TSA's policy OID (default tsa.DefaultPolicy);
	// TSAAccuracy the accuracy its tokens claim (default 1s).
	TSAPolicy   asn1.ObjectIdentifier
	TSAAccuracy time.Duration
	// TimestampURLs are external TSAs that the signing API's time-stamps
	// go to, in order, with failover; empty: Signet's own TSA.
	TimestampURLs []string
	// TimestampRetries is how many more times each external TSA is tried
	// on a transient failure.
	TimestampRetries int
	// TimestampRoots, when set, are the CAs external TSAs' certificates
	// must chain to.
	TimestampRoots *x509.CertPool
}

// pkiLease names the lease under which one node runs the CA's jobs.
const pkiLease = "pki-jobs"

// pkiParts are the CA, the TSA and the signing API's time-stamper.
type pkiParts struct {
	ca      *ca.Service
	tsa     *tsa.Authority
	stamper *tsa.Stamper
	base    atomic.Pointer[string] // public URL, set by New or Serve
	// wildcard is the listener's address when it is a wildcard one that
	// the public URL was taken from, and that is refused.
	wildcard atomic.Pointer[string]
}

// ErrPublicURLRequired is Serve's error when the CA hierarchy would be
// made with the URLs of a wildcard listener (see
// [PKIOptions.RequirePublicURL]).
var ErrPublicURLRequired = errors.New("pki.public_url is required")

// bootstrappable refuses to make the CA hierarchy with a wildcard
// listener's URLs.
func (p *pkiParts) bootstrappable() error {
	if a := p.wildcard.Load(); a != nil {
		return fmt.Errorf("%w: signetd listens on %s, a wildcard address, and pki.public_url is not set, so the CA certificates made on "+
			"first start (the root's lives 40 years) would carry CRL, OCSP and issuer URLs under https://%s, which no client reaches; "+
			"set pki.public_url to the https URL clients and verifiers reach this server at (docs/configuration.md), "+
			"or listen on a specific address", ErrPublicURLRequired, *a, *a)
	}
	return nil
}

func newPKI(o Options, kps *keypair.Service, g *guard.Guard) *pkiParts {
	p := &pkiParts{}
	if u := strings.TrimSuffix(o.PKI.PublicURL, "/"); u != "" {
		p.base.Store(&u)
	}
	p.ca = &ca.Service{Store: o.Store, Profiles: o.Store, Keypairs: kps, Backends: o.Backends, Guard: g,
		BaseURL: p.baseURL, BeforeBootstrap: p.bootstrappable, Config: o.PKI.CA, Log: o.Log}
	p.tsa = &tsa.Authority{Identity: p.ca.TSAIdentity, Policy: o.PKI.TSAPolicy, Accuracy: o.PKI.TSAAccuracy,
		Now: o.Now, Log: o.Store, Logger: o.Log}
	p.stamper = &tsa.Stamper{Internal: p.tsa, InternalURL: func() string { return p.baseURL() + "/tsa" }}
	if len(o.PKI.TimestampURLs) > 0 {
		p.stamper.External = &tsa.Client{URLs: o.PKI.TimestampURLs, Retries: o.PKI.TimestampRetries, Roots: o.PKI.TimestampRoots}
	}
	kps.Hooks = p.ca
	return p
}

func (p *pkiParts) baseURL() string {
	if u := p.base.Load(); u != nil {
		return *u
	}
	return ""
}

// listening sets the public URL from the listener's address unless it was
// configured, and makes (or loads) the CA hierarchy. It fails only when
// the hierarchy would be made with a wildcard listener's URLs, which
// RequirePublicURL refuses.
func (s *Server) listening(addr net.Addr) error {
	if s.pki.base.Load() == nil {
		u := "https://" + addr.String()
		if s.pki.base.CompareAndSwap(nil, &u) && s.opts.PKI.RequirePublicURL && isWildcard(addr) {
			a := addr.String()
			s.pki.wildcard.Store(&a)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := s.pki.ca.Ensure(ctx)
	switch {
	case errors.Is(err, ErrPublicURLRequired):
		return err
	case err != nil:
		// The CA endpoints retry on their next use.
		s.opts.Log.Error("private CA", "err", err)
	case s.pki.wildcard.Load() != nil:
		s.opts.Log.Warn("pki.public_url is not set and signetd listens on a wildcard address: new certificates carry CRL, OCSP "+
			"and issuer URLs under "+s.pki.baseURL()+", which clients cannot reach; set pki.public_url", "listen", addr.String())
	}
	return nil
}

// isWildcard reports whether addr's host is unspecified (0.0.0.0 or ::).
func isWildcard(addr net.Addr) bool {
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "" || (ip != nil && ip.IsUnspecified())
}

// runPKIJobs publishes CRLs, renews certificates and expires test keypairs,
// on the node holding the lease. Each step is idempotent besides.
func (s *Server) runPKIJobs(ctx context.Context) {
	now := s.opts.Now()
	held, err := s.opts.Store.TryLease(ctx, pkiLease, s.node, now, now.Add(2*s.opts.JobEvery))
	if err != nil || !held {
		if err != nil {
			s.opts.Log.Error("PKI lease", "err", err)
		}
		return
	}
	rep, err := s.pki.ca.RunJobs(ctx)
	if err != nil && ctx.Err() == nil {
		s.opts.Log.Error("PKI jobs", "err", err)
	}
	if rep != (ca.JobReport{}) {
		s.opts.Log.Info("PKI jobs", "crls", rep.CRLs, "renewed", rep.Renewed, "expired", rep.Expired)
	}
}
