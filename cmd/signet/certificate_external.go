package main

import (
	"bytes"
	"encoding/pem"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// A keypair may also carry a certificate from an external (public) CA:
// "certificate csr" makes the request with the keypair's key, and
// "certificate import" brings the issued certificate back with its chain.

func certificateCSRCmd(a *app) *cobra.Command {
	var out, profile string
	var subject map[string]string
	var dnsNames []string
	cmd := &cobra.Command{
		Use:   "csr ALIAS [--subject CN=NAME,O=ORG] [--out FILE.csr]",
		Short: "Make a PKCS#10 request for a keypair's key, for an external CA",
		Long: `Make a certificate signing request (PKCS#10, PEM) signed by the keypair's key
on the server, for a public or corporate CA. The subject comes from
--subject (CN, O, OU, C, ST, L; ${alias} and ${team} are replaced), or
else from a certificate profile (--profile, default: the keypair's
category). Without --out the request goes to stdout. Bring the issued
certificate back with "signet certificate import".`,
		Example: `  signet certificate csr release-ec --subject CN=ExampleCorp,O=ExampleCorp,C=US --out release-ec.csr
  signet certificate csr release-ec --profile production > release-ec.csr`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeAliases(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := a.rest()
			if err != nil {
				return err
			}
			body := map[string]any{"subject": subject, "profile": profile, "dns_names": dnsNames}
			var res struct {
				CSRPEM string `json:"csr_pem"`
			}
			if err := r.call(cmd.Context(), "POST", apiPath("keypairs", args[0], "csr"), nil, body, &res); err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err := io.WriteString(a.stdout, res.CSRPEM)
				return err
			}
			if err := os.WriteFile(out, []byte(res.CSRPEM), 0o644); err != nil {
				return err
			}
			a.note("Wrote %s: have a CA sign it, then \"signet certificate import %s --cert FILE --chain FILE\".", out, args[0])
			return a.show(map[string]string{"keypair": args[0], "out": out}, func(w io.Writer) {
				pairs(w, "Keypair", args[0], "Out", out)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&out, "out", "", "file to write (default: stdout)")
	fl.StringToStringVar(&subject, "subject", nil, "subject attributes, e.g. CN=Example,O=Example,C=US (default: from the profile)")
	fl.StringVar(&profile, "profile", "", "certificate profile whose subject to use when --subject is not given")
	fl.StringSliceVar(&dnsNames, "dns-name", nil, "DNS names to request as subject alternative names")
	return cmd
}

func certificateImportCmd(a *app) *cobra.Command {
	var certFile, chainFile string
	var makeDefault bool
	cmd := &cobra.Command{
		Use:   "import ALIAS --cert FILE [--chain FILE]",
		Short: "Import a certificate an external CA issued for a keypair's key",
		Long: `Import a certificate (PEM or DER) that an external CA issued from a
"signet certificate csr" request, with its chain (PEM: the issuer first,
the root last). The server checks that it certifies the keypair's current
key and that the chain links up. It becomes the keypair's default unless
--default=false.`,
		Example: `  signet certificate import release-ec --cert release-ec.crt --chain ca-chain.pem
  signet certificate import release-ec --cert release-ec.cer --default=false -o json`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeAliases(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			if certFile == "" {
				return usageErr(cmd, "--cert FILE is required")
			}
			certPEM, err := readCertPEM(certFile)
			if err != nil {
				return err
			}
			body := map[string]any{"certificate_pem": string(certPEM)}
			if chainFile != "" {
				chain, err := os.ReadFile(chainFile)
				if err != nil {
					return err
				}
				body["chain_pem"] = string(chain)
			}
			if cmd.Flags().Changed("default") {
				body["default"] = makeDefault
			}
			r, err := a.rest()
			if err != nil {
				return err
			}
			var c certificate
			if err := r.call(cmd.Context(), "POST", apiPath("keypairs", args[0], "certificates", "import"), nil, body, &c); err != nil {
				return err
			}
			a.note("Imported certificate %s for %s (serial %s)%s.", c.ID, args[0], c.Serial, map[bool]string{true: ", the default"}[c.Default])
			return a.show(c, func(w io.Writer) { certTable(w, c) })
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&certFile, "cert", "", "the issued certificate, PEM or DER (required)")
	fl.StringVar(&chainFile, "chain", "", "PEM bundle of the chain: the issuer first, the root last")
	fl.BoolVar(&makeDefault, "default", true, "make it the keypair's default certificate")
	return cmd
}

// readCertPEM reads a certificate file, PEM or DER, as PEM.
func readCertPEM(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(data, []byte("-----BEGIN")) {
		return data, nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: data}), nil
}
