// Command signetd is the Signet server: REST API, signing, audit.
//
//	signetd dev                 a ready server on embedded defaults
//	signetd serve --config F    a production server
//	signetd audit verify        check the audit log's hash chain
//
// Only this package reads flags, environment variables and files.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	// Key backends compiled into signetd.
	_ "github.com/signet-project/signet/internal/keys/disk"
	_ "github.com/signet-project/signet/internal/keys/hsm"
)

func main() {
	if err := rootCmd().Execute(); err != nil {
		if err != errSilentFailure {
			fmt.Fprintln(os.Stderr, "signetd:", err)
		}
		os.Exit(1)
	}
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "signetd",
		Short: "Signet code-signing server",
		Long: `signetd serves Signet's REST API over HTTPS: hash signing with keys kept in an HSM
or encrypted in the database, every signature authorized and recorded in a
hash-chained audit log. It also runs a private CA (certificates for keypairs, CRL
at /crl/NAME.crl, OCSP at /ocsp) and an RFC 3161 time-stamping authority at /tsa.

Start with "signetd dev" for a ready server on embedded defaults; "signetd serve
--config FILE" in production (docs/configuration.md).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(devCmd(), serveCmd(), auditCmd(), userCmd(), tokenCmd(), clientCertCmd(), groupCmd(), teamCmd(), roleCmd(), settingsCmd(), masterKeyCmd(), benchCmd())
	return root
}
