package main

import (
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// group is a group as the API shows it.
type group struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Members     []string  `json:"members"`
	CreatedAt   time.Time `json:"created_at"`
}

func groupCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "group",
		Aliases: []string{"groups"},
		Short:   "List, create and delete groups and their members (Leads)",
		Long: `Groups gather users: a restricted keypair may allow a group, a team may
take a group in with roles. Changing groups needs user.manage (the Lead
role), and adding a user to a group every permission the group carries in
teams; listing needs only to be signed in.`,
	}
	cmd.AddCommand(groupLsCmd(a), groupCreateCmd(a), groupDeleteCmd(a),
		groupMemberCmd(a, "add", "PUT", "Add a user to a group", "Added %s to group %s."),
		groupMemberCmd(a, "remove", "DELETE", "Take a user out of a group", "Took %s out of group %s."))
	return cmd
}

func groupLsCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List groups with their members",
		Example: "  signet group ls\n  signet group ls -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			gs, err := listOf[group](cmd.Context(), a, apiPath("groups"), nil, "groups")
			if err != nil {
				return err
			}
			for i := range gs {
				gs[i].Members = nonNil(gs[i].Members)
			}
			return a.show(gs, func(w io.Writer) {
				row(w, "NAME", "MEMBERS", "DESCRIPTION", "CREATED")
				for _, g := range gs {
					row(w, g.Name, strings.Join(g.Members, ","), g.Description, g.CreatedAt.UTC().Format(time.DateTime))
				}
			})
		},
	}
}

func groupCreateCmd(a *app) *cobra.Command {
	var desc string
	cmd := &cobra.Command{
		Use:     "create NAME [--description TEXT]",
		Short:   "Create a group",
		Example: `  signet group create release-team --description "people who ship"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := map[string]string{"name": args[0], "description": desc}
			return a.groupCall(cmd, "POST", apiPath("groups"), body, "Created group %s.")
		},
	}
	cmd.Flags().StringVar(&desc, "description", "", "what the group is for")
	return cmd
}

func groupDeleteCmd(a *app) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a group",
		Long: `Delete a group: its members lose what they held through it (keypairs
that allow the group, team roles given to the group). On a terminal signet
asks you to type the name; elsewhere pass --yes.`,
		Example: "  signet group delete old-team --yes",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.confirm("Members of group "+args[0]+" lose what they held through it.", args[0], "delete group "+args[0], yes); err != nil {
				return err
			}
			return a.deleteCall(cmd, apiPath("groups", args[0]), "group", args[0])
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// groupMemberCmd adds or removes a member; the answer is the user.
func groupMemberCmd(a *app, use, method, short, done string) *cobra.Command {
	return &cobra.Command{
		Use:     use + " GROUP USER",
		Aliases: []string{use + "-member"},
		Short:   short,
		Example: "  signet group " + use + " release-team alice",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := a.rest()
			if err != nil {
				return err
			}
			var u user
			if err := r.call(cmd.Context(), method, apiPath("groups", args[0], "members", args[1]), nil, nil, &u); err != nil {
				return err
			}
			a.note(done, u.Name, args[0])
			u.Roles, u.Groups = nonNil(u.Roles), nonNil(u.Groups)
			return a.show(u, func(w io.Writer) {
				pairs(w, "User", u.Name, "Groups", strings.Join(u.Groups, ","))
			})
		},
	}
}

// groupCall sends a request answered by a group and shows it.
func (a *app) groupCall(cmd *cobra.Command, method, p string, body any, note string) error {
	r, err := a.rest()
	if err != nil {
		return err
	}
	var g group
	if err := r.call(cmd.Context(), method, p, nil, body, &g); err != nil {
		return err
	}
	a.note(note, g.Name)
	g.Members = nonNil(g.Members)
	return a.show(g, func(w io.Writer) {
		pairs(w, "Name", g.Name, "Description", g.Description, "Members", strings.Join(g.Members, ","),
			"Created", g.CreatedAt.UTC().Format(time.RFC3339))
	})
}

// deleteCall sends a DELETE answered by 204 and reports it.
func (a *app) deleteCall(cmd *cobra.Command, p, kind, name string) error {
	r, err := a.rest()
	if err != nil {
		return err
	}
	if err := r.call(cmd.Context(), "DELETE", p, nil, nil, nil); err != nil {
		return err
	}
	a.note("Deleted %s %s.", kind, name)
	return a.show(map[string]any{kind: name, "deleted": true},
		func(w io.Writer) { pairs(w, strings.ToUpper(kind[:1])+kind[1:], name, "Deleted", "yes") })
}

// nonNil makes -o json print [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
