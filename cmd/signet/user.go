package main

import (
	"bufio"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// user is a user as the API shows it.
type user struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email,omitempty"`
	Type      string    `json:"type"` // standard, service
	Roles     []string  `json:"roles"`
	Groups    []string  `json:"groups"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

// userRequest creates a user.
type userRequest struct {
	Name     string   `json:"name"`
	Email    string   `json:"email,omitempty"`
	Type     string   `json:"type,omitempty"`
	Roles    []string `json:"roles,omitempty"`
	Groups   []string `json:"groups,omitempty"`
	Password string   `json:"password,omitempty"`
}

// userUpdate changes the fields that are set.
type userUpdate struct {
	Email  *string   `json:"email,omitempty"`
	Roles  *[]string `json:"roles,omitempty"`
	Groups *[]string `json:"groups,omitempty"`
}

const roleNames = "lead, team_lead, developer, build_engineer, signer, or a custom role"

func userCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "user",
		Aliases: []string{"users"},
		Short:   "List, create, update, disable, enable and delete users; passwords, lockouts, 2FA (Leads)",
		Long: `Manage the account's users over the API; every command but describe of
oneself needs the user.manage permission (the Lead role). A standard user
is a person (web sign-in, own tokens and client certificates); a service
user is automation, whose credentials a Lead makes with "signet token
create --user" and "signet client-cert issue --user". Making another
user's tokens or client certificates, setting their password or 2FA, or
enabling them, lets one act as that user, so it also needs every
permission that user holds (account-wide and in teams, through groups
too), and to be on the allow-list of each restricted keypair that user
is on (or to hold keypair.manage there): a user manager who is no Lead
cannot act on a Lead. Listing and revoking their tokens and
certificates need user.manage only.`,
	}
	cmd.AddCommand(userLsCmd(a), userDescribeCmd(a), userCreateCmd(a), userUpdateCmd(a),
		userStateCmd(a, "disable"), userStateCmd(a, "enable"), userDeleteCmd(a),
		userSetPasswordCmd(a), userUnlockCmd(a), userReset2FACmd(a))
	return cmd
}

func userLsCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List users",
		Example: "  signet user ls\n  signet user ls -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			us, err := listOf[user](cmd.Context(), a, apiPath("users"), nil, "users")
			if err != nil {
				return err
			}
			return a.show(us, func(w io.Writer) {
				row(w, "NAME", "TYPE", "ROLES", "GROUPS", "STATE", "CREATED", "ID")
				for _, u := range us {
					row(w, u.Name, u.Type, strings.Join(u.Roles, ","), strings.Join(u.Groups, ","), userState(u),
						u.CreatedAt.UTC().Format(time.DateTime), u.ID)
				}
			})
		},
	}
}

func userDescribeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:               "describe USER",
		Short:             "Show a user (by name or ID)",
		Example:           "  signet user describe alice\n  signet user describe ci-bot -o json",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeUsers(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.userCall(cmd, "GET", apiPath("users", args[0]), nil, "")
		},
	}
}

func userCreateCmd(a *app) *cobra.Command {
	var req userRequest
	var passwordStdin bool
	cmd := &cobra.Command{
		Use:   "create NAME [--role ROLE,...] [--type standard|service]",
		Short: "Create a user",
		Long: `Create a user with roles (` + roleNames + `)
and groups. A standard user may get an initial password from standard
input (--password-stdin), never from a flag; a service user has none and
uses API tokens.`,
		Example: `  signet user create alice --role developer --email alice@example.com
  signet user create ci-bot --type service --role build_engineer
  printf '%s\n' "$PASSWORD" | signet user create bob --role signer --password-stdin`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Name = args[0]
			if passwordStdin {
				line, _ := bufio.NewReader(a.stdin).ReadString('\n')
				req.Password = strings.TrimRight(line, "\r\n")
				if req.Password == "" {
					return fail(exitUsage, "pipe the password in: printf '%s\\n' \"$PASSWORD\" | signet user create ...",
						"no password on standard input")
				}
			}
			return a.userCall(cmd, "POST", apiPath("users"), req, "Created user %s.")
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&req.Roles, "role", nil, "role(s): "+roleNames)
	fl.StringSliceVar(&req.Groups, "group", nil, "group(s) to join")
	fl.StringVar(&req.Email, "email", "", "e-mail address")
	fl.StringVar(&req.Type, "type", "standard", "standard (a person) or service (automation)")
	fl.BoolVar(&passwordStdin, "password-stdin", false, "read the initial password from standard input")
	_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions([]string{"standard", "service"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("role", cobra.FixedCompletions([]string{"lead", "team_lead", "developer", "build_engineer", "signer"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func userUpdateCmd(a *app) *cobra.Command {
	var email string
	var roles, groups []string
	cmd := &cobra.Command{
		Use:   "update USER [--role ROLE,...] [--group GROUP,...] [--email ADDR]",
		Short: "Replace a user's roles, groups or e-mail address",
		Long: `Change the fields given: --role and --group replace the whole list
(--role "" removes every role).`,
		Example: `  signet user update alice --role developer,signer
  signet user update alice --group release-team --email alice@example.org`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeUsers(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			var upd userUpdate
			fl := cmd.Flags()
			if fl.Changed("email") {
				upd.Email = &email
			}
			if fl.Changed("role") {
				upd.Roles = &roles
			}
			if fl.Changed("group") {
				upd.Groups = &groups
			}
			if upd == (userUpdate{}) {
				return usageErr(cmd, "nothing to change: give --role, --group or --email")
			}
			return a.userCall(cmd, "PATCH", apiPath("users", args[0]), upd, "Updated user %s.")
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&roles, "role", nil, "the user's roles (replaces them): "+roleNames)
	fl.StringSliceVar(&groups, "group", nil, "the user's groups (replaces them)")
	fl.StringVar(&email, "email", "", "e-mail address")
	return cmd
}

// userStateCmd is "user disable" or "user enable".
func userStateCmd(a *app, verb string) *cobra.Command {
	short := map[string]string{
		"disable": "Disable a user: every token, session and client certificate is revoked at once",
		"enable":  "Enable a disabled user (revoked credentials stay revoked: issue new ones)",
	}[verb]
	needs := map[string]string{
		"disable": "the user.manage permission",
		"enable":  "the user.manage permission and every permission the user holds",
	}[verb]
	return &cobra.Command{
		Use:               verb + " USER",
		Short:             short,
		Long:              short + ". Needs " + needs + "; the change is audited.",
		Example:           "  signet user " + verb + " alice",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeUsers(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.userCall(cmd, "POST", apiPath("users", args[0], verb), nil, "User %s is now "+verb+"d.")
		},
	}
}

func userDeleteCmd(a *app) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete USER",
		Short: "Delete a user with its credentials",
		Long: `Delete a user, its API tokens and its client certificates; the audit log
keeps what it did. This cannot be undone ("signet user disable" can). On
a terminal signet asks you to type the name; elsewhere pass --yes.`,
		Example:           "  signet user delete old-bot\n  signet user delete old-bot --yes   # in scripts",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeUsers(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.confirm("This deletes user "+args[0]+" and its credentials for good.", args[0], "delete user "+args[0], yes); err != nil {
				return err
			}
			r, err := a.rest()
			if err != nil {
				return err
			}
			if err := r.call(cmd.Context(), "DELETE", apiPath("users", args[0]), nil, nil, nil); err != nil {
				return err
			}
			a.note("Deleted user %s.", args[0])
			res := map[string]any{"user": args[0], "deleted": true}
			return a.show(res, func(w io.Writer) { pairs(w, "User", args[0], "Deleted", "yes") })
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

// userCall sends a request answered by a user, notes what happened
// (note has one %s, the name) and shows the user.
func (a *app) userCall(cmd *cobra.Command, method, p string, body any, note string) error {
	r, err := a.rest()
	if err != nil {
		return err
	}
	var u user
	if err := r.call(cmd.Context(), method, p, nil, body, &u); err != nil {
		return err
	}
	if note != "" {
		a.note(note, u.Name)
	}
	if u.Roles == nil {
		u.Roles = []string{}
	}
	if u.Groups == nil {
		u.Groups = []string{}
	}
	return a.show(u, func(w io.Writer) {
		pairs(w, "Name", u.Name, "ID", u.ID, "Type", u.Type, "Email", u.Email, "Roles", strings.Join(u.Roles, ","),
			"Groups", strings.Join(u.Groups, ","), "State", userState(u), "Created", u.CreatedAt.UTC().Format(time.RFC3339))
	})
}

func userState(u user) string {
	if u.Disabled {
		return "disabled"
	}
	return "enabled"
}

// completeUsers completes user names from the server, when the
// credentials allow.
func completeUsers(a *app) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		r, err := a.rest()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out struct {
			Users []user `json:"users"`
		}
		if r.call(cmd.Context(), "GET", apiPath("users"), nil, nil, &out) != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var cs []cobra.Completion
		for _, u := range out.Users {
			if strings.HasPrefix(u.Name, prefix) {
				cs = append(cs, cobra.CompletionWithDesc(u.Name, u.Type+" "+strings.Join(u.Roles, ",")))
			}
		}
		return cs, cobra.ShellCompDirectiveNoFileComp
	}
}
