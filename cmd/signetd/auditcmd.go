package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/server"
)

func auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Audit log tools"}
	var cfgPath, dataDir string
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check the whole audit log's hash chain",
		Long: `Walk the audit log from its first record and check every record's sequence
number, link to the record before it, and hash. Exits 0 when the chain is
intact; otherwise prints the first broken record (seq and id) and exits 1.`,
		Example: "  signetd audit verify -c /etc/signet/signetd.yaml\n  signetd audit verify --data-dir ./signet-dev",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dataDir != "" {
				cfgPath = filepath.Join(dataDir, "config.yaml")
			}
			return withStore(cmd.Context(), cfgPath, func(st server.Store) error {
				rep, err := audit.Verify(cmd.Context(), st)
				var be *audit.BrokenError
				if errors.As(err, &be) {
					fmt.Fprintf(cmd.OutOrStdout(), "FAIL: %v (after %d good records)\n", be, rep.Records)
					return errSilentFailure
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "OK: %d records, chain head %s\n", rep.Records, hex.EncodeToString(rep.Head))
				return nil
			})
		},
	}
	configFlag(verify, &cfgPath)
	verify.Flags().StringVar(&dataDir, "data-dir", "", "use the configuration of a `signetd dev` data directory")
	cmd.AddCommand(verify)
	return cmd
}

// errSilentFailure exits 1 after the command printed its own explanation.
var errSilentFailure = errors.New("audit chain verification failed")
