package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// certificate is a keypair's certificate as the API shows it.
type certificate struct {
	ID             string            `json:"id"`
	KeypairID      string            `json:"keypair_id,omitempty"`
	Generation     int               `json:"generation,omitempty"`
	Serial         string            `json:"serial"`
	Subject        string            `json:"subject"`
	Issuer         string            `json:"issuer"`
	NotBefore      time.Time         `json:"not_before"`
	NotAfter       time.Time         `json:"not_after"`
	Profile        string            `json:"profile,omitempty"`
	Source         string            `json:"source"` // issued, imported
	Status         string            `json:"status"` // valid, expired, not_yet_valid, revoked
	Default        bool              `json:"default"`
	AutoRenew      bool              `json:"auto_renew"`
	RevokedAt      *time.Time        `json:"revoked_at,omitempty"`
	Reason         int               `json:"revocation_reason,omitempty"`
	CreatedBy      string            `json:"created_by,omitempty"`
	CreatedAt      time.Time         `json:"created_at"`
	Fingerprints   map[string]string `json:"fingerprints"`
	CertificatePEM string            `json:"certificate_pem"`
	ChainPEM       string            `json:"chain_pem"` // intermediates, then the root
}

// revocationReasons are the RFC 5280 reasons the server accepts.
var revocationReasons = []string{"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
	"superseded", "cessationOfOperation", "privilegeWithdrawn"}

func certificateCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "certificate",
		Aliases: []string{"certificates", "cert"},
		Short:   "List, describe, download, revoke keypair certificates; CSRs and imports for external CAs",
		Long: `Certificates bind a keypair's public key to a name. Signet's private CA
issues them under a certificate profile ("signet keypair generate-cert", or
"signet keypair generate --generate-cert"); one is the keypair's default,
which signing tools and "signet sign --format cms" use. A certificate from
an external CA comes through "signet certificate csr" and "signet
certificate import".`,
	}
	cmd.AddCommand(certificateLsCmd(a), certificateDescribeCmd(a), certificateDownloadCmd(a), certificateRevokeCmd(a),
		certificateCSRCmd(a), certificateImportCmd(a))
	return cmd
}

func certificateLsCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "ls ALIAS",
		Aliases: []string{"list"},
		Short:   "List a keypair's certificates, the default first",
		Example: `  signet certificate ls release-ec
  signet certificate ls release-ec -o json`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeAliases(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			certs, err := listOf[certificate](cmd.Context(), a, apiPath("keypairs", args[0], "certificates"), nil, "certificates")
			if err != nil {
				return err
			}
			if len(certs) == 0 {
				a.note("Keypair %s has no certificate: issue one with \"signet keypair generate-cert %s\".", args[0], args[0])
			}
			return a.show(certs, func(w io.Writer) {
				row(w, "ID", "SERIAL", "SUBJECT", "STATUS", "DEFAULT", "NOT AFTER", "PROFILE", "SOURCE")
				for _, c := range certs {
					row(w, c.ID, c.Serial, c.Subject, c.Status, yesNo(c.Default), c.NotAfter.UTC().Format(time.DateTime), c.Profile, c.Source)
				}
			})
		},
	}
}

func certificateDescribeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "describe ID",
		Short: "Show a certificate with its chain",
		Example: `  signet certificate describe 01J8Z3...   # an ID from "signet certificate ls ALIAS"
  signet certificate describe 01J8Z3... -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := a.rest()
			if err != nil {
				return err
			}
			var c certificate
			if err := r.call(cmd.Context(), "GET", apiPath("certificates", args[0]), nil, nil, &c); err != nil {
				return err
			}
			return a.show(c, func(w io.Writer) { certTable(w, c) })
		},
	}
}

func certificateRevokeCmd(a *app) *cobra.Command {
	var reason string
	var yes bool
	cmd := &cobra.Command{
		Use:   "revoke ID --reason REASON",
		Short: "Revoke a certificate: the CRL and OCSP say so at once",
		Long: `Revoke a certificate Signet's CA issued. The CRL is republished and the OCSP
responder answers "revoked" at once; this cannot be undone. Signatures
made earlier stay verifiable only where a time-stamp proves their date.
On a terminal signet asks you to type the ID; elsewhere pass --yes.
Reasons: ` + strings.Join(revocationReasons, ", ") + ".",
		Example: `  signet certificate revoke 01J8Z3... --reason keyCompromise
  signet certificate revoke 01J8Z3... --reason superseded --yes   # in scripts`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.confirm("This revokes certificate "+args[0]+" for good.", args[0], "revoke certificate "+args[0], yes); err != nil {
				return err
			}
			r, err := a.rest()
			if err != nil {
				return err
			}
			var c certificate
			body := map[string]string{"reason": reason}
			if err := r.call(cmd.Context(), "POST", apiPath("certificates", args[0], "revoke"), nil, body, &c); err != nil {
				return err
			}
			a.note("Certificate %s (serial %s) is revoked.", c.ID, c.Serial)
			return a.show(c, func(w io.Writer) { certTable(w, c) })
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "unspecified", "RFC 5280 reason, e.g. keyCompromise or superseded")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	_ = cmd.RegisterFlagCompletionFunc("reason", cobra.FixedCompletions(revocationReasons, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// certTable writes one certificate as "Key: value" lines, then its PEM.
func certTable(w io.Writer, c certificate) {
	revoked := ""
	if c.RevokedAt != nil {
		revoked = c.RevokedAt.UTC().Format(time.RFC3339)
	}
	pairs(w, "ID", c.ID, "Subject", c.Subject, "Issuer", c.Issuer, "Serial", c.Serial, "Status", c.Status,
		"Default", yesNo(c.Default), "Auto-renew", yesNo(c.AutoRenew), "Profile", c.Profile, "Source", c.Source,
		"Generation", fmt.Sprint(c.Generation), "Not before", c.NotBefore.UTC().Format(time.RFC3339),
		"Not after", c.NotAfter.UTC().Format(time.RFC3339), "Revoked", revoked,
		"SHA-256", c.Fingerprints["sha256"], "Chain", chainSummary(c.ChainPEM))
	fmt.Fprintf(w, "Certificate:\n%s", c.CertificatePEM)
}

// chainSummary names the certificates of a PEM chain, "A > B (root)".
func chainSummary(chainPEM string) string {
	certs := parsePEMCerts([]byte(chainPEM))
	names := make([]string, 0, len(certs))
	for _, c := range certs {
		n := c.Subject.CommonName
		if n == "" {
			n = c.Subject.String()
		}
		if selfSigned(c) {
			n += " (root)"
		}
		names = append(names, n)
	}
	return strings.Join(names, " > ")
}

// parsePEMCerts returns the certificates of a PEM bundle, skipping
// anything else.
func parsePEMCerts(data []byte) []*x509.Certificate {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			out = append(out, c)
		}
	}
}

// selfSigned reports whether c is a root: its own issuer, signed by its key.
func selfSigned(c *x509.Certificate) bool {
	return c.Subject.String() == c.Issuer.String() && c.CheckSignatureFrom(c) == nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// certQuery is ?format=F, or nothing for the server's default (pem).
func certQuery(format string) url.Values {
	if format == "" {
		return nil
	}
	return url.Values{"format": {format}}
}
