package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/agent"
	"github.com/spf13/cobra"
)

// maxSocketPath is the longest Unix socket path Linux takes (sun_path
// holds 108 bytes with the final NUL).
const maxSocketPath = 107

func agentCmd(a *app) *cobra.Command {
	var socket string
	var ttl time.Duration
	var verbose bool
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Keep the credentials and the connection for the PKCS#11 module (runs until stopped)",
		Long: `Run the signet agent in the foreground: it holds this shell's credentials
and one kept connection to the server, and relays the PKCS#11 module's
requests (listing keypairs, signing digests) from a Unix socket that only
your user can reach. Signing tools that start once per file (osslsigncode,
jarsigner) then skip the PKCS#12 decoding and the TLS handshake, and never
see the credentials: point the module at the socket with
SIGNET_AGENT_SOCKET and leave SIGNET_HOST and the rest unset there.

The agent relays nothing else: managing keypairs, releases or users needs
signet with the credentials. It checks the credentials at start, keeps the
keypair list for --ttl (as the module does) and forgets it when the server
refuses a signature. The socket's directory is made 0700 when missing and
must not be open to other users; connections from other users are refused,
and the module checks in turn that the agent is yours. One agent per socket
(it holds SOCKET.lock); a socket left by one that died is replaced, and
anything else at that path is left alone. Once listening it prints
"export SIGNET_AGENT_SOCKET=..." on standard output. SIGINT or SIGTERM stops
it and removes the socket.`,
		Example: `  . signet-dev/credentials.env
  signet agent --socket "$XDG_RUNTIME_DIR/signet/agent.sock" &
  export SIGNET_AGENT_SOCKET="$XDG_RUNTIME_DIR/signet/agent.sock"
  osslsigncode sign -pkcs11module /usr/lib/libsignet-pkcs11.so -key 'pkcs11:object=release' ...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if socket == "" {
				socket = defaultSocket(a.getenv)
			}
			return a.runAgent(cmd.Context(), socket, ttl, verbose)
		},
	}
	f := cmd.Flags()
	f.StringVar(&socket, "socket", "", "Unix socket to listen on (default $SIGNET_AGENT_SOCKET, else $XDG_RUNTIME_DIR/signet/agent.sock, else the user's cache directory)")
	f.DurationVar(&ttl, "ttl", agent.DefaultTTL, "how long a keypair list is reused (0s: list at every request)")
	f.BoolVar(&verbose, "verbose", false, "log every relayed request (method, path, status; never a digest or a credential)")
	return cmd
}

// defaultSocket is where the agent listens without --socket.
func defaultSocket(getenv func(string) string) string {
	if s := getenv("SIGNET_AGENT_SOCKET"); s != "" {
		return s
	}
	if d := getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "signet", "agent.sock")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "signet", "agent", "agent.sock")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("signet-agent-%d", os.Getuid()), "agent.sock")
}

func (a *app) runAgent(ctx context.Context, socket string, ttl time.Duration, verbose bool) error {
	if ttl < 0 {
		return fail(exitUsage, "give --ttl 0s or more", "negative --ttl %s", ttl)
	}
	abs, err := filepath.Abs(socket)
	if err != nil {
		return err
	}
	if len(abs) > maxSocketPath {
		return fail(exitUsage, "choose a shorter --socket path", "socket path %s is %d bytes; Linux takes at most %d", abs, len(abs), maxSocketPath)
	}
	c, cfg, err := a.client()
	if err != nil {
		return err
	}
	// Check the credentials now rather than at the first signature.
	me, err := c.Me(ctx)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level})).With("component", "signet-agent")
	l, err := agent.Listen(abs, log)
	if err != nil {
		return fail(exitError, "choose another --socket, or stop the agent that holds it", "agent socket: %v", err)
	}
	srv := &http.Server{Handler: agent.New(c, log, ttl).Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 5 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	log.Info("listening", "socket", abs, "host", cfg.Host, "user", me.User.Name)
	fmt.Fprintf(a.stdout, "export SIGNET_AGENT_SOCKET=%s\n", shellQuote(abs))
	select {
	case err := <-errc:
		l.Close()
		return err
	case <-ctx.Done():
	}
	log.Info("stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Shutdown closes the listener, which removes the socket if it is
	// still this agent's.
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("stopping", "err", err)
	}
	c.CloseIdleConnections()
	return nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
