package server

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
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
	CA        ca.Config
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
}

func newPKI(o Options, kps *keypair.Service, g *guard.Guard) *pkiParts {
	p := &pkiParts{}
	if u := strings.TrimSuffix(o.PKI.PublicURL, "/"); u != "" {
		p.base.Store(&u)
	}
	p.ca = &ca.Service{Store: o.Store, Profiles: o.Store, Keypairs: kps, Backends: o.Backends, Guard: g,
		BaseURL: p.baseURL, Config: o.PKI.CA, Log: o.Log}
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
// configured, and makes (or loads) the CA hierarchy.
func (s *Server) listening(addr net.Addr) {
	if s.pki.base.Load() == nil {
		u := "https://" + addr.String()
		s.pki.base.CompareAndSwap(nil, &u)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.pki.ca.Ensure(ctx); err != nil {
		// The CA endpoints retry on their next use.
		s.opts.Log.Error("private CA", "err", err)
	}
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
