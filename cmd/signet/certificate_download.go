package main

import (
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// certFormats are the download formats: pem or der (the certificate),
// chain (intermediates then root, PEM), fullchain (the certificate then
// its chain, PEM), p7b (PKCS#7 bundle of both, DER).
var certFormats = []string{"pem", "der", "chain", "fullchain", "p7b"}

// downloadResult is what "certificate download" reports when it writes
// files.
type downloadResult struct {
	Keypair       string    `json:"keypair,omitempty"`
	CertificateID string    `json:"certificate_id,omitempty"`
	Format        string    `json:"format"`
	Out           string    `json:"out"`
	ChainOut      string    `json:"chain_out,omitempty"`
	ChainLength   int       `json:"chain_length,omitempty"`
	Subject       string    `json:"subject,omitempty"`
	Serial        string    `json:"serial,omitempty"`
	NotAfter      time.Time `json:"not_after,omitzero"`
}

func certificateDownloadCmd(a *app) *cobra.Command {
	var format, out, chainOut, id string
	cmd := &cobra.Command{
		Use:   "download ALIAS --out FILE [--chain-out FILE]",
		Short: "Download a keypair's default certificate (or --id CERT_ID) and its chain",
		Long: `Download a certificate: the keypair's default one, or the one --id names
(from "signet certificate ls ALIAS"). --format picks what is written to
--out: pem (default) or der (the certificate alone), chain (the
intermediates and the root, root last), fullchain (the certificate, then
the chain) or p7b (a PKCS#7 bundle of all, DER). --chain-out also writes
the chain as PEM, root last: what "openssl verify -untrusted" and
"signet sign --chain" take. Without --out the download goes to stdout.`,
		Example: `  signet certificate download release-ec --out release-ec.pem --chain-out chain.pem
  openssl verify -CAfile root.pem -untrusted chain.pem release-ec.pem   # root.pem: the root you trust, chain.pem's last
  signet certificate download release-ec --format der --out release-ec.cer
  signet certificate download release-ec --format p7b --out release-ec.p7b
  signet certificate download --id 01J8Z3... --format fullchain > fullchain.pem`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeAliases(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(certFormats, format) {
				return usageErr(cmd, "--format must be one of %s, got %q", strings.Join(certFormats, ", "), format)
			}
			alias := ""
			if len(args) == 1 {
				alias = args[0]
			}
			if (alias == "") == (id == "") {
				return usageErr(cmd, "name the keypair (ALIAS) or the certificate (--id CERT_ID), not both")
			}
			toStdout := out == "" || out == "-"
			if toStdout && (format == "der" || format == "p7b") && a.stdoutTerminal() {
				return usageErr(cmd, "--format %s is binary: write it to a file with --out FILE", format)
			}
			if chainOut != "" && chainOut == out {
				return usageErr(cmd, "--out and --chain-out must be different files")
			}
			r, err := a.rest()
			if err != nil {
				return err
			}
			p := apiPath("keypairs", alias, "certificate")
			if id != "" {
				p = apiPath("certificates", id, "download")
			}
			body, err := r.get(cmd.Context(), p, certQuery(format))
			if err != nil {
				return err
			}
			var chain []byte
			if chainOut != "" {
				if chain, err = r.get(cmd.Context(), p, certQuery("chain")); err != nil {
					return err
				}
			}
			if toStdout {
				if _, err := a.stdout.Write(body); err != nil {
					return err
				}
			} else if err := os.WriteFile(out, body, 0o644); err != nil {
				return err
			}
			res := downloadResult{Keypair: alias, CertificateID: id, Format: format, Out: out, ChainOut: chainOut}
			if leaf := leafOf(format, body); leaf != nil {
				res.Subject, res.Serial, res.NotAfter = leaf.Subject.String(), leaf.SerialNumber.Text(16), leaf.NotAfter.UTC()
			}
			if chainOut != "" {
				if err := os.WriteFile(chainOut, chain, 0o644); err != nil {
					return err
				}
				certs := parsePEMCerts(chain)
				res.ChainLength = len(certs)
				if len(certs) == 0 || !selfSigned(certs[len(certs)-1]) {
					a.warn("the chain in %s does not end with a self-signed root (an imported certificate's chain may stop short): add the root before using it with openssl verify", chainOut)
				}
			}
			if toStdout {
				return nil // stdout holds the download
			}
			a.note("Wrote %s%s.", out, map[bool]string{true: " and " + chainOut + " (root last)"}[chainOut != ""])
			return a.show(res, func(w io.Writer) {
				na := ""
				if !res.NotAfter.IsZero() {
					na = res.NotAfter.Format(time.RFC3339)
				}
				chainLen := ""
				if chainOut != "" {
					chainLen = fmt.Sprint(res.ChainLength)
				}
				pairs(w, "Subject", res.Subject, "Serial", res.Serial, "Not after", na, "Format", format,
					"Out", out, "Chain out", chainOut, "Chain length", chainLen)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&out, "out", "", "file to write (default: stdout)")
	fl.StringVar(&chainOut, "chain-out", "", "also write the chain (intermediates, then root) as PEM to this file")
	fl.StringVar(&format, "format", "pem", "pem, der, chain, fullchain or p7b")
	fl.StringVar(&id, "id", "", "download this certificate (an ID from \"signet certificate ls\") instead of the keypair's default")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(certFormats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// leafOf parses the certificate at the head of a download, when the
// format holds one that is easy to read (not p7b, not chain).
func leafOf(format string, body []byte) *x509.Certificate {
	switch format {
	case "pem", "fullchain":
		if cs := parsePEMCerts(body); len(cs) > 0 {
			return cs[0]
		}
	case "der":
		if c, err := x509.ParseCertificate(body); err == nil {
			return c
		}
	}
	return nil
}

// stdoutTerminal reports whether stdout is a terminal.
func (a *app) stdoutTerminal() bool {
	f, ok := a.stdout.(*os.File)
	return ok && isTerminal(f)
}
