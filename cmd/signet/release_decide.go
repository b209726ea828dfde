package main

import (
	"github.com/spf13/cobra"
)

// releaseDecideCmd is "release approve" or "release reject".
func releaseDecideCmd(a *app, verb string) *cobra.Command {
	var comment string
	short := map[string]string{
		"approve": "Approve a pending offline release (not your own)",
		"reject":  "Reject a pending offline release: one rejection cancels it",
	}[verb]
	cmd := &cobra.Command{
		Use:   verb + " ID|NAME [--comment TEXT]",
		Short: short,
		Long: short + `. The release is approved once it has the approvals
the account requires. Deciding needs the release.approve permission and
the client certificate; requesters cannot decide on their own release.`,
		Example: "  signet release " + verb + " v2.1\n  signet release " + verb + " 0197a3c4-... --comment \"checked the change log\" -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := a.client()
			if err != nil {
				return err
			}
			r, err := findRelease(cmd.Context(), c, args[0])
			if err != nil {
				return err
			}
			do := c.ApproveRelease
			if verb == "reject" {
				do = c.RejectRelease
			}
			if r, err = do(cmd.Context(), r.ID, comment); err != nil {
				return err
			}
			a.note("Release %s is now %s.", r.Name, r.EffectiveStatus)
			return a.showRelease(cmd.Context(), c, r, nil)
		},
	}
	cmd.Flags().StringVar(&comment, "comment", "", "a note recorded with your decision")
	return cmd
}

func releaseCloseCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "close ID|NAME",
		Short: "Close a release early: nothing more counts toward it, its keypairs are free",
		Long: `Close a release before its end. Its keypairs may join another release at
once; an offline keypair of it signs no more. Needs to be its creator or
an approver.`,
		Example: "  signet release close v2.1\n  signet release close 0197a3c4-... -o json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := a.client()
			if err != nil {
				return err
			}
			r, err := findRelease(cmd.Context(), c, args[0])
			if err != nil {
				return err
			}
			if r, err = c.CloseRelease(cmd.Context(), r.ID); err != nil {
				return err
			}
			a.note("Release %s is closed.", r.Name)
			return a.showRelease(cmd.Context(), c, r, nil)
		},
	}
}
