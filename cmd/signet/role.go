package main

import (
	"io"
	"strings"

	"github.com/signet-project/signet/internal/policy"
	"github.com/spf13/cobra"
)

// role is a role as the API shows it.
type role struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Scope       string   `json:"scope"`
	Permissions []string `json:"permissions"`
	BuiltIn     bool     `json:"built_in"`
}

func roleCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "role",
		Aliases: []string{"roles"},
		Short:   "List the roles and their permissions; create, update and delete custom roles",
		Long: `A role is a set of permissions. The built-in roles (lead, team_lead,
developer, build_engineer, signer) cannot change; custom roles are made
of the same permissions, for the whole account or (--scope team) for use
inside teams. "signet role ls" shows every permission in use. Changing
roles needs role.manage (the Lead role).`,
	}
	cmd.AddCommand(roleLsCmd(a), roleSaveCmd(a, "create"), roleSaveCmd(a, "update"), roleDeleteCmd(a))
	return cmd
}

func roleLsCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List built-in and custom roles with their permissions",
		Example: "  signet role ls\n  signet role ls -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rs, err := listOf[role](cmd.Context(), a, apiPath("roles"), nil, "roles")
			if err != nil {
				return err
			}
			for i := range rs {
				rs[i].Permissions = nonNil(rs[i].Permissions)
			}
			return a.show(rs, func(w io.Writer) {
				row(w, "NAME", "SCOPE", "KIND", "PERMISSIONS")
				for _, r := range rs {
					row(w, r.Name, r.Scope, roleKind(r), strings.Join(r.Permissions, ","))
				}
			})
		},
	}
}

// roleSaveCmd is "role create" (POST) or "role update" (PUT, replaces).
func roleSaveCmd(a *app, verb string) *cobra.Command {
	var desc, scope string
	var perms []string
	short := map[string]string{"create": "Create a custom role", "update": "Replace a custom role's permissions"}[verb]
	cmd := &cobra.Command{
		Use:   verb + " NAME --permission PERM[,PERM...] [--scope account|team]",
		Short: short,
		Long: short + `. --permission takes a comma-separated list of: ` + permissionNames() + `.
A team-scoped role is given inside teams ("signet team add");
an account-scoped one to users ("signet user update --role").`,
		Example: `  signet role ` + verb + ` auditor --permission audit.view,audit.export,keypair.view
  signet role ` + verb + ` team-signer --scope team --permission keypair.view,sign`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(perms) == 0 {
				return usageErr(cmd, "give the role's permissions with --permission (see signet role ls)")
			}
			body := map[string]any{"name": args[0], "description": desc, "scope": scope, "permissions": perms}
			method, p := "POST", apiPath("roles")
			if verb == "update" {
				method, p = "PUT", apiPath("roles", args[0])
			}
			r, err := a.rest()
			if err != nil {
				return err
			}
			var out role
			if err := r.call(cmd.Context(), method, p, nil, body, &out); err != nil {
				return err
			}
			a.note("%s role %s.", map[string]string{"create": "Created", "update": "Updated"}[verb], out.Name)
			out.Permissions = nonNil(out.Permissions)
			return a.show(out, func(w io.Writer) {
				pairs(w, "Name", out.Name, "Description", out.Description, "Scope", out.Scope, "Kind", roleKind(out),
					"Permissions", strings.Join(out.Permissions, ","))
			})
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&perms, "permission", nil, "permissions, e.g. keypair.view,sign,audit.view")
	fl.StringVar(&desc, "description", "", "what the role is for")
	fl.StringVar(&scope, "scope", "account", "account (held account-wide) or team (held inside teams)")
	_ = cmd.RegisterFlagCompletionFunc("scope", cobra.FixedCompletions([]string{"account", "team"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func roleDeleteCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a custom role nobody holds",
		Example: "  signet role delete auditor",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.deleteCall(cmd, apiPath("roles", args[0]), "role", args[0])
		},
	}
}

// permissionNames lists every permission a role may hold.
func permissionNames() string {
	names := make([]string, len(policy.AllActions))
	for i, a := range policy.AllActions {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

func roleKind(r role) string {
	if r.BuiltIn {
		return "built-in"
	}
	return "custom"
}
