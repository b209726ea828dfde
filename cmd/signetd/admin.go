package main

// Administrative commands act on the configured store directly, as the
// local administrator (a Lead), through the same identity service as the
// API: the same checks, the same audit records. Secrets (token secrets,
// PKCS#12 passwords, TOTP secrets) go to stdout once; notes to stderr.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/server"
)

// admin is the actor recorded for local administrative commands: it has
// the server's console, so it acts as a Lead.
var admin = policy.Principal{UserID: "local-admin", Name: "signetd (local administrator)",
	Roles: []string{policy.RoleLead}, SecondFactor: true}

// withStore opens the configured store for an administrative command.
func withStore(ctx context.Context, cfgPath string, fn func(server.Store) error) error {
	c, err := loadConfig(cfgPath)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// withIdentity runs fn with the identity service over the configured
// store, client CA and keyring.
func withIdentity(ctx context.Context, cfgPath string, fn func(*auth.Service) error) error {
	c, err := loadConfig(cfgPath)
	if err != nil {
		return err
	}
	id, err := identityOptions(c, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	return withStore(ctx, cfgPath, func(st server.Store) error {
		s, done := identityService(st, id)
		defer done()
		return fn(s)
	})
}

// identityService returns the service over st and a function that stops
// its journal (which records denials: a Lead meets few).
func identityService(st server.Store, id identity) (*auth.Service, func()) {
	j := journal.New(st)
	g := &guard.Guard{Journal: j, Now: time.Now}
	return &auth.Service{Store: st, Guard: g, CA: id.ClientCA, Keyring: id.Keyring}, j.Close
}

// createUser creates a user for `signetd dev`.
func createUser(ctx context.Context, st server.Store, name, email, typ string, roles []string) (*auth.User, error) {
	s, done := identityService(st, identity{})
	defer done()
	u, err := s.CreateUser(ctx, admin, auth.UserRequest{Name: name, Email: email, Type: typ, Roles: roles})
	if err != nil {
		return nil, fmt.Errorf("creating user %s: %w", name, err)
	}
	return u, nil
}

// createToken creates an API token for `signetd dev`; it returns the secret.
func createToken(ctx context.Context, st server.Store, u *auth.User, name string, expires time.Duration) (string, error) {
	r := auth.TokenRequest{User: u.ID, Name: name}
	if expires > 0 {
		r.ExpiresIn = expires.String()
	}
	s, done := identityService(st, identity{})
	defer done()
	_, secret, err := s.CreateToken(ctx, admin, r)
	if err != nil {
		return "", fmt.Errorf("creating token: %w", err)
	}
	return secret, nil
}

// issueClientCert issues a client certificate for `signetd dev`.
func issueClientCert(ctx context.Context, st server.Store, ca *pki.CA, u *auth.User, validity time.Duration) ([]byte, string, error) {
	days := int(validity.Hours() / 24)
	s, done := identityService(st, identity{ClientCA: ca})
	defer done()
	_, p12, password, err := s.IssueClientCert(ctx, admin, auth.CertRequest{User: u.ID, ValidityDays: days})
	if err != nil {
		return nil, "", fmt.Errorf("issuing client certificate: %w", err)
	}
	return p12, password, nil
}

// readSecret reads one line (a password) from r, without its newline.
func readSecret(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}

// identityCmd builds a subcommand that runs fn with the identity service.
func identityCmd(use, short, example string, args cobra.PositionalArgs, fn func(cmd *cobra.Command, s *auth.Service, args []string) error) *cobra.Command {
	var cfgPath string
	c := &cobra.Command{Use: use, Short: short, Example: example, Args: args,
		RunE: func(cmd *cobra.Command, a []string) error {
			return withIdentity(cmd.Context(), cfgPath, func(s *auth.Service) error { return fn(cmd, s, a) })
		}}
	configFlag(c, &cfgPath)
	return c
}
