package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/client"
	"github.com/spf13/cobra"
)

func releaseCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "release",
		Aliases: []string{"releases"},
		Short:   "Create, list, approve and close releases (signing windows with a budget)",
		Long: `A release is a signing window: keypairs, participants, a start and an end,
and a maximum number of signatures. Signatures by a participant with a
keypair of the release inside the window count toward the maximum; once it
is reached they are refused. Offline keypairs sign only inside an approved
offline release. Releases are named by ID, or by name when one matches.`,
	}
	cmd.AddCommand(releaseCreateCmd(a), releaseLsCmd(a), releaseDescribeCmd(a), releaseUpdateCmd(a),
		releaseDecideCmd(a, "approve"), releaseDecideCmd(a, "reject"), releaseCloseCmd(a))
	return cmd
}

// effectiveStatuses are the statuses time adds to the stored ones.
var effectiveStatuses = []string{"not_started", "in_progress", "completed", "failed"}

func releaseLsCmd(a *app) *cobra.Command {
	var status, keypair string
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List releases",
		Example: `  signet release ls
  signet release ls --status in_progress
  signet release ls --status pending -o json      # waiting for approval
  signet release ls --keypair release-ec`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			valid := append([]string{"pending", "approved", "rejected", "closed"}, effectiveStatuses...)
			if status != "" && !slices.Contains(valid, status) {
				return usageErr(cmd, "--status must be one of %s, got %q", strings.Join(valid, ", "), status)
			}
			c, _, err := a.client()
			if err != nil {
				return err
			}
			var f client.ReleaseFilter
			if !slices.Contains(effectiveStatuses, status) {
				f.Status = status
			}
			if keypair != "" {
				kp, err := c.GetKeypair(cmd.Context(), keypair)
				if err != nil {
					return err
				}
				f.KeypairID = kp.ID
			}
			rs, err := c.ListReleases(cmd.Context(), f)
			if err != nil {
				return err
			}
			if slices.Contains(effectiveStatuses, status) {
				rs = slices.DeleteFunc(rs, func(r client.Release) bool { return r.EffectiveStatus != status })
			}
			return a.show(rs, func(w io.Writer) {
				aliases := keypairAliases(cmd.Context(), c)
				row(w, "ID", "NAME", "VERSION", "TYPE", "STATUS", "USED", "KEYPAIRS", "START", "END")
				for _, r := range rs {
					row(w, r.ID, r.Name, r.Version, r.Type, r.EffectiveStatus, fmt.Sprintf("%d/%d", r.Used, r.MaxSignatures),
						strings.Join(named(r.Keypairs, aliases), ","), r.Start.UTC().Format(time.DateTime), r.End.UTC().Format(time.DateTime))
				}
			})
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "pending, approved, rejected, closed, or as time makes them: not_started, in_progress, completed, failed")
	cmd.Flags().StringVar(&keypair, "keypair", "", "releases holding this keypair (alias or ID)")
	_ = cmd.RegisterFlagCompletionFunc("status", cobra.FixedCompletions([]string{"pending", "approved", "rejected", "closed",
		"not_started", "in_progress", "completed", "failed"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func releaseDescribeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "describe ID|NAME",
		Short: "Show a release: window, budget used, approvals",
		Example: `  signet release describe 0197a3c4-...
  signet release describe v2.1 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, _, err := a.client()
			if err != nil {
				return err
			}
			r, err := findRelease(cmd.Context(), c, args[0])
			if err != nil {
				return err
			}
			return a.showRelease(cmd.Context(), c, r, nil)
		},
	}
}

// showRelease writes one release in the chosen format. participants, when
// not nil, are the names the participants were given by, in order.
func (a *app) showRelease(ctx context.Context, c *client.Client, r client.Release, participants []string) error {
	return a.show(r, func(w io.Writer) {
		names := keypairAliases(ctx, c)
		if len(participants) == len(r.Participants) {
			// The server resolves them in order and drops duplicates:
			// with as many ids as names, they pair up.
			for i, id := range r.Participants {
				names[id] = participants[i]
			}
		}
		if me, err := c.Me(ctx); err == nil {
			names[me.User.ID] = me.User.Name
		}
		for _, d := range r.Approvals {
			names[d.UserID] = d.UserName
		}
		releaseTable(w, r, names)
	})
}

// releaseTable writes one release as "Key: value" lines; names maps the
// keypair and user ids it knows to aliases and user names.
func releaseTable(w io.Writer, r client.Release, names map[string]string) {
	status := r.EffectiveStatus
	if status != r.Status {
		status += " (" + r.Status + ")"
	}
	approvals := "none needed"
	if r.ApprovalsRequired > 0 {
		var ds []string
		for _, d := range r.Approvals {
			s := d.UserName + " " + strings.TrimSuffix(d.Decision, "e") + "ed " + d.At.UTC().Format(time.RFC3339)
			if d.Comment != "" {
				s += ": " + d.Comment
			}
			ds = append(ds, s)
		}
		approvals = fmt.Sprintf("%d needed", r.ApprovalsRequired)
		if len(ds) > 0 {
			approvals += "; " + strings.Join(ds, "; ")
		}
	}
	pairs(w, "ID", r.ID, "Name", r.Name, "Version", r.Version, "Type", r.Type, "Category", r.Category,
		"Team", r.Team, "Status", status, "Keypairs", strings.Join(named(r.Keypairs, names), ", "),
		"Participants", strings.Join(named(r.Participants, names), ", "),
		"Start", r.Start.UTC().Format(time.RFC3339), "End", r.End.UTC().Format(time.RFC3339),
		"Signatures", fmt.Sprintf("%d of %d used, %d remaining", r.Used, r.MaxSignatures, r.Remaining),
		"Approvals", approvals, "Note", r.Note, "Created by", or(names[r.CreatedBy], r.CreatedBy), "Created", r.CreatedAt.UTC().Format(time.RFC3339))
}

// keypairAliases maps keypair ids to aliases, for tables; empty when the
// caller may not list keypairs.
func keypairAliases(ctx context.Context, c *client.Client) map[string]string {
	out := map[string]string{}
	kps, err := c.ListKeypairs(ctx, client.KeypairFilter{})
	if err != nil {
		return out
	}
	for _, k := range kps {
		out[k.ID] = k.Alias
	}
	return out
}

// named replaces the ids that have an alias with it.
func named(ids []string, aliases map[string]string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = or(aliases[id], id)
	}
	return out
}

// findRelease returns the release with this id or, failing that, the one
// release with this name (the live one, if several share it).
func findRelease(ctx context.Context, c *client.Client, ref string) (client.Release, error) {
	r, err := c.GetRelease(ctx, ref)
	var ae *client.APIError
	if err == nil || !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
		return r, err
	}
	all, lerr := c.ListReleases(ctx, client.ReleaseFilter{})
	if lerr != nil {
		return r, err
	}
	var named, live []client.Release
	for _, x := range all {
		if x.Name == ref {
			named = append(named, x)
			if slices.Contains([]string{"pending", "not_started", "in_progress"}, x.EffectiveStatus) {
				live = append(live, x)
			}
		}
	}
	switch {
	case len(named) == 1:
		return named[0], nil
	case len(live) == 1:
		return live[0], nil
	case len(named) == 0:
		return r, &client.APIError{Status: http.StatusNotFound, Code: "release_not_found",
			Message: fmt.Sprintf("no release with id or name %q", ref)}
	}
	ids := make([]string, len(named))
	for i, x := range named {
		ids[i] = x.ID
	}
	return r, fail(exitUsage, "name the release by ID: "+strings.Join(ids, ", "), "%d releases are named %q", len(named), ref)
}
