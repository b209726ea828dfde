package main

import (
	"io"

	"github.com/signet-project/signet/internal/client"
	"github.com/spf13/cobra"
)

// keypairCreate is client.KeypairCreate with the certificate fields.
type keypairCreate struct {
	client.KeypairCreate
	// GenerateCert also issues a certificate under CertProfile (default:
	// the profile of the keypair's category), renewed before it expires
	// when AutoRenew is set.
	GenerateCert bool   `json:"generate_cert,omitempty"`
	CertProfile  string `json:"cert_profile,omitempty"`
	AutoRenew    bool   `json:"auto_renew,omitempty"`
}

func keypairGenerateCmd(a *app) *cobra.Command {
	var req keypairCreate
	r := &req.KeypairCreate
	cmd := &cobra.Command{
		Use:   "generate ALIAS --algorithm rsa|ecdsa|eddsa",
		Short: "Generate a keypair on the server (the private key never leaves it)",
		Long: `Generate a keypair. The private key is made and kept on the server (in the
HSM or envelope-encrypted on disk); only the public key is shown.
Generating needs the keypair.generate permission and the client
certificate. With --generate-cert, Signet's CA also issues the keypair's
default certificate (under --cert-profile, by default the profile of its
category); "signet certificate download ALIAS" fetches it.`,
		Example: `  signet keypair generate release-ec --algorithm ecdsa --curve P-256
  signet keypair generate release-ec --algorithm ecdsa --generate-cert --cert-profile production
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
			if (req.CertProfile != "" || req.AutoRenew) && !req.GenerateCert {
				return usageErr(cmd, "--cert-profile and --auto-renew need --generate-cert")
			}
			r.Alias = args[0]
			c, err := a.rest()
			if err != nil {
				return err
			}
			var k client.Keypair
			if err := c.call(cmd.Context(), "POST", apiPath("keypairs"), nil, req, &k); err != nil {
				return err
			}
			withCert := ""
			if k.CertificatePEM != "" {
				withCert = " with a certificate"
			}
			a.note("Generated keypair %s (%s)%s.", k.Alias, algName(k.Algorithm), withCert)
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
	fl.BoolVar(&req.GenerateCert, "generate-cert", false, "also issue the keypair's certificate from Signet's CA")
	fl.StringVar(&req.CertProfile, "cert-profile", "", "certificate profile for --generate-cert (default: production or test, after --category)")
	fl.BoolVar(&req.AutoRenew, "auto-renew", false, "with --generate-cert: renew the certificate before it expires")
	for flag, vals := range map[string][]string{"algorithm": {"rsa", "ecdsa", "eddsa"}, "curve": {"P-256", "P-384", "P-521"},
		"storage": {"disk", "hsm"}, "status": {"online", "offline"}, "type": {"static", "dynamic"},
		"category": {"production", "test"}, "access": {"open", "restricted"}, "key-size": {"2048", "3072", "4096"}} {
		_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(vals, cobra.ShellCompDirectiveNoFileComp))
	}
	return cmd
}
