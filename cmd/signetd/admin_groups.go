package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/signet-project/signet/internal/auth"
)

func groupCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "group", Short: "Manage groups of users"}
	var desc string
	create := identityCmd("create NAME", "Create a group", "  signetd group create builders -c signetd.yaml", cobra.ExactArgs(1),
		func(cmd *cobra.Command, s *auth.Service, args []string) error {
			g, err := s.CreateGroup(cmd.Context(), admin, auth.GroupRequest{Name: args[0], Description: desc})
			if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "created group %s\n", g.Name)
			}
			return err
		})
	create.Flags().StringVar(&desc, "description", "", "what the group is for")
	list := identityCmd("list", "List groups with their members", "", cobra.NoArgs,
		func(cmd *cobra.Command, s *auth.Service, _ []string) error {
			gs, err := s.ListGroups(cmd.Context(), admin)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tMEMBERS\tDESCRIPTION")
			for _, g := range gs {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", g.Name, strings.Join(g.Members, ","), g.Description)
			}
			return tw.Flush()
		})
	del := identityCmd("delete NAME", "Delete a group (its members leave it)", "", cobra.ExactArgs(1),
		func(cmd *cobra.Command, s *auth.Service, args []string) error {
			return s.DeleteGroup(cmd.Context(), admin, args[0])
		})
	member := func(use, short string, in bool) *cobra.Command {
		return identityCmd(use+" GROUP USER", short, "", cobra.ExactArgs(2),
			func(cmd *cobra.Command, s *auth.Service, args []string) error {
				u, err := s.SetGroupMember(cmd.Context(), admin, args[0], args[1], in)
				if err == nil {
					fmt.Fprintf(cmd.OutOrStdout(), "user %s: groups %s\n", u.Name, strings.Join(u.Groups, ","))
				}
				return err
			})
	}
	cmd.AddCommand(create, list, del, member("add", "Add a user to a group", true), member("remove", "Take a user out of a group", false))
	return cmd
}

func teamCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "team", Short: "Manage teams (turn them on with `signetd settings set --teams=true`)"}
	var desc string
	create := identityCmd("create NAME", "Create a team", "  signetd team create mobile -c signetd.yaml", cobra.ExactArgs(1),
		func(cmd *cobra.Command, s *auth.Service, args []string) error {
			t, err := s.CreateTeam(cmd.Context(), admin, auth.TeamRequest{Name: args[0], Description: desc})
			if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "created team %s\n", t.Name)
			}
			return err
		})
	create.Flags().StringVar(&desc, "description", "", "what the team is for")
	list := identityCmd("list", "List teams with their members and roles there", "", cobra.NoArgs,
		func(cmd *cobra.Command, s *auth.Service, _ []string) error {
			ts, err := s.ListTeams(cmd.Context(), admin)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TEAM\tKIND\tMEMBER\tROLES")
			for _, t := range ts {
				fmt.Fprintf(tw, "%s\t\t\t\n", t.Name)
				for _, m := range t.Members {
					fmt.Fprintf(tw, "\t%s\t%s\t%s\n", m.Kind, m.Member, strings.Join(m.Roles, ","))
				}
			}
			return tw.Flush()
		})
	del := identityCmd("delete NAME", "Delete a team", "", cobra.ExactArgs(1),
		func(cmd *cobra.Command, s *auth.Service, args []string) error {
			return s.DeleteTeam(cmd.Context(), admin, args[0])
		})
	var group bool
	var roles []string
	add := identityCmd("add TEAM USER|GROUP", "Add a user (or, with --group, a group) to a team, with roles held there",
		"  signetd team add mobile alice --role team_lead -c signetd.yaml\n  signetd team add mobile builders --group -c signetd.yaml",
		cobra.ExactArgs(2), func(cmd *cobra.Command, s *auth.Service, args []string) error {
			_, err := s.SetTeamMember(cmd.Context(), admin, args[0], auth.MemberRequest{Kind: kind(group), Member: args[1], Roles: roles})
			return err
		})
	add.Flags().BoolVar(&group, "group", false, "the member is a group")
	add.Flags().StringSliceVar(&roles, "role", nil, "role(s) held inside the team: "+roleNames)
	remove := identityCmd("remove TEAM USER|GROUP", "Take a user (or, with --group, a group) out of a team", "", cobra.ExactArgs(2),
		func(cmd *cobra.Command, s *auth.Service, args []string) error {
			_, err := s.RemoveTeamMember(cmd.Context(), admin, args[0], kind(group), args[1])
			return err
		})
	remove.Flags().BoolVar(&group, "group", false, "the member is a group")
	cmd.AddCommand(create, list, del, add, remove)
	return cmd
}

func kind(group bool) string {
	if group {
		return auth.MemberGroup
	}
	return auth.MemberUser
}
