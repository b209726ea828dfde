package main

import (
	"fmt"
	"io"
	"time"

	"github.com/signet-project/signet/internal/client"
	"github.com/spf13/cobra"
)

func keypairCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "keypair",
		Aliases: []string{"keypairs"},
		Short:   "List, describe, generate, certify, refresh, suspend and delete keypairs",
	}
	cmd.AddCommand(keypairLsCmd(a), keypairDescribeCmd(a), keypairGenerateCmd(a), keypairGenerateCertCmd(a), keypairRefreshCmd(a),
		keypairStateCmd(a, "suspend"), keypairStateCmd(a, "unsuspend"), keypairDeleteCmd(a))
	return cmd
}

func keypairLsCmd(a *app) *cobra.Command {
	var f client.KeypairFilter
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List the keypairs you may see",
		Example: `  signet keypair ls
  signet keypair ls --state active --category production -o json
  signet keypair ls --alias release-`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, _, err := a.client()
			if err != nil {
				return err
			}
			kps, err := c.ListKeypairs(cmd.Context(), f)
			if err != nil {
				return err
			}
			if kps == nil {
				kps = []client.Keypair{}
			}
			return a.show(kps, func(w io.Writer) {
				row(w, "ALIAS", "ALGORITHM", "TYPE", "CATEGORY", "STORAGE", "STATUS", "STATE", "CREATED")
				for _, k := range kps {
					row(w, k.Alias, algName(k.Algorithm), k.Type, k.Category, k.Storage, k.Status, k.State,
						k.CreatedAt.UTC().Format(time.DateTime))
				}
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Alias, "alias", "", "alias prefix")
	fl.StringVar(&f.State, "state", "", "active, suspended or destroyed")
	fl.StringVar(&f.Storage, "storage", "", "disk or hsm")
	fl.StringVar(&f.Status, "status", "", "online or offline")
	fl.StringVar(&f.Category, "category", "", "production or test")
	fl.StringVar(&f.Type, "type", "", "static or dynamic")
	return cmd
}

// algName is "rsa-3072", "ecdsa-P-256" or "eddsa-Ed25519".
func algName(al client.Algorithm) string {
	switch {
	case al.Bits > 0:
		return fmt.Sprintf("%s-%d", al.Type, al.Bits)
	case al.Curve != "":
		return al.Type + "-" + al.Curve
	}
	return al.Type
}

// describeTable writes one keypair as "Key: value" lines.
func describeTable(w io.Writer, k client.Keypair) {
	cert := "none (issue one with \"signet keypair generate-cert " + k.Alias + "\")"
	if k.CertificatePEM != "" {
		cert = "yes (signet certificate download " + k.Alias + ")"
		if cs := parsePEMCerts([]byte(k.CertificatePEM)); len(cs) > 0 {
			cert = cs[0].Subject.String() + ", until " + cs[0].NotAfter.UTC().Format(time.DateOnly) + " (signet certificate download " + k.Alias + ")"
		}
	}
	pairs(w, "Alias", k.Alias, "ID", k.ID, "Algorithm", algName(k.Algorithm), "Type", k.Type,
		"Category", k.Category, "Storage", k.Storage, "Status", k.Status, "State", k.State,
		"Access", k.Access, "Generation", fmt.Sprint(k.Generation), "Created by", k.CreatedBy,
		"Created", k.CreatedAt.UTC().Format(time.RFC3339), "SHA-256 (SPKI)", k.Fingerprints["sha256"],
		"Certificate", cert)
	fmt.Fprintf(w, "Public key:\n%s", k.PublicKeyPEM)
}

// completeAliases completes keypair aliases from the server, when the
// credentials allow.
func completeAliases(a *app) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c, _, err := a.client()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		kps, err := c.ListKeypairs(cmd.Context(), client.KeypairFilter{Alias: prefix})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, k := range kps {
			out = append(out, cobra.CompletionWithDesc(k.Alias, algName(k.Algorithm)+" "+k.State))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
