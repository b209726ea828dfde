package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/signet-project/signet/internal/config"
	"github.com/signet-project/signet/internal/notify"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/tsa"
)

func serveCmd() *cobra.Command {
	var cfgPath, listen string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server from a configuration file",
		Long: `Run signetd from a YAML configuration file (see docs/configuration.md).

signetd refuses to start on an unsafe configuration: no master key for disk
keys, or a key, PIN or master-key file that others can read.
SIGTERM or Ctrl-C stop it gracefully: requests under way finish and every
acknowledged signature's records are committed first.`,
		Example: `  signetd serve --config /etc/signet/signetd.yaml
  SIGNET_DATABASE_DSN=postgres://signet@db/signet signetd serve -c signetd.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := loadConfig(cfgPath)
			if err != nil {
				return err
			}
			if listen != "" {
				c.Listen = listen
			}
			if c.PKI.TSAPolicy == "" {
				newLogger(c).Warn("pki.tsa_policy is not set: time-stamp tokens carry the placeholder policy OID " +
					tsa.DefaultPolicy.String() + "; set your organisation's own (docs/configuration.md)")
			}
			return run(cmd.Context(), c, true, nil)
		},
	}
	configFlag(cmd, &cfgPath)
	cmd.Flags().StringVar(&listen, "listen", "", "address to listen on, host:port (overrides the configuration and $SIGNET_LISTEN)")
	return cmd
}

// run serves until SIGINT or SIGTERM. requirePublicURL refuses to make
// the CA hierarchy with the URLs of a wildcard listener when pki.public_url
// is not set (serve; dev listens on loopback). started, if set, is called
// once the listener is open.
func run(ctx context.Context, c config.Config, requirePublicURL bool, started func(addr string)) error {
	setGC(os.Getenv)
	log := newLogger(c)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	cert, clientCAs, err := loadTLS(c)
	if err != nil {
		return err
	}
	ident, err := identityOptions(c, log)
	if err != nil {
		return err
	}
	nopts, err := notifyOptions(c, log)
	if err != nil {
		return err
	}
	popts, err := pkiOptions(c)
	if err != nil {
		return err
	}
	popts.RequirePublicURL = requirePublicURL
	st, err := openStore(ctx, c)
	if err != nil {
		return fmt.Errorf("opening the %s store: %w", c.Store.Driver, err)
	}
	backends, err := openBackends(ctx, c)
	if err != nil {
		st.Close()
		return err
	}
	minTLS := uint16(tls.VersionTLS13)
	if c.TLS.MinVersion == "1.2" {
		minTLS = tls.VersionTLS12
	}
	opts := server.Options{Store: st, Backends: backends, DefaultStorage: c.Keys.DefaultStorage,
		Certificate: cert, ClientCAs: clientCAs, MinTLS: minTLS, MaxBody: c.MaxBodyBytes,
		MaxBatch: c.JournalMaxBatch, Log: log, ClientCA: ident.ClientCA, Keyring: ident.Keyring,
		PKI: popts}
	var notifier *notify.Notifier
	if nopts != nil {
		nopts.Lookup = notifyLookup(st)
		notifier = notify.New(*nopts)
		opts.Notifier = notifier
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
			defer cancel()
			if err := notifier.Close(ctx); err != nil {
				log.Warn("release notifications still under way were abandoned", "err", err)
			}
		}()
	}
	srv := server.New(opts)
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		_ = srv.Shutdown(context.Background())
		return err
	}
	log.Info("signetd listening", "addr", ln.Addr().String(), "store", c.Store.Driver, "tls_min", c.TLS.MinVersion)
	if started != nil {
		started(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		log.Info("shutting down")
	}
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil && err == nil {
		err = serr
	}
	log.Info("signetd stopped")
	return err
}

// serverGCPercent is the garbage collector's target for the server unless
// GOGC is set. The live heap of a signing server is small (tens of MiB) and
// most of what a request allocates dies with it, so collecting at 5x the
// live heap instead of 2x saves CPU on every signature for a few tens of
// MiB of memory.
const serverGCPercent = 400

// setGC applies serverGCPercent when the environment does not set GOGC.
func setGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}
