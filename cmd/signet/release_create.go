package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/client"
	"github.com/spf13/cobra"
)

// releaseFlags are the fields of release create and release update.
type releaseFlags struct {
	name, version, note, team, category, typ string
	start, end                               string
	keypairs, participants                   []string
	max                                      int
}

func (f *releaseFlags) register(a *app, cmd *cobra.Command, create bool) {
	fl := cmd.Flags()
	if create {
		fl.StringVar(&f.typ, "type", "", "online, offline (needs approval) or test (required)")
		fl.StringVar(&f.category, "category", "", "standard (default) or gpg")
		fl.StringVar(&f.start, "start", "now", "start of the window: RFC 3339, now, or a duration from now such as +1h")
		_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions([]string{"online", "offline", "test"}, cobra.ShellCompDirectiveNoFileComp))
		_ = cmd.RegisterFlagCompletionFunc("category", cobra.FixedCompletions([]string{"standard", "gpg"}, cobra.ShellCompDirectiveNoFileComp))
	} else {
		fl.StringVar(&f.name, "name", "", "new name")
		fl.StringVar(&f.start, "start", "", "start of the window: RFC 3339, now, or a duration from now such as +1h")
	}
	fl.StringVar(&f.end, "end", "", "end of the window: RFC 3339, or a duration from now such as +8h")
	fl.StringSliceVar(&f.keypairs, "keypair", nil, "keypair aliases or IDs, comma-separated")
	fl.StringSliceVar(&f.participants, "participants", nil, "user names or IDs who may sign in it (default: you)")
	fl.IntVar(&f.max, "max-signatures", 0, "most signatures that count toward the release")
	fl.StringVar(&f.version, "version", "", "version label, e.g. 2.1.0")
	fl.StringVar(&f.note, "note", "", "free text")
	fl.StringVar(&f.team, "team", "", "team owning the release")
	_ = cmd.RegisterFlagCompletionFunc("keypair", func(cmd *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return completeAliases(a)(cmd, nil, prefix)
	})
}

// updatable are the flags of release update.
var updatable = []string{"name", "version", "note", "team", "keypair", "participants", "start", "end", "max-signatures"}

// releaseTime reads RFC 3339, "now", or a duration from now ("+2h", "2h",
// "-30m").
func releaseTime(s string, now time.Time) (time.Time, error) {
	switch {
	case s == "now":
		return now, nil
	case strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-") || (s != "" && s[0] >= '0' && s[0] <= '9' && !strings.Contains(s, "T")):
		d, err := time.ParseDuration(strings.TrimPrefix(s, "+"))
		if err == nil {
			return now.Add(d), nil
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, fmt.Errorf("want an RFC 3339 time such as 2026-01-02T15:04:05Z, now, or a duration from now such as +8h; got %q", s)
	}
	return t, nil
}

func releaseCreateCmd(a *app) *cobra.Command {
	var f releaseFlags
	cmd := &cobra.Command{
		Use:   "create NAME --type online|offline|test --keypair ALIAS[,ALIAS...] --end TIME --max-signatures N",
		Short: "Create a release (an offline one is requested and waits for approval)",
		Long: `Create a release: a window in which participants sign with its keypairs, up
to a maximum number of signatures. An online or test release starts at
once; an offline release is a request that approvers decide on ("signet
release approve"). Participants default to you. A keypair is in at most
one live release. Needs the release.request permission.`,
		Example: `  signet release create v2.1 --type online --keypair release-ec --start now --end +8h --max-signatures 100
  signet release create v2.1 --type offline --keypair vault-rsa,vault-ec \
      --start 2026-03-01T09:00:00Z --end 2026-03-01T17:00:00Z --max-signatures 20 --participants alice,ci-bot
  signet release create nightly --type test --keypair test-ec --end +24h --max-signatures 1000 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case f.typ == "":
				return usageErr(cmd, "--type is required: online, offline or test")
			case len(f.keypairs) == 0:
				return usageErr(cmd, "--keypair is required: one or more keypair aliases")
			case f.end == "":
				return usageErr(cmd, "--end is required: when the window closes")
			case f.max < 1:
				return usageErr(cmd, "--max-signatures is required: 1 or more")
			}
			now := time.Now()
			start, err := releaseTime(f.start, now)
			if err != nil {
				return usageErr(cmd, "--start: %v", err)
			}
			end, err := releaseTime(f.end, now)
			if err != nil {
				return usageErr(cmd, "--end: %v", err)
			}
			c, _, err := a.client()
			if err != nil {
				return err
			}
			r, err := c.CreateRelease(cmd.Context(), client.ReleaseCreate{Name: args[0], Version: f.version, Category: f.category,
				Team: f.team, Type: f.typ, Keypairs: f.keypairs, Participants: f.participants, Start: start, End: end,
				MaxSignatures: f.max, Note: f.note})
			if err != nil {
				return err
			}
			if r.Status == "pending" {
				a.note("Requested release %s (%s): it waits for %d approval(s); an approver runs \"signet release approve %s\".",
					r.Name, r.ID, r.ApprovalsRequired, r.ID)
			} else {
				a.note("Created release %s (%s), %s.", r.Name, r.ID, r.EffectiveStatus)
			}
			return a.showRelease(cmd.Context(), c, r, f.participants)
		},
	}
	f.register(a, cmd, true)
	return cmd
}

func releaseUpdateCmd(a *app) *cobra.Command {
	var f releaseFlags
	cmd := &cobra.Command{
		Use:   "update ID|NAME [--name N] [--version V] [--note T] [--keypair ...] [--participants ...] [--start T] [--end T] [--max-signatures N]",
		Short: "Change a release; what may change depends on its status",
		Long: `Change the fields given as flags; the others stay. A completed, rejected or
closed release takes only --name, --version and --note; one in progress
takes every field from its creator and approvers, and only those three
from others; one not started (or pending) takes every field.`,
		Example: `  signet release update v2.1 --max-signatures 200
  signet release update v2.1 --end +2h --note "extended for the hotfix"
  signet release update 0197a3c4-... --participants alice,bob,ci-bot -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			changed := cmd.Flags().Changed
			if !slices.ContainsFunc(updatable, changed) {
				return usageErr(cmd, "nothing to change: give at least one of --%s", strings.Join(updatable, ", --"))
			}
			var u client.ReleaseUpdate
			str := func(flag, v string) *string {
				if changed(flag) {
					return &v
				}
				return nil
			}
			u.Name, u.Version, u.Note, u.Team = str("name", f.name), str("version", f.version), str("note", f.note), str("team", f.team)
			if changed("keypair") {
				u.Keypairs = f.keypairs
			}
			if changed("participants") {
				u.Participants = f.participants
			}
			if changed("max-signatures") {
				u.MaxSignatures = &f.max
			}
			now := time.Now()
			for _, tf := range []struct {
				flag string
				dst  **time.Time
			}{{"start", &u.Start}, {"end", &u.End}} {
				if !changed(tf.flag) {
					continue
				}
				v, _ := cmd.Flags().GetString(tf.flag)
				t, err := releaseTime(v, now)
				if err != nil {
					return usageErr(cmd, "--%s: %v", tf.flag, err)
				}
				*tf.dst = &t
			}
			c, _, err := a.client()
			if err != nil {
				return err
			}
			r, err := findRelease(cmd.Context(), c, args[0])
			if err != nil {
				return err
			}
			if r, err = c.UpdateRelease(cmd.Context(), r.ID, u); err != nil {
				return err
			}
			a.note("Updated release %s.", r.Name)
			return a.showRelease(cmd.Context(), c, r, f.participants)
		},
	}
	f.register(a, cmd, false)
	return cmd
}
