package main

import (
	"io"

	"github.com/spf13/cobra"
)

func keypairRefreshCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "refresh ALIAS",
		Short: "Replace a dynamic keypair's key now (a new generation)",
		Long: `Replace a dynamic keypair's key and certificate now, as its rotation would:
the generation goes up by one, the old private key is destroyed, and its
public key stays listed so old signatures still verify. Needs the
keypair.manage permission; the refresh is audited as Dynamic/Refresh.`,
		Example: `  signet keypair refresh build-dyn
  signet keypair refresh build-dyn -o json`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeAliases(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := a.client()
			if err != nil {
				return err
			}
			k, err := c.RefreshKeypair(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			a.note("Keypair %s is at generation %d.", k.Alias, k.Generation)
			return a.show(k, func(w io.Writer) { describeTable(w, k) })
		},
	}
}
