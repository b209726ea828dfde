package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// keypairStateCmd is "keypair suspend" or "keypair unsuspend".
func keypairStateCmd(a *app, verb string) *cobra.Command {
	short := map[string]string{
		"suspend":   "Suspend a keypair: it signs nothing until unsuspended",
		"unsuspend": "Unsuspend a keypair: it may sign again",
	}[verb]
	return &cobra.Command{
		Use:               verb + " ALIAS",
		Short:             short,
		Long:              short + ". Needs the keypair.manage permission; the change is audited.",
		Example:           "  signet keypair " + verb + " release-ec",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeAliases(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := a.client()
			if err != nil {
				return err
			}
			do := c.SuspendKeypair
			if verb == "unsuspend" {
				do = c.UnsuspendKeypair
			}
			k, err := do(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			a.note("Keypair %s is now %s.", k.Alias, k.State)
			return a.show(k, func(w io.Writer) { describeTable(w, k) })
		},
	}
}

func keypairDeleteCmd(a *app) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete ALIAS",
		Short: "Delete a keypair: destroy its private key for good, keep its record",
		Long: `Destroy a keypair's private key; its record, public key and logs stay so
that old signatures still verify. This cannot be undone. It needs
keypair.delete and, as signing does, the client certificate as well as
the API token. On a terminal signet asks you to type the alias;
elsewhere pass --yes.`,
		Example:           "  signet keypair delete old-key\n  signet keypair delete old-key --yes   # in scripts",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeAliases(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.confirm("This destroys the private key of "+args[0]+" for good.", args[0], "delete keypair "+args[0], yes); err != nil {
				return err
			}
			c, _, err := a.client()
			if err != nil {
				return err
			}
			k, err := c.DeleteKeypair(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			a.note("Keypair %s is destroyed.", k.Alias)
			return a.show(k, func(w io.Writer) { describeTable(w, k) })
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// confirm asks, on a terminal, to type want before an action that cannot
// be undone; elsewhere it needs --yes. action is "delete keypair X".
func (a *app) confirm(warning, want, action string, yes bool) error {
	if yes {
		return nil
	}
	if !isTerminal(a.stdin) {
		return fail(exitUsage, "add --yes to confirm in a script", "refusing to %s without confirmation", action)
	}
	fmt.Fprintf(a.stderr, "%s Type %q to confirm: ", warning, want)
	s, _ := bufio.NewReader(a.stdin).ReadString('\n')
	if strings.TrimSpace(s) != want {
		return fail(exitUsage, "type it exactly, or pass --yes", "not confirmed; nothing done")
	}
	return nil
}
