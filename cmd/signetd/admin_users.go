package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/signet-project/signet/internal/auth"
)

const roleNames = "lead, team_lead, developer, build_engineer, signer, or a custom role"

func userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users from the server's console"}
	var req auth.UserRequest
	var passwordStdin bool
	create := identityCmd("create NAME", "Create a user",
		"  signetd user create alice --role lead --password-stdin -c signetd.yaml\n  signetd user create ci-bot --type service --role build_engineer -c signetd.yaml",
		cobra.ExactArgs(1), func(cmd *cobra.Command, s *auth.Service, args []string) error {
			req.Name = args[0]
			if passwordStdin {
				pw, err := readSecret(cmd.InOrStdin())
				if err != nil {
					return err
				}
				req.Password = pw
			}
			u, err := s.CreateUser(cmd.Context(), admin, req)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created user %s (id %s, type %s, roles %s)\n", u.Name, u.ID, u.Type, strings.Join(u.Roles, ","))
			return nil
		})
	create.Flags().StringSliceVar(&req.Roles, "role", nil, "role(s): "+roleNames)
	create.Flags().StringSliceVar(&req.Groups, "group", nil, "group(s) to join")
	create.Flags().StringVar(&req.Email, "email", "", "e-mail address")
	create.Flags().StringVar(&req.Type, "type", auth.UserStandard, "standard (a person) or service (automation)")
	create.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the initial password from standard input")

	list := identityCmd("list", "List users", "", cobra.NoArgs, func(cmd *cobra.Command, s *auth.Service, _ []string) error {
		us, err := s.ListUsers(cmd.Context(), admin)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tTYPE\tROLES\tGROUPS\tDISABLED\tID")
		for _, u := range us {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\n", u.Name, u.Type, strings.Join(u.Roles, ","), strings.Join(u.Groups, ","), u.Disabled, u.ID)
		}
		return tw.Flush()
	})

	var roles, groups []string
	update := identityCmd("update NAME", "Replace a user's roles or groups", "  signetd user update alice --role developer,signer -c signetd.yaml",
		cobra.ExactArgs(1), func(cmd *cobra.Command, s *auth.Service, args []string) error {
			var upd auth.UserUpdate
			if cmd.Flags().Changed("role") {
				upd.Roles = &roles
			}
			if cmd.Flags().Changed("group") {
				upd.Groups = &groups
			}
			u, err := s.UpdateUser(cmd.Context(), admin, args[0], upd)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "user %s: roles %s, groups %s\n", u.Name, strings.Join(u.Roles, ","), strings.Join(u.Groups, ","))
			return nil
		})
	update.Flags().StringSliceVar(&roles, "role", nil, "the user's roles (replaces them)")
	update.Flags().StringSliceVar(&groups, "group", nil, "the user's groups (replaces them)")

	cmd.AddCommand(create, list, update,
		userAction("disable", "Disable a user, revoking every token, session and client certificate at once", func(cmd *cobra.Command, s *auth.Service, name string) error {
			_, err := s.SetDisabled(cmd.Context(), admin, name, true)
			return err
		}),
		userAction("enable", "Enable a disabled user (revoked credentials stay revoked)", func(cmd *cobra.Command, s *auth.Service, name string) error {
			_, err := s.SetDisabled(cmd.Context(), admin, name, false)
			return err
		}),
		userAction("delete", "Delete a user with its credentials", func(cmd *cobra.Command, s *auth.Service, name string) error {
			return s.DeleteUser(cmd.Context(), admin, name)
		}),
		userAction("unlock", "Clear a user's failed sign-ins and lockout", func(cmd *cobra.Command, s *auth.Service, name string) error {
			return s.Unlock(cmd.Context(), admin, name)
		}),
		userAction("reset-2fa", "Remove a user's TOTP and recovery codes (lost device)", func(cmd *cobra.Command, s *auth.Service, name string) error {
			return s.ResetTOTP(cmd.Context(), admin, name)
		}),
		userAction("set-password", "Set a user's password, read from standard input", func(cmd *cobra.Command, s *auth.Service, name string) error {
			pw, err := readSecret(cmd.InOrStdin())
			if err != nil {
				return err
			}
			return s.SetPassword(cmd.Context(), admin, name, auth.PasswordRequest{Password: pw})
		}),
	)
	return cmd
}

// userAction is a command on one user that prints "done".
func userAction(name, short string, fn func(cmd *cobra.Command, s *auth.Service, user string) error) *cobra.Command {
	return identityCmd(name+" USER", short, "  signetd user "+name+" alice -c signetd.yaml", cobra.ExactArgs(1),
		func(cmd *cobra.Command, s *auth.Service, args []string) error {
			if err := fn(cmd, s, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s done\n", args[0], name)
			return nil
		})
}
