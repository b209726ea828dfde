// Package server wires the store, key backends, services and API into an
// HTTPS server, and shuts it down without losing an acknowledged record.
package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/signet-project/signet/internal/api"
	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/errs"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/release"
	"github.com/signet-project/signet/internal/signing"
)

// Options are the server's dependencies, built by cmd/signetd.
type Options struct {
	Store          Store
	Backends       map[string]keys.KeyManager // by storage name
	DefaultStorage string
	Certificate    tls.Certificate // server certificate
	ClientCAs      *x509.CertPool  // issuers of client certificates; nil disables mutual TLS
	// ClientCA, when set, issues client certificates through the API.
	ClientCA *pki.CA
	// Keyring seals TOTP secrets in the database; nil stores them unsealed.
	Keyring  *auth.Keyring
	MinTLS   uint16 // tls.VersionTLS13 (default) or tls.VersionTLS12
	MaxBody  int64
	MaxBatch int // journal group-commit cap
	Log      *slog.Logger
	Now      func() time.Time
	// JobEvery is how often background jobs run (default 15 seconds).
	JobEvery time.Duration
	// Notifier tells approvers about offline releases waiting for them
	// (optional; see internal/notify). Its owner closes it after Shutdown.
	Notifier release.Notifier
	// PKI configures the private CA and the time-stamping authority.
	PKI PKIOptions
}

// Server is a running signetd.
type Server struct {
	opts     Options
	journal  *journal.Journal
	http     *http.Server
	API      *api.API
	releases *release.Service
	keypairs *keypair.Service
	pki      *pkiParts
	node     string // this process's id, for leases

	jobsCtx  context.Context
	stopJobs context.CancelFunc
	jobsOnce sync.Once     // starts the jobs, or marks them never started
	jobs     chan struct{} // closed when the jobs have stopped
}

// New builds the server. Call Serve, then Shutdown.
func New(o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.JobEvery == 0 {
		o.JobEvery = 15 * time.Second
	}
	if o.MinTLS == 0 {
		o.MinTLS = tls.VersionTLS13
	}
	m := api.NewMetrics()
	var jopts []journal.Option
	if o.MaxBatch > 0 {
		jopts = append(jopts, journal.WithMaxBatch(o.MaxBatch))
	}
	jopts = append(jopts, journal.WithObserver(m.ObserveCommit))
	j := journal.New(o.Store, jopts...)
	g := &guard.Guard{Journal: j, Now: o.Now}
	kps := &keypair.Service{Store: o.Store, Backends: o.Backends, Guard: g, DefaultStorage: o.DefaultStorage}
	sg := &signing.Service{Keypairs: kps, Releases: o.Store, Journal: j, Guard: g, Observe: m.ObserveSign,
		OnError: func(err error) { o.Log.Error("after signing", "err", err) }}
	rel := &release.Service{Store: o.Store, Keypairs: kps, Users: o.Store, Guard: g, Settings: o.Store,
		Notify: o.Notifier}
	id := &auth.Service{Store: o.Store, Guard: g, CA: o.ClientCA, Keyring: o.Keyring}
	pk := newPKI(o, kps, g)
	sg.Stamper = pk.stamper
	authn := auth.NewAuthenticator(o.Store, o.Now)
	authn.Denied = func(ctx context.Context, p policy.Principal, t guard.Target, err *errs.Error) {
		_ = g.Deny(ctx, p, t, err) // the request is refused either way
	}
	a := api.New(api.Deps{
		Log: o.Log, Auth: authn, Keypairs: kps, Signing: sg, Releases: rel,
		Logs: o.Store, Guard: g, Identity: id, CA: pk.ca, TSA: pk.tsa, Metrics: m, MaxBody: o.MaxBody,
		Ready:     func(ctx context.Context) map[string]error { return ready(ctx, o) },
		ClientCAs: o.ClientCAs,
	})
	tc := &tls.Config{
		MinVersion:   o.MinTLS,
		Certificates: []tls.Certificate{o.Certificate},
		NextProtos:   []string{"h2", "http/1.1"},
	}
	if o.ClientCAs != nil {
		// The handshake asks for a client certificate (naming the client
		// CA) and proves the client holds its key, but does not judge it:
		// the store knows every certificate this Signet issued, by
		// fingerprint, with its user, expiry and revocation, and the
		// authenticator refuses any other with a clear error (an expired
		// or foreign certificate would otherwise end the handshake with a
		// bare TLS alert, before any request).
		tc.ClientCAs, tc.ClientAuth = o.ClientCAs, tls.RequestClientCert
	}
	hs := &http.Server{
		Handler:           a.Handler(),
		TLSConfig:         tc,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{opts: o, journal: j, http: hs, API: a, releases: rel, keypairs: kps, pki: pk,
		node: uuid.Must(uuid.NewV7()).String(), jobsCtx: ctx, stopJobs: cancel, jobs: make(chan struct{})}
}

func ready(ctx context.Context, o Options) map[string]error {
	out := map[string]error{"store": o.Store.Ping(ctx)}
	for name, km := range o.Backends {
		var err error
		if c, ok := km.(keys.Checker); ok {
			err = c.Check(ctx)
		}
		out["keys."+name] = err
	}
	return out
}

// Serve serves HTTPS on ln until Shutdown, and runs the background jobs.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.listening(ln.Addr()); err != nil {
		return err
	}
	s.jobsOnce.Do(func() {
		go func() {
			defer close(s.jobs)
			s.runJobs(s.jobsCtx)
		}()
	})
	err := s.http.ServeTLS(ln, "", "")
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting requests, waits for those under way (each waits
// for its records to be committed), flushes the journal, and closes the
// backends and the store.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	s.stopJobs()
	s.jobsOnce.Do(func() { close(s.jobs) })
	<-s.jobs
	s.journal.Close()
	for name, km := range s.opts.Backends {
		if cerr := km.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("closing key backend %s: %w", name, cerr))
		}
	}
	if cerr := s.opts.Store.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("closing store: %w", cerr))
	}
	return err
}
