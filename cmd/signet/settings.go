package main

import (
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"
)

// settings are the account settings as the API shows them.
type settings struct {
	Require2FA            bool      `json:"require_2fa"`
	TeamsEnabled          bool      `json:"teams_enabled"`
	RequireKeypairProfile bool      `json:"require_keypair_profile"`
	ReleaseApprovals      int       `json:"release_approvals"`
	RotationSeconds       int       `json:"rotation_interval_seconds"`
	UpdatedAt             time.Time `json:"updated_at"`
}

func settingsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "settings",
		Short: "Show and change the account settings (Leads)",
		Long: `The account-wide settings: two-factor sign-in for every standard user,
teams, whether every new keypair needs a keypair profile, the approvals
an offline release needs and the dynamic-keypair rotation interval.
Changing them needs settings.manage (the Lead role) and is audited.`,
	}
	cmd.AddCommand(settingsShowCmd(a), settingsSetCmd(a))
	return cmd
}

func settingsShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "show",
		Aliases: []string{"get"},
		Short:   "Show the account settings",
		Example: "  signet settings show -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.settingsCall(cmd, "GET", nil)
		},
	}
}

func settingsSetCmd(a *app) *cobra.Command {
	var s settings
	cmd := &cobra.Command{
		Use:   "set [--require-2fa=BOOL] [--teams=BOOL] [--require-keypair-profile=BOOL] [--release-approvals N] [--rotation-interval DURATION]",
		Short: "Change the settings given; the others stay as they are",
		Example: `  signet settings set --require-2fa
  signet settings set --release-approvals 2 --rotation-interval 30m
  signet settings set --teams=false
  signet settings set --require-keypair-profile`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			body := map[string]any{}
			if fl.Changed("require-2fa") {
				body["require_2fa"] = s.Require2FA
			}
			if fl.Changed("teams") {
				body["teams_enabled"] = s.TeamsEnabled
			}
			if fl.Changed("require-keypair-profile") {
				body["require_keypair_profile"] = s.RequireKeypairProfile
			}
			if fl.Changed("release-approvals") {
				body["release_approvals"] = s.ReleaseApprovals
			}
			if fl.Changed("rotation-interval") {
				d, _ := fl.GetDuration("rotation-interval")
				if d%time.Second != 0 {
					return usageErr(cmd, "--rotation-interval must be whole seconds, got %s", d)
				}
				body["rotation_interval_seconds"] = int(d / time.Second)
			}
			if len(body) == 0 {
				return usageErr(cmd, "nothing to change: give at least one setting (see --help)")
			}
			return a.settingsCall(cmd, "PATCH", body)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&s.Require2FA, "require-2fa", false, "require TOTP at every standard user's sign-in")
	fl.BoolVar(&s.TeamsEnabled, "teams", false, "scope team keypairs and releases to team members")
	fl.BoolVar(&s.RequireKeypairProfile, "require-keypair-profile", false, "refuse keypairs generated or imported without a keypair profile")
	fl.IntVar(&s.ReleaseApprovals, "release-approvals", 1, "approvals an offline release needs, 1 to 10")
	fl.Duration("rotation-interval", 15*time.Minute, "dynamic-keypair rotation interval, 1m to 24h")
	return cmd
}

func (a *app) settingsCall(cmd *cobra.Command, method string, body any) error {
	r, err := a.rest()
	if err != nil {
		return err
	}
	var s settings
	if err := r.call(cmd.Context(), method, apiPath("settings"), nil, body, &s); err != nil {
		return err
	}
	if method != "GET" {
		a.note("Updated the account settings.")
	}
	updated := ""
	if !s.UpdatedAt.IsZero() {
		updated = s.UpdatedAt.UTC().Format(time.RFC3339)
	}
	return a.show(s, func(w io.Writer) {
		pairs(w, "Require 2FA", strconv.FormatBool(s.Require2FA), "Teams enabled", strconv.FormatBool(s.TeamsEnabled),
			"Require keypair profile", strconv.FormatBool(s.RequireKeypairProfile),
			"Release approvals", strconv.Itoa(s.ReleaseApprovals),
			"Rotation interval", (time.Duration(s.RotationSeconds) * time.Second).String(),
			"Updated", updated)
	})
}
