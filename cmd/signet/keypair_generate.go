package main

import (
	"io"

	"github.com/signet-project/signet/internal/client"
	"github.com/spf13/cobra"
)

func keypairGenerateCmd(a *app) *cobra.Command {
	var r client.KeypairCreate
	cmd := &cobra.Command{
		Use:   "generate ALIAS --algorithm rsa|ecdsa|eddsa",
		Short: "Generate a keypair on the server (the private key never leaves it)",
		Long: `Generate a keypair. The private key is made and kept on the server (in the
HSM or envelope-encrypted on disk); only the public key is shown.
Generating needs the keypair.generate permission and the client
certificate.`,
		Example: `  signet keypair generate release-ec --algorithm ecdsa --curve P-256
  signet keypair generate release-rsa --algorithm rsa --key-size 3072 --storage hsm
  signet keypair generate nightly --algorithm eddsa --category test -o json
  signet keypair generate build-dyn --algorithm ecdsa --type dynamic --rotate-per-signature`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if r.Algorithm == "" {
				return usageErr(cmd, "--algorithm is required: rsa, ecdsa or eddsa")
			}
			if r.RotatePerSignature && r.Type != "dynamic" {
				return usageErr(cmd, "--rotate-per-signature needs --type dynamic")
			}
			r.Alias = args[0]
			c, _, err := a.client()
			if err != nil {
				return err
			}
			k, err := c.GenerateKeypair(cmd.Context(), r)
			if err != nil {
				return err
			}
			a.note("Generated keypair %s (%s).", k.Alias, algName(k.Algorithm))
			return a.show(k, func(w io.Writer) { describeTable(w, k) })
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&r.Algorithm, "algorithm", "", "rsa, ecdsa or eddsa (required)")
	fl.IntVar(&r.KeySize, "key-size", 0, "RSA modulus size: 2048, 3072 (default) or 4096")
	fl.StringVar(&r.Curve, "curve", "", "ECDSA curve: P-256 (default), P-384 or P-521")
	fl.StringVar(&r.Storage, "storage", "", "disk or hsm (default: the server's)")
	fl.StringVar(&r.Status, "status", "", "online (default) or offline (signs only in an approved release)")
	fl.StringVar(&r.Type, "type", "", "static (default) or dynamic (its key is replaced every rotation interval)")
	fl.BoolVar(&r.RotatePerSignature, "rotate-per-signature", false, "dynamic keypairs: also replace the key after every signature")
	fl.StringVar(&r.Category, "category", "", "production (default) or test")
	fl.StringVar(&r.Access, "access", "", "open (default) or restricted")
	fl.StringSliceVar(&r.AllowedUsers, "allowed-users", nil, "users allowed to sign with a restricted keypair")
	fl.StringSliceVar(&r.AllowedGroups, "allowed-groups", nil, "groups allowed to sign with a restricted keypair")
	fl.StringVar(&r.Team, "team", "", "team owning the keypair")
	fl.StringVar(&r.Profile, "profile", "", "keypair profile")
	for flag, vals := range map[string][]string{"algorithm": {"rsa", "ecdsa", "eddsa"}, "curve": {"P-256", "P-384", "P-521"},
		"storage": {"disk", "hsm"}, "status": {"online", "offline"}, "type": {"static", "dynamic"},
		"category": {"production", "test"}, "access": {"open", "restricted"}, "key-size": {"2048", "3072", "4096"}} {
		_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(vals, cobra.ShellCompDirectiveNoFileComp))
	}
	return cmd
}
