package main

import (
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/spf13/cobra"
)

// token is an API token as the API shows it: never its secret, except in
// the answer that creates it.
type token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // visible start of the secret
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	Secret     string     `json:"secret,omitempty"`
}

func tokenCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "token",
		Aliases: []string{"tokens"},
		Short:   "List, create and revoke API tokens",
		Long: `API tokens are the first factor: SIGNET_API_KEY. A token carries its
user's permissions, never more; its secret is shown once, when it is made,
and only its hash is kept. Standard users manage their own tokens; a Lead
manages anyone's (--user), e.g. those of service users.`,
	}
	cmd.AddCommand(tokenLsCmd(a), tokenCreateCmd(a), tokenRevokeCmd(a))
	return cmd
}

func tokenLsCmd(a *app) *cobra.Command {
	var who string
	cmd := &cobra.Command{
		Use:     "ls [--user USER]",
		Aliases: []string{"list"},
		Short:   "List API tokens (yours, or another user's with --user)",
		Example: "  signet token ls\n  signet token ls --user ci-bot -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ts, err := listOf[token](cmd.Context(), a, apiPath("tokens"), userQuery(who), "tokens")
			if err != nil {
				return err
			}
			return a.show(ts, func(w io.Writer) {
				row(w, "ID", "NAME", "PREFIX", "STATE", "CREATED", "EXPIRES", "LAST USED")
				for _, t := range ts {
					row(w, t.ID, t.Name, t.Prefix+"…", credState(t.RevokedAt, t.ExpiresAt), t.CreatedAt.UTC().Format(time.DateTime),
						at(t.ExpiresAt), at(t.LastUsedAt))
				}
			})
		},
	}
	cmd.Flags().StringVar(&who, "user", "", "whose tokens (name or ID; default: yours)")
	_ = cmd.RegisterFlagCompletionFunc("user", completeUsers(a))
	return cmd
}

func tokenCreateCmd(a *app) *cobra.Command {
	var name, who string
	var expires time.Duration
	cmd := &cobra.Command{
		Use:   "create [--name NAME] [--expires DURATION] [--user USER]",
		Short: "Create an API token; its secret is printed once",
		Long: `Create an API token for yourself, or for another user with --user (a Lead,
e.g. for a service user). With -o table (the default) stdout holds the
secret alone, so that a script may capture it; -o json and -o yaml show
the token with its "secret". The secret is shown this once: Signet keeps
only its hash.

No credential outlives the API token that made it: made with an expiring
SIGNET_API_KEY, the new token expires when that one does at the latest,
even without --expires or with a later one (the note says so).`,
		Example: `  signet token create --name laptop --expires 720h
  SIGNET_API_KEY=$(signet token create --user ci-bot --name pipeline)
  signet token create --name ci -o json | jq -r .secret`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if expires < 0 {
				return usageErr(cmd, "--expires must be a positive duration such as 720h")
			}
			body := map[string]string{"name": name, "user": who}
			if expires > 0 {
				body["expires_in"] = expires.String()
			}
			r, err := a.rest()
			if err != nil {
				return err
			}
			var t token
			if err := r.call(cmd.Context(), "POST", apiPath("tokens"), nil, body, &t); err != nil {
				return err
			}
			if a.format == "table" {
				fmt.Fprintln(a.stdout, t.Secret)
			} else if err := a.show(t, nil); err != nil {
				return err
			}
			expiry := "no expiry"
			if t.ExpiresAt != nil {
				expiry = "expires " + at(t.ExpiresAt)
				// The server ends it sooner than asked only at the
				// expiry of the token that made it.
				if expires == 0 || t.ExpiresAt.Before(t.CreatedAt.Add(expires-time.Second)) {
					expiry += ", capped at the expiry of the API token that made it"
				}
			}
			a.note("Created API token %s (prefix %s…, %s). Its secret is shown once: store it now; Signet keeps only its hash.",
				t.ID, t.Prefix, expiry)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "a name to recognise the token by")
	fl.DurationVar(&expires, "expires", 0, "lifetime such as 720h (default: no expiry, or that of your API token)")
	fl.StringVar(&who, "user", "", "whose token (name or ID; default: yours)")
	_ = cmd.RegisterFlagCompletionFunc("user", completeUsers(a))
	return cmd
}

func tokenRevokeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "revoke ID",
		Short:   "Revoke an API token at once",
		Example: "  signet token revoke 01J8Z3...   # an ID from \"signet token ls\"",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := a.rest()
			if err != nil {
				return err
			}
			var t token
			if err := r.call(cmd.Context(), "DELETE", apiPath("tokens", args[0]), nil, nil, &t); err != nil {
				return err
			}
			a.note("Revoked API token %s (prefix %s…).", t.ID, t.Prefix)
			return a.show(t, func(w io.Writer) {
				pairs(w, "ID", t.ID, "Name", t.Name, "Prefix", t.Prefix+"…", "User", t.UserID, "State", credState(t.RevokedAt, t.ExpiresAt),
					"Created", t.CreatedAt.UTC().Format(time.RFC3339), "Expires", at(t.ExpiresAt), "Revoked", at(t.RevokedAt),
					"Last used", at(t.LastUsedAt))
			})
		},
	}
}

// userQuery is ?user=U, or nothing for the caller.
func userQuery(who string) url.Values {
	if who == "" {
		return nil
	}
	return url.Values{"user": {who}}
}

// credState is revoked, expired or active.
func credState(revoked, expires *time.Time) string {
	switch {
	case revoked != nil:
		return "revoked"
	case expires != nil && time.Now().After(*expires):
		return "expired"
	}
	return "active"
}

// at formats an optional time, "-" when unset.
func at(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
