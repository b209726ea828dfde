package main

import (
	"io"
	"os"

	"github.com/spf13/cobra"
)

func keypairDescribeCmd(a *app) *cobra.Command {
	var pubOut string
	cmd := &cobra.Command{
		Use:   "describe ALIAS",
		Short: "Show a keypair, with its public key as PEM",
		Example: `  signet keypair describe release-ec
  signet keypair describe release-ec -o json
  signet keypair describe release-ec --public-key-out release-ec.pub   # for openssl dgst -verify`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeAliases(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := a.client()
			if err != nil {
				return err
			}
			k, err := c.GetKeypair(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if pubOut != "" {
				if err := os.WriteFile(pubOut, []byte(k.PublicKeyPEM), 0o644); err != nil {
					return err
				}
				a.note("Wrote the public key to %s.", pubOut)
			}
			return a.show(k, func(w io.Writer) { describeTable(w, k) })
		},
	}
	cmd.Flags().StringVar(&pubOut, "public-key-out", "", "also write the public key (PEM) to this file")
	return cmd
}
