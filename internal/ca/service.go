package ca

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/sigalg"
	"github.com/signet-project/signet/internal/store"
)

// Config tunes the CA. Zero fields take the defaults.
type Config struct {
	// Organization is the O of the CA certificates and of the default
	// certificate profiles (default "Signet").
	Organization string
	// Storage is the key backend of new CA keys: hsm when it is
	// configured, else disk, unless set.
	Storage string
	// Algorithm of new CA keys (default ECDSA P-384).
	Algorithm keys.Algorithm
	// CRLLife is how long a CRL is valid (default 24 hours); CRLs are
	// regenerated after half of it, and on every revocation.
	CRLLife time.Duration
	// OCSPLife is the nextUpdate of OCSP answers (default 1 hour).
	OCSPLife time.Duration
	// RenewBefore is how long before expiry an auto-renewing certificate
	// is renewed (default 30 days; at most a third of its life).
	RenewBefore time.Duration
}

func (c *Config) defaults() {
	if c.Organization == "" {
		c.Organization = "Signet"
	}
	if c.Algorithm.Type == "" {
		c.Algorithm = keys.Algorithm{Type: sigalg.ECDSA, Curve: "P-384"}
	}
	if c.CRLLife <= 0 {
		c.CRLLife = 24 * time.Hour
	}
	if c.OCSPLife <= 0 {
		c.OCSPLife = time.Hour
	}
	if c.RenewBefore <= 0 {
		c.RenewBefore = 30 * Day
	}
}

// Service is the private CA.
type Service struct {
	Store    Store
	Profiles ProfileStore
	Keypairs *keypair.Service
	Backends map[string]keys.KeyManager // by storage name, as for keypairs
	Guard    *guard.Guard
	// BaseURL is the public https URL of this server, embedded in
	// certificates (CRL, OCSP and issuer URLs).
	BaseURL func() string
	// BeforeBootstrap, if set, is asked before the hierarchy is made on
	// first start; an error refuses to make it (and is returned as is),
	// e.g. when BaseURL is not one clients can reach.
	BeforeBootstrap func() error
	Config          Config
	Log             *slog.Logger

	mu sync.Mutex
	h  *hierarchy // nil until loaded

	reloadMu   sync.Mutex // held by the one reload under way
	lastReload time.Time  // when the last reload began; under reloadMu
}

// reloadEvery is the least time between two reloads that a lookup
// missing in the loaded hierarchy may start: anonymous requests name
// CAs and ask OCSP about any issuer, and each reload reads every
// authority.
const reloadEvery = 10 * time.Second

var _ keypair.Hooks = (*Service)(nil)

// hierarchy is the loaded authorities, with their signers.
type hierarchy struct {
	byName map[string]*loaded
	byID   map[string]*loaded
	list   []*loaded
}

// loaded is an authority ready to sign.
type loaded struct {
	*Authority
	ca *pki.CA // for the TSA: its certificate and signer, not a CA
}

func (s *Service) conf() Config {
	c := s.Config
	c.defaults()
	return c
}

func (s *Service) now() time.Time { return s.Guard.Now().UTC().Truncate(time.Microsecond) }

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// Ensure loads the hierarchy, creating it on first start.
func (s *Service) Ensure(ctx context.Context) error {
	_, err := s.hierarchy(ctx)
	return err
}

// hierarchy returns the loaded hierarchy, loading (and on first start
// creating) it.
func (s *Service) hierarchy(ctx context.Context) (*hierarchy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.h != nil {
		return s.h, nil
	}
	as, err := s.Store.ListAuthorities(ctx)
	if err != nil {
		return nil, errs.Wrap(err, http.StatusServiceUnavailable, "store_unavailable", "cannot read the CA hierarchy")
	}
	if len(as) == 0 {
		if err := s.bootstrap(ctx); err != nil {
			return nil, err
		}
		if as, err = s.Store.ListAuthorities(ctx); err != nil {
			return nil, errs.Wrap(err, http.StatusServiceUnavailable, "store_unavailable", "cannot read the CA hierarchy")
		}
	}
	h, err := s.load(ctx, as, nil)
	if err != nil {
		return nil, errs.Wrap(err, http.StatusServiceUnavailable, "ca_unavailable", "the CA keys cannot be used")
	}
	s.h = h
	return h, nil
}

// forget drops the loaded hierarchy, so that the next use reloads it.
func (s *Service) forget() {
	s.mu.Lock()
	s.h = nil
	s.mu.Unlock()
}

// reload reads the authorities again after a lookup missed in h, so that
// a CA another node made is found, and returns the hierarchy to look in
// again. One reload runs at a time: callers that missed meanwhile take its
// result. Unless force is set (the lookup comes from a stored record, not
// from a request), a reload starts at most once per reloadEvery, and
// otherwise h is returned as it is. Keys already open stay open.
func (s *Service) reload(ctx context.Context, h *hierarchy, force bool) (*hierarchy, error) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	s.mu.Lock()
	cur := s.h
	s.mu.Unlock()
	switch {
	case cur == nil:
		return s.hierarchy(ctx) // forgotten: loaded afresh
	case cur != h:
		return cur, nil // reloaded while this caller waited
	}
	now := s.now()
	if d := now.Sub(s.lastReload); !force && d >= 0 && d < reloadEvery {
		return h, nil
	}
	s.lastReload = now
	as, err := s.Store.ListAuthorities(ctx)
	if err != nil {
		return nil, errs.Wrap(err, http.StatusServiceUnavailable, "store_unavailable", "cannot read the CA hierarchy")
	}
	nh, err := s.load(ctx, as, h)
	if err != nil {
		return nil, errs.Wrap(err, http.StatusServiceUnavailable, "ca_unavailable", "the CA keys cannot be used")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.h {
	case h:
		s.h = nh
	case nil:
		// Forgotten meanwhile (this node made a CA, perhaps after the
		// list was read): nh serves this caller, the next use loads
		// afresh.
	default:
		return s.h, nil
	}
	return nh, nil
}

// load opens the authorities' keys and links each CA to its chain. The
// signers of prev (nil for none) are reused for authorities it holds
// with the same certificate and key.
func (s *Service) load(ctx context.Context, as []*Authority, prev *hierarchy) (*hierarchy, error) {
	h := &hierarchy{byName: map[string]*loaded{}, byID: map[string]*loaded{}}
	for _, a := range as {
		if p, ok := prev.get(a); ok {
			l := &loaded{Authority: a, ca: &pki.CA{Cert: p.ca.Cert, Signer: p.ca.Signer}}
			h.byName[a.Name], h.byID[a.ID] = l, l
			h.list = append(h.list, l)
			continue
		}
		cert, err := x509.ParseCertificate(a.Cert)
		if err != nil {
			return nil, fmt.Errorf("authority %s: %w", a.Name, err)
		}
		km, ok := s.Backends[a.Storage]
		if !ok {
			return nil, fmt.Errorf("authority %s: its key backend %q is not configured on this server", a.Name, a.Storage)
		}
		if a.Handle.Backend == "disk" && a.Handle.URI != "disk:"+keySpecID(a.ID) {
			return nil, fmt.Errorf("authority %s: its key handle belongs to another key", a.Name)
		}
		signer, err := km.Signer(ctx, a.Handle)
		if err != nil {
			return nil, fmt.Errorf("authority %s: %w", a.Name, err)
		}
		if !pki.MatchPublicKey(signer.Public(), cert) {
			return nil, fmt.Errorf("authority %s: its key does not match its certificate", a.Name)
		}
		l := &loaded{Authority: a, ca: &pki.CA{Cert: cert, Signer: signer}}
		h.byName[a.Name], h.byID[a.ID] = l, l
		h.list = append(h.list, l)
	}
	for _, l := range h.list {
		p := h.byID[l.ParentID]
		for depth := 0; p != nil && depth < 8; depth++ { // depth: no loop on a corrupt parent link
			l.ca.Chain = append(l.ca.Chain, p.ca.Cert)
			p = h.byID[p.ParentID]
		}
	}
	return h, nil
}

// get returns the authority of h loaded for a's certificate and key.
func (h *hierarchy) get(a *Authority) (*loaded, bool) {
	if h == nil {
		return nil, false
	}
	l, ok := h.byID[a.ID]
	if !ok || !bytes.Equal(l.Cert, a.Cert) || l.Storage != a.Storage || l.Handle.URI != a.Handle.URI || !bytes.Equal(l.Handle.Blob, a.Handle.Blob) {
		return nil, false
	}
	return l, true
}

// keySpecID is the key id an authority's key is made under: never a
// keypair id, so a CA key's sealed blob opens for no keypair.
func keySpecID(authorityID string) string { return "ca:" + authorityID }

// authority returns the loaded authority named name. A name that is not
// loaded may be a CA another node made meanwhile: the hierarchy is
// reloaded, at most once per reloadEvery (names come from anonymous
// requests); a name no CA could have is not looked for.
func (s *Service) authority(ctx context.Context, name string) (*loaded, error) {
	notFound := errs.NotFound("ca_not_found", "no certificate authority named %q", name)
	if !nameRE.MatchString(name) {
		return nil, notFound
	}
	h, err := s.hierarchy(ctx)
	if err != nil {
		return nil, err
	}
	if a, ok := h.byName[name]; ok {
		return a, nil
	}
	if h, err = s.reload(ctx, h, false); err != nil {
		return nil, err
	}
	if a, ok := h.byName[name]; ok {
		return a, nil
	}
	return nil, notFound
}

// authorityByID returns the loaded authority with that id, which a stored
// record names: when it is not loaded (another node made it), the
// hierarchy is reloaded at once.
func (s *Service) authorityByID(ctx context.Context, id string) (*loaded, error) {
	h, err := s.hierarchy(ctx)
	if err != nil {
		return nil, err
	}
	if a, ok := h.byID[id]; ok {
		return a, nil
	}
	if h, err = s.reload(ctx, h, true); err != nil {
		return nil, err
	}
	if a, ok := h.byID[id]; ok {
		return a, nil
	}
	return nil, errs.NotFound("ca_not_found", "no certificate authority with id %q", id)
}

// urls are the revocation and issuer URLs of certificates issuer issues.
type revocationURLs struct{ crl, ocsp, issuer []string }

func (s *Service) urls(issuer *loaded) revocationURLs {
	base := ""
	if s.BaseURL != nil {
		base = strings.TrimSuffix(s.BaseURL(), "/")
	}
	if base == "" {
		return revocationURLs{}
	}
	return revocationURLs{
		crl:    []string{base + "/crl/" + issuer.Name + ".crl"},
		ocsp:   []string{base + "/ocsp"},
		issuer: []string{base + "/ca/" + issuer.Name + ".crt"},
	}
}

// getKeypair finds a keypair, with a 404 error when there is none.
func (s *Service) getKeypair(ctx context.Context, ref string) (*keypair.Keypair, error) {
	return s.Keypairs.Get(ctx, ref)
}

// storeErr maps store errors to API errors: ErrNotFound to notFound
// (when given), anything else to an internal error.
func storeErr(err error, notFound *errs.Error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound) && notFound != nil:
		return notFound
	}
	return errs.Internal(err)
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
