package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
)

// clientCert is a client authentication certificate as the API shows it.
type clientCert struct {
	ID          string     `json:"id"`
	UserID      string     `json:"user_id"`
	Serial      string     `json:"serial"`
	Fingerprint []byte     `json:"fingerprint"` // SHA-256 of the DER certificate
	NotAfter    time.Time  `json:"not_after"`
	CreatedAt   time.Time  `json:"created_at"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

// issuedClientCert is the answer of an issue: the PKCS#12 file and its
// password are in it only.
type issuedClientCert struct {
	clientCert
	PKCS12   []byte `json:"pkcs12"`
	Password string `json:"password"`
}

// issuedView is what "client-cert issue -o json" shows: the file written,
// not its bytes.
type issuedView struct {
	clientCert
	File     string `json:"file"`
	Password string `json:"password"`
}

func clientCertCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "client-cert",
		Aliases: []string{"client-certs"},
		Short:   "List, issue and revoke client certificates (the second factor)",
		Long: `A client certificate (PKCS#12, SIGNET_CLIENT_CERT_FILE with
SIGNET_CLIENT_CERT_PASSWORD) is the second factor, presented over mutual
TLS: signing, generating keypairs and approving releases need it with the
API token of the same user. Signet's client CA issues it; its password is
shown once. Standard users manage their own; a Lead anyone's (--user).
An API token alone cannot issue one: issuing needs the caller's own client
certificate too, or a web console sign-in. A standard user's first
certificate therefore comes from a Lead or from the web console.`,
	}
	cmd.AddCommand(clientCertLsCmd(a), clientCertIssueCmd(a), clientCertRevokeCmd(a))
	return cmd
}

func clientCertLsCmd(a *app) *cobra.Command {
	var who string
	cmd := &cobra.Command{
		Use:     "ls [--user USER]",
		Aliases: []string{"list"},
		Short:   "List client certificates (yours, or another user's with --user)",
		Example: "  signet client-cert ls\n  signet client-cert ls --user ci-bot -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cs, err := listOf[clientCert](cmd.Context(), a, apiPath("client-certs"), userQuery(who), "client_certs")
			if err != nil {
				return err
			}
			return a.show(cs, func(w io.Writer) {
				row(w, "ID", "SERIAL", "STATE", "CREATED", "NOT AFTER")
				for _, c := range cs {
					row(w, c.ID, c.Serial, credState(c.RevokedAt, &c.NotAfter), c.CreatedAt.UTC().Format(time.DateTime),
						c.NotAfter.UTC().Format(time.DateTime))
				}
			})
		},
	}
	cmd.Flags().StringVar(&who, "user", "", "whose certificates (name or ID; default: yours)")
	_ = cmd.RegisterFlagCompletionFunc("user", completeUsers(a))
	return cmd
}

func clientCertIssueCmd(a *app) *cobra.Command {
	var out, who string
	var validity time.Duration
	var force bool
	cmd := &cobra.Command{
		Use:   "issue --out FILE.p12 [--user USER] [--validity DURATION]",
		Short: "Issue a client certificate as PKCS#12; its password is printed once",
		Long: `Issue a client certificate for yourself, or for another user with --user
(a Lead, e.g. for a service user), and write it as PKCS#12 to --out,
readable by its owner only (mode 0600). With -o table (the default) stdout
holds the password alone, so that a script may capture it; -o json and
-o yaml show the certificate with its "password" and "file". The password
is shown this once.

The certificate is the second factor, so the API token alone does not
issue it: signet must present your current client certificate as well
(SIGNET_CLIENT_CERT_FILE and SIGNET_CLIENT_CERT_PASSWORD), e.g. to renew
it before it expires; otherwise the server refuses with
second_factor_required (exit 3). Your first certificate comes from a Lead
("signet client-cert issue --user YOU", or "signetd client-cert issue YOU"
on the server) or from a web console sign-in (POST /api/v1/session with
the password and TOTP, then POST /api/v1/client-certs with the session
cookie and X-CSRF-Token).

No credential outlives the API token that made it: issued with an
expiring SIGNET_API_KEY, the certificate ends when that token does at the
latest, whatever --validity asks (the note shows its end).`,
		Example: `  signet client-cert issue --out me.p12
  SIGNET_CLIENT_CERT_PASSWORD=$(signet client-cert issue --user ci-bot --out ci-bot.p12 --validity 2160h)
  signet client-cert issue --out me.p12 -o json | jq -r .password`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageErr(cmd, "--out FILE.p12 is required")
			}
			days := int(validity.Hours() / 24)
			if validity < 0 || (validity > 0 && days == 0) {
				return usageErr(cmd, "--validity must be at least 24h (whole days), got %s", validity)
			}
			if _, err := os.Lstat(out); err == nil && !force {
				return fail(exitUsage, "choose another --out, or pass --force to replace it", "%s exists", out)
			}
			body := map[string]any{"user": who}
			if days > 0 {
				body["validity_days"] = days
			}
			r, err := a.rest()
			if err != nil {
				return err
			}
			// Make the file first: a directory that cannot hold it fails
			// before a certificate is issued for nothing.
			f, err := newPrivateFile(out)
			if err != nil {
				return err
			}
			defer f.abort()
			var c issuedClientCert
			if err := r.call(cmd.Context(), "POST", apiPath("client-certs"), nil, body, &c); err != nil {
				return err
			}
			if err := f.commit(c.PKCS12); err != nil {
				return fmt.Errorf("client certificate %s (serial %s) was issued but not written: %w; revoke it with \"signet client-cert revoke %s\"", c.ID, c.Serial, err, c.ID)
			}
			if a.format == "table" {
				fmt.Fprintln(a.stdout, c.Password)
			} else if err := a.show(issuedView{clientCert: c.clientCert, File: out, Password: c.Password}, nil); err != nil {
				return err
			}
			a.note("Wrote %s (client certificate %s, serial %s, valid until %s, mode 0600). Its password is shown once: store it now, e.g. as SIGNET_CLIENT_CERT_PASSWORD.",
				out, c.ID, c.Serial, c.NotAfter.UTC().Format(time.DateOnly))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&out, "out", "", "PKCS#12 file to write (required)")
	fl.StringVar(&who, "user", "", "whose certificate (name or ID; default: yours)")
	fl.DurationVar(&validity, "validity", 0, "lifetime in whole days, e.g. 2160h (default: the server's)")
	fl.BoolVar(&force, "force", false, "replace --out if it exists")
	_ = cmd.RegisterFlagCompletionFunc("user", completeUsers(a))
	return cmd
}

func clientCertRevokeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "revoke ID",
		Short:   "Revoke a client certificate at once",
		Example: "  signet client-cert revoke 01J8Z3...   # an ID from \"signet client-cert ls\"",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := a.rest()
			if err != nil {
				return err
			}
			var c clientCert
			if err := r.call(cmd.Context(), "DELETE", apiPath("client-certs", args[0]), nil, nil, &c); err != nil {
				return err
			}
			a.note("Revoked client certificate %s (serial %s).", c.ID, c.Serial)
			return a.show(c, func(w io.Writer) {
				pairs(w, "ID", c.ID, "Serial", c.Serial, "User", c.UserID, "State", credState(c.RevokedAt, &c.NotAfter),
					"Created", c.CreatedAt.UTC().Format(time.RFC3339), "Not after", c.NotAfter.UTC().Format(time.RFC3339),
					"Revoked", at(c.RevokedAt))
			})
		},
	}
}

// privateFile is a file written readable by its owner only (0600),
// through a temporary file renamed into place, so that no reader ever sees
// a part of it or wider permissions.
type privateFile struct {
	f    *os.File
	path string
	done bool
}

func newPrivateFile(path string) (*privateFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".signet-*.tmp") // mode 0600
	if err != nil {
		return nil, err
	}
	return &privateFile{f: f, path: path}, nil
}

// commit writes data and renames the file into place.
func (p *privateFile) commit(data []byte) error {
	_, werr := p.f.Write(data)
	if err := errors.Join(werr, p.f.Sync(), p.f.Close()); err != nil {
		return err
	}
	if err := os.Rename(p.f.Name(), p.path); err != nil {
		return err
	}
	p.done = true
	return nil
}

// abort removes the temporary file unless commit succeeded.
func (p *privateFile) abort() {
	if !p.done {
		p.f.Close()
		os.Remove(p.f.Name())
	}
}
