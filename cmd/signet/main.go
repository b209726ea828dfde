// Command signet is the Signet CLI for people and CI pipelines: credentials,
// keypairs, certificates, hash signing, releases, logs, users, API tokens and
// client certificates. See ui.go for the rules of its output and
// its exit codes, and docs/cli/ for the reference.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := newApp()
	err := a.root().ExecuteContext(ctx)
	stop()
	os.Exit(a.report(err))
}

func (a *app) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "signet",
		Short: "Sign code with keys kept in Signet",
		Long: `signet talks to a Signet server: it hashes files locally, sends only the
digests, and writes the signatures the server returns. Private keys never
leave the server.

Credentials come from flags, then the environment (SIGNET_HOST,
SIGNET_API_KEY, SIGNET_CLIENT_CERT_FILE, SIGNET_CLIENT_CERT_PASSWORD,
SIGNET_CA_FILE, with SM_* fallbacks), then what "signet credentials save"
stored, then the config file ($XDG_CONFIG_HOME/signet/config.yaml).`,
		Example: `  . signet-dev/credentials.env && signet healthcheck
  signet keypair generate release-ec --algorithm ecdsa
  signet sign --keypair-alias release-ec --input app.tar.gz
  signet logs ls --type signature -o json`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		Version:           version,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return a.checkGlobal() },
	}
	a.globalFlags(root)
	root.AddCommand(credentialsCmd(a), healthcheckCmd(a), keypairCmd(a), certificateCmd(a), signCmd(a), verifyCmd(a), releaseCmd(a), logsCmd(a),
		userCmd(a), tokenCmd(a), clientCertCmd(a), agentCmd(a), groupCmd(a), teamCmd(a), roleCmd(a), settingsCmd(a))
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr(c, "%v", err)
	})
	finish(root)
	return root
}

// finish walks the tree: argument errors become usage errors (exit 2), and
// every command that only holds subcommands gets a RunE that shows help
// when called bare and refuses an unknown subcommand (cobra would print
// help and exit 0).
func finish(c *cobra.Command) {
	for _, sub := range c.Commands() {
		finish(sub)
	}
	if orig := c.Args; orig != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := orig(cmd, args); err != nil {
				return usageErr(cmd, "%v", err)
			}
			return nil
		}
	}
	if c.Run != nil || c.RunE != nil || !c.HasSubCommands() {
		return
	}
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		cmd.SuggestionsMinimumDistance = 2
		fix := "run \"" + cmd.CommandPath() + " --help\" for the commands"
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			fix = "did you mean \"" + cmd.CommandPath() + " " + strings.Join(s, "\" or \""+cmd.CommandPath()+" ") + "\"?"
		}
		return &cliError{code: exitUsage, msg: fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath()), fix: fix}
	}
}
