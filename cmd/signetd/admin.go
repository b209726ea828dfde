package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/guard"
	"github.com/signet-project/signet/internal/pki"
	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/server"
)

// admin is the actor recorded for local administrative commands.
var admin = policy.Principal{UserID: "local-admin", Name: "signetd (local administrator)"}

func adminEvent(typ, action, id, name string) *audit.Event {
	return guard.NewEvent(context.Background(), time.Now(), admin,
		guard.Target{Type: typ, Action: action, ID: id, Name: name}, audit.Allowed, "")
}

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

func userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users from the server's console"}
	var cfgPath, email, typ string
	var roles []string
	create := &cobra.Command{
		Use:     "create NAME",
		Short:   "Create a user",
		Example: "  signetd user create alice --role lead -c signetd.yaml\n  signetd user create ci-bot --type service --role build_engineer -c signetd.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, r := range roles {
				if _, ok := policy.BuiltIn[r]; !ok {
					return fmt.Errorf("unknown role %q; roles: lead, team_lead, developer, build_engineer, signer", r)
				}
			}
			if typ != auth.UserStandard && typ != auth.UserService {
				return fmt.Errorf("--type must be standard or service, got %q", typ)
			}
			return withStore(cmd.Context(), cfgPath, func(st server.Store) error {
				u, err := createUser(cmd.Context(), st, args[0], email, typ, roles)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "created user %s (id %s, roles %s)\n", u.Name, u.ID, strings.Join(u.Roles, ","))
				return nil
			})
		},
	}
	configFlag(create, &cfgPath)
	create.Flags().StringSliceVar(&roles, "role", nil, "role(s): lead, team_lead, developer, build_engineer, signer")
	create.Flags().StringVar(&email, "email", "", "e-mail address")
	create.Flags().StringVar(&typ, "type", auth.UserStandard, "standard (a person) or service (automation)")
	cmd.AddCommand(create)
	return cmd
}

func createUser(ctx context.Context, st server.Store, name, email, typ string, roles []string) (*auth.User, error) {
	if roles == nil {
		roles = []string{}
	}
	u := &auth.User{ID: uuid.Must(uuid.NewV7()).String(), Name: name, Email: email, Type: typ,
		Roles: roles, Groups: []string{}, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := st.CreateUser(ctx, u, adminEvent("User", "Create", u.ID, u.Name)); err != nil {
		return nil, fmt.Errorf("creating user %s: %w", name, err)
	}
	return u, nil
}

func tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens from the server's console"}
	var cfgPath, name string
	var expires time.Duration
	create := &cobra.Command{
		Use:     "create USER",
		Short:   "Create an API token for a user; the secret is printed once",
		Example: "  signetd token create alice --name laptop --expires 720h -c signetd.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd.Context(), cfgPath, func(st server.Store) error {
				u, err := st.GetUser(cmd.Context(), args[0])
				if err != nil {
					return fmt.Errorf("user %s: %w", args[0], err)
				}
				secret, err := createToken(cmd.Context(), st, u, name, expires)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), secret)
				fmt.Fprintln(cmd.ErrOrStderr(), "This token is shown once. Store it now; Signet keeps only its hash.")
				return nil
			})
		},
	}
	configFlag(create, &cfgPath)
	create.Flags().StringVar(&name, "name", "", "a name to recognise the token by")
	create.Flags().DurationVar(&expires, "expires", 0, "lifetime such as 720h (default: no expiry)")
	cmd.AddCommand(create)
	return cmd
}

func createToken(ctx context.Context, st server.Store, u *auth.User, name string, expires time.Duration) (string, error) {
	secret, prefix, hash := auth.NewTokenSecret()
	now := time.Now().UTC().Truncate(time.Microsecond)
	t := &auth.Token{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, Name: name, Prefix: prefix, Hash: hash, CreatedAt: now}
	if expires > 0 {
		at := now.Add(expires)
		t.ExpiresAt = &at
	}
	if err := st.CreateToken(ctx, t, adminEvent("Token", "Create", t.ID, u.Name+"/"+prefix)); err != nil {
		return "", fmt.Errorf("creating token: %w", err)
	}
	return secret, nil
}

func clientCertCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "client-cert", Short: "Issue client authentication certificates (the second factor)"}
	var cfgPath, out string
	var validity time.Duration
	issue := &cobra.Command{
		Use:   "issue USER --out FILE.p12",
		Short: "Issue a client certificate as PKCS#12; its password is printed once",
		Long: `Issue a client certificate for USER, signed by the client CA of the configuration
(tls.client_ca_file and tls.client_ca_key_file), written as a PKCS#12 file
protected by a generated password that is printed once.`,
		Example: "  signetd client-cert issue alice --out alice.p12 -c signetd.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("--out FILE.p12 is required")
			}
			c, err := loadConfig(cfgPath)
			if err != nil {
				return err
			}
			ca, err := loadClientCA(c.TLS.ClientCAFile, c.TLS.ClientCAKeyFile)
			if err != nil {
				return err
			}
			return withStore(cmd.Context(), cfgPath, func(st server.Store) error {
				u, err := st.GetUser(cmd.Context(), args[0])
				if err != nil {
					return fmt.Errorf("user %s: %w", args[0], err)
				}
				p12, password, err := issueClientCert(cmd.Context(), st, ca, u, validity)
				if err != nil {
					return err
				}
				if err := pki.WriteFileAtomic(out, p12, 0o600); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\npassword: %s\n", out, password)
				fmt.Fprintln(cmd.ErrOrStderr(), "The password is shown once.")
				return nil
			})
		},
	}
	configFlag(issue, &cfgPath)
	issue.Flags().StringVarP(&out, "out", "o", "", "PKCS#12 file to write")
	issue.Flags().DurationVar(&validity, "validity", 365*24*time.Hour, "certificate lifetime")
	cmd.AddCommand(issue)
	return cmd
}

func loadClientCA(certFile, keyFile string) (*pki.CA, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("issuing client certificates needs tls.client_ca_file and tls.client_ca_key_file")
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	certs, err := pki.ParseCertificatesPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("client CA %s: %w", certFile, err)
	}
	keyPEM, err := secretFile("client CA key", keyFile)
	if err != nil {
		return nil, err
	}
	key, err := pki.ParsePrivateKeyPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("client CA key %s: %w", keyFile, err)
	}
	return &pki.CA{Cert: certs[0], Signer: key, Chain: certs[1:]}, nil
}

// issueClientCert makes a key and certificate for u, records the
// certificate, and returns them as PKCS#12 with a fresh password.
func issueClientCert(ctx context.Context, st server.Store, ca *pki.CA, u *auth.User, validity time.Duration) ([]byte, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	now := time.Now()
	cert, err := ca.Issue(pki.ClientTemplate(u.ID, u.Name, validity), key.Public(), now)
	if err != nil {
		return nil, "", fmt.Errorf("issuing client certificate: %w", err)
	}
	password := pki.GeneratePassword()
	p12, err := pki.EncodePKCS12(key, cert, ca.IssuerChain(), password)
	if err != nil {
		return nil, "", err
	}
	cc := &auth.ClientCert{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, Serial: hex.EncodeToString(cert.SerialNumber.Bytes()),
		Fingerprint: pki.Fingerprint(cert), NotAfter: cert.NotAfter.UTC().Truncate(time.Microsecond),
		CreatedAt: now.UTC().Truncate(time.Microsecond)}
	if err := st.CreateClientCert(ctx, cc, adminEvent("ClientCertificate", "Create", cc.ID, u.Name)); err != nil {
		return nil, "", fmt.Errorf("recording client certificate: %w", err)
	}
	return p12, password, nil
}
