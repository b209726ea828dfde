package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/policy"
)

func roleCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "role", Short: "List roles; manage custom roles (sets of the built-in permissions)"}
	list := identityCmd("list", "List built-in and custom roles with their permissions", "", cobra.NoArgs,
		func(cmd *cobra.Command, s *auth.Service, _ []string) error {
			rs, err := s.ListRoles(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ROLE\tSCOPE\tBUILT-IN\tPERMISSIONS")
			for _, r := range rs {
				perms := make([]string, len(r.Permissions))
				for i, a := range r.Permissions {
					perms[i] = string(a)
				}
				fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", r.Name, r.Scope, r.BuiltIn, strings.Join(perms, ","))
			}
			return tw.Flush()
		})
	var req auth.RoleRequest
	var perms []string
	define := func(use, short string, update bool) *cobra.Command {
		c := identityCmd(use+" NAME --permission P[,P...]", short,
			"  signetd role "+use+" releaser --permission release.request,release.view,sign -c signetd.yaml", cobra.ExactArgs(1),
			func(cmd *cobra.Command, s *auth.Service, args []string) error {
				req.Name, req.Permissions = args[0], nil
				for _, p := range perms {
					req.Permissions = append(req.Permissions, policy.Action(p))
				}
				var err error
				if update {
					_, err = s.UpdateRole(cmd.Context(), admin, args[0], req)
				} else {
					_, err = s.CreateRole(cmd.Context(), admin, req)
				}
				return err
			})
		c.Flags().StringSliceVar(&perms, "permission", nil, "permissions (see `signetd role list`)")
		c.Flags().StringVar(&req.Scope, "scope", policy.ScopeAccount, "account, or team (acts only inside the holder's teams)")
		c.Flags().StringVar(&req.Description, "description", "", "what the role is for")
		return c
	}
	del := identityCmd("delete NAME", "Delete a custom role nobody holds", "", cobra.ExactArgs(1),
		func(cmd *cobra.Command, s *auth.Service, args []string) error {
			return s.DeleteRole(cmd.Context(), admin, args[0])
		})
	cmd.AddCommand(list, define("create", "Create a custom role", false), define("update", "Replace a custom role's definition", true), del)
	return cmd
}

func settingsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "settings", Short: "Show or change account settings"}
	show := identityCmd("show", "Show the account settings", "", cobra.NoArgs,
		func(cmd *cobra.Command, s *auth.Service, _ []string) error {
			set, err := s.Settings(cmd.Context())
			if err == nil {
				printSettings(cmd, set)
			}
			return err
		})
	var (
		require2FA, teams, requireProfile bool
		approvals                         int
		rotation                          time.Duration
	)
	set := identityCmd("set", "Change account settings",
		"  signetd settings set --require-2fa=true --teams=true -c signetd.yaml\n"+
			"  signetd settings set --release-approvals 2 --rotation-interval 30m -c signetd.yaml\n"+
			"  signetd settings set --require-keypair-profile -c signetd.yaml", cobra.NoArgs,
		func(cmd *cobra.Command, s *auth.Service, _ []string) error {
			var u auth.SettingsUpdate
			if cmd.Flags().Changed("require-2fa") {
				u.Require2FA = &require2FA
			}
			if cmd.Flags().Changed("teams") {
				u.TeamsEnabled = &teams
			}
			if cmd.Flags().Changed("require-keypair-profile") {
				u.RequireKeypairProfile = &requireProfile
			}
			if cmd.Flags().Changed("release-approvals") {
				u.ReleaseApprovals = &approvals
			}
			if cmd.Flags().Changed("rotation-interval") {
				if rotation%time.Second != 0 {
					return fmt.Errorf("--rotation-interval %s: give whole seconds", rotation)
				}
				secs := int(rotation / time.Second)
				u.RotationSeconds = &secs
			}
			set, err := s.UpdateSettings(cmd.Context(), admin, u)
			if err == nil {
				printSettings(cmd, set)
			}
			return err
		})
	set.Flags().BoolVar(&require2FA, "require-2fa", false, "require TOTP of every standard user at web sign-in")
	set.Flags().BoolVar(&teams, "teams", false, "turn teams on: team keypairs and releases are scoped to their members")
	set.Flags().BoolVar(&requireProfile, "require-keypair-profile", false, "refuse keypairs generated or imported without a keypair profile")
	set.Flags().IntVar(&approvals, "release-approvals", auth.DefaultReleaseApprovals,
		fmt.Sprintf("approvals an offline release needs (1 to %d; a request keeps the number it was made with)", auth.MaxReleaseApprovals))
	set.Flags().DurationVar(&rotation, "rotation-interval", auth.DefaultRotation,
		"how often dynamic keypairs are replaced (1m to 24h)")
	cmd.AddCommand(show, set)
	return cmd
}

func printSettings(cmd *cobra.Command, set auth.Settings) {
	fmt.Fprintf(cmd.OutOrStdout(), "require_2fa: %v\nteams_enabled: %v\nrequire_keypair_profile: %v\nrelease_approvals: %d\nrotation_interval: %s\n",
		set.Require2FA, set.TeamsEnabled, set.RequireKeypairProfile, set.ReleaseApprovals, set.RotationInterval())
}
