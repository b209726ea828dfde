package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// team is a team as the API shows it.
type team struct {
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	Members     []teamMember `json:"members"`
	CreatedAt   time.Time    `json:"created_at"`
}

type teamMember struct {
	Kind   string   `json:"kind"`           // user or group
	Member string   `json:"member"`         // user id, or group name
	Name   string   `json:"name,omitempty"` // a user's name
	Roles  []string `json:"roles"`
}

func teamCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "team",
		Aliases: []string{"teams"},
		Short:   "List, create and delete teams; give users and groups roles inside them",
		Long: `Teams scope keypairs and releases to their members once the account
turns them on ("signet settings set --teams"). A member is a user
or a group, with the roles it holds inside the team (team_lead, developer,
build_engineer, signer or a custom team-scoped role). Creating and deleting
teams needs team.manage account-wide; a team lead manages the members of
their own team once teams are on (while they are off, only an account-wide
team.manage, a Lead's, changes teams and their members).`,
	}
	cmd.AddCommand(teamLsCmd(a), teamDescribeCmd(a), teamCreateCmd(a), teamDeleteCmd(a),
		teamMemberCmd(a, "add"), teamMemberCmd(a, "remove"))
	return cmd
}

func teamLsCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List the teams you belong to or manage",
		Example: "  signet team ls -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ts, err := listOf[team](cmd.Context(), a, apiPath("teams"), nil, "teams")
			if err != nil {
				return err
			}
			for i := range ts {
				ts[i].fill()
			}
			return a.show(ts, func(w io.Writer) {
				row(w, "NAME", "MEMBERS", "DESCRIPTION", "CREATED")
				for _, t := range ts {
					row(w, t.Name, len(t.Members), t.Description, t.CreatedAt.UTC().Format(time.DateTime))
				}
			})
		},
	}
}

func teamDescribeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "describe TEAM",
		Short:   "Show a team and its members with their roles",
		Example: "  signet team describe mobile",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.teamCall(cmd, "GET", apiPath("teams", args[0]), nil, "")
		},
	}
}

func teamCreateCmd(a *app) *cobra.Command {
	var desc string
	cmd := &cobra.Command{
		Use:     "create NAME [--description TEXT]",
		Short:   "Create a team",
		Example: `  signet team create mobile --description "Android and iOS apps"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := map[string]string{"name": args[0], "description": desc}
			return a.teamCall(cmd, "POST", apiPath("teams"), body, "Created team %s.")
		},
	}
	cmd.Flags().StringVar(&desc, "description", "", "what the team is for")
	return cmd
}

func teamDeleteCmd(a *app) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete TEAM",
		Short: "Delete a team",
		Long: `Delete a team: its members lose the roles they held inside it. On a
terminal signet asks you to type the name; elsewhere pass --yes.`,
		Example: "  signet team delete mobile --yes",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.confirm("Members of team "+args[0]+" lose their roles in it.", args[0], "delete team "+args[0], yes); err != nil {
				return err
			}
			return a.deleteCall(cmd, apiPath("teams", args[0]), "team", args[0])
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// teamMemberCmd is "team add" (PUT, with roles) or "team remove".
func teamMemberCmd(a *app, verb string) *cobra.Command {
	var isGroup bool
	var roles []string
	cmd := &cobra.Command{
		Use: verb + " TEAM USER|GROUP [--group]",
		Short: map[string]string{"add": "Add a user (or, with --group, a group) to a team, or replace its roles there",
			"remove": "Take a user (or, with --group, a group) out of a team"}[verb],
		Example: map[string]string{"add": `  signet team add mobile alice --role team_lead
  signet team add mobile android-devs --group --role developer,signer`,
			"remove": "  signet team remove mobile alice\n  signet team remove mobile android-devs --group"}[verb],
		Aliases: []string{verb + "-member"},
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind := "user"
			if isGroup {
				kind = "group"
			}
			if verb == "add" {
				body := map[string]any{"kind": kind, "member": args[1], "roles": nonNil(roles)}
				return a.teamCall(cmd, "PUT", apiPath("teams", args[0], "members"), body,
					fmt.Sprintf("Set %s %s in team %%s.", kind, escapePct(args[1])))
			}
			return a.teamCall(cmd, "DELETE", apiPath("teams", args[0], "members", kind, args[1]), nil,
				fmt.Sprintf("Took %s %s out of team %%s.", kind, escapePct(args[1])))
		},
	}
	cmd.Flags().BoolVar(&isGroup, "group", false, "the member is a group")
	if verb == "add" {
		cmd.Flags().StringSliceVar(&roles, "role", nil, "role(s) held inside the team (replace the member's): "+roleNames)
	}
	return cmd
}

func (t *team) fill() {
	if t.Members == nil {
		t.Members = []teamMember{}
	}
	for i := range t.Members {
		t.Members[i].Roles = nonNil(t.Members[i].Roles)
	}
}

// teamCall sends a request answered by a team and shows it.
func (a *app) teamCall(cmd *cobra.Command, method, p string, body any, note string) error {
	r, err := a.rest()
	if err != nil {
		return err
	}
	var t team
	if err := r.call(cmd.Context(), method, p, nil, body, &t); err != nil {
		return err
	}
	if note != "" {
		a.note(note, t.Name)
	}
	t.fill()
	return a.show(t, func(w io.Writer) {
		pairs(w, "Name", t.Name, "Description", t.Description, "Created", t.CreatedAt.UTC().Format(time.RFC3339))
		fmt.Fprintln(w)
		row(w, "KIND", "MEMBER", "ID", "ROLES")
		for _, m := range t.Members {
			name, id := m.Member, "-"
			if m.Kind == "user" {
				name, id = orDash(m.Name), m.Member
			}
			row(w, m.Kind, name, id, strings.Join(m.Roles, ","))
		}
	})
}

// escapePct makes s safe inside a format string.
func escapePct(s string) string { return strings.ReplaceAll(s, "%", "%%") }

// orDash is s, or "-" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
