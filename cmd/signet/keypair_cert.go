package main

import (
	"io"

	"github.com/spf13/cobra"
)

// issueRequest asks Signet's CA for a keypair's certificate.
type issueRequest struct {
	Profile   string `json:"profile,omitempty"`
	Default   *bool  `json:"default,omitempty"` // server default: true
	AutoRenew bool   `json:"auto_renew,omitempty"`
}

func keypairGenerateCertCmd(a *app) *cobra.Command {
	var req issueRequest
	var makeDefault bool
	cmd := &cobra.Command{
		Use:   "generate-cert ALIAS [--profile NAME]",
		Short: "Issue a certificate for a keypair from Signet's CA",
		Long: `Issue a certificate for the keypair's current key from Signet's private CA,
under a certificate profile (subject, validity, key usage, EKU codeSigning);
by default the profile named after the keypair's category (production or
test). The new certificate becomes the keypair's default unless
--default=false. Needs the certificate.generate permission.`,
		Example: `  signet keypair generate-cert release-ec
  signet keypair generate-cert release-ec --profile android-25y --auto-renew
  signet keypair generate-cert release-ec --default=false -o json`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeAliases(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("default") {
				req.Default = &makeDefault
			}
			r, err := a.rest()
			if err != nil {
				return err
			}
			var c certificate
			if err := r.call(cmd.Context(), "POST", apiPath("keypairs", args[0], "certificates"), nil, req, &c); err != nil {
				return err
			}
			a.note("Issued certificate %s for %s (serial %s)%s; \"signet certificate download %s\" fetches it.",
				c.ID, args[0], c.Serial, map[bool]string{true: ", the default"}[c.Default], args[0])
			return a.show(c, func(w io.Writer) { certTable(w, c) })
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&req.Profile, "profile", "", "certificate profile (default: production or test, after the keypair's category)")
	fl.BoolVar(&makeDefault, "default", true, "make it the keypair's default certificate")
	fl.BoolVar(&req.AutoRenew, "auto-renew", false, "renew it before it expires while it is the default")
	return cmd
}
