package main

import (
	"errors"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/pki"
)

func tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens from the server's console"}
	var name string
	var expires time.Duration
	create := identityCmd("create USER", "Create an API token for a user; the secret is printed once",
		"  signetd token create alice --name laptop --expires 720h -c signetd.yaml", cobra.ExactArgs(1),
		func(cmd *cobra.Command, s *auth.Service, args []string) error {
			r := auth.TokenRequest{User: args[0], Name: name}
			if expires > 0 {
				r.ExpiresIn = expires.String()
			}
			_, secret, err := s.CreateToken(cmd.Context(), admin, r)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			fmt.Fprintln(cmd.ErrOrStderr(), "This token is shown once. Store it now; Signet keeps only its hash.")
			return nil
		})
	create.Flags().StringVar(&name, "name", "", "a name to recognise the token by")
	create.Flags().DurationVar(&expires, "expires", 0, "lifetime such as 720h (default: no expiry)")
	list := identityCmd("list USER", "List a user's API tokens (prefix, expiry, last use)", "", cobra.ExactArgs(1),
		func(cmd *cobra.Command, s *auth.Service, args []string) error {
			ts, err := s.ListTokens(cmd.Context(), admin, args[0])
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tEXPIRES\tREVOKED\tLAST USED")
			for _, t := range ts {
				fmt.Fprintf(tw, "%s\t%s\t%s…\t%s\t%s\t%s\n", t.ID, t.Name, t.Prefix, when(t.ExpiresAt), when(t.RevokedAt), when(t.LastUsedAt))
			}
			return tw.Flush()
		})
	revoke := identityCmd("revoke ID", "Revoke an API token at once", "", cobra.ExactArgs(1),
		func(cmd *cobra.Command, s *auth.Service, args []string) error {
			t, err := s.RevokeToken(cmd.Context(), admin, args[0])
			if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "revoked token %s (%s…)\n", t.ID, t.Prefix)
			}
			return err
		})
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func clientCertCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "client-cert", Short: "Issue client authentication certificates (the second factor)"}
	var out string
	var validity time.Duration
	issue := identityCmd("issue USER --out FILE.p12", "Issue a client certificate as PKCS#12; its password is printed once",
		"  signetd client-cert issue alice --out alice.p12 -c signetd.yaml", cobra.ExactArgs(1),
		func(cmd *cobra.Command, s *auth.Service, args []string) error {
			if out == "" {
				return errors.New("--out FILE.p12 is required")
			}
			if s.CA == nil {
				return errors.New("issuing client certificates needs tls.client_ca_file and tls.client_ca_key_file")
			}
			c, p12, password, err := s.IssueClientCert(cmd.Context(), admin, auth.CertRequest{User: args[0], ValidityDays: int(validity.Hours() / 24)})
			if err != nil {
				return err
			}
			if err := pki.WriteFileAtomic(out, p12, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (serial %s)\npassword: %s\n", out, c.Serial, password)
			fmt.Fprintln(cmd.ErrOrStderr(), "The password is shown once.")
			return nil
		})
	issue.Flags().StringVarP(&out, "out", "o", "", "PKCS#12 file to write")
	issue.Flags().DurationVar(&validity, "validity", auth.DefaultCertValidity, "certificate lifetime (whole days)")
	list := identityCmd("list USER", "List a user's client certificates", "", cobra.ExactArgs(1),
		func(cmd *cobra.Command, s *auth.Service, args []string) error {
			cs, err := s.ListClientCerts(cmd.Context(), admin, args[0])
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSERIAL\tNOT AFTER\tREVOKED")
			for _, c := range cs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Serial, when(&c.NotAfter), when(c.RevokedAt))
			}
			return tw.Flush()
		})
	revoke := identityCmd("revoke ID", "Revoke a client certificate at once", "", cobra.ExactArgs(1),
		func(cmd *cobra.Command, s *auth.Service, args []string) error {
			c, err := s.RevokeClientCert(cmd.Context(), admin, args[0])
			if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "revoked client certificate %s (serial %s)\n", c.ID, c.Serial)
			}
			return err
		})
	cmd.AddCommand(issue, list, revoke)
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
