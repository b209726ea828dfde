package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/signet-project/signet/internal/client"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// passwordRequest sets a password; current is needed for one's own.
type passwordRequest struct {
	Current  string `json:"current,omitempty"`
	Password string `json:"password"`
}

func userSetPasswordCmd(a *app) *cobra.Command {
	var own bool
	cmd := &cobra.Command{
		Use:   "set-password USER [--current]",
		Short: "Set a standard user's web sign-in password",
		Long: `Set the password a standard user signs in to the web console with.
A holder of user.manage sets the password of anyone holding no more than
they do (a Lead: anyone's); setting one's own needs the current password
too (--current). Passwords never come from flags: on a terminal
signet asks for them without echo (the new one twice); otherwise it reads
lines from standard input: the current password first when --current is
given, then the new one. Service users have no password. Every web console
session of the user ends (the user signs in again with the new password);
API tokens and client certificates stay.`,
		Example: `  signet user set-password alice
  printf '%s\n' "$NEW" | signet user set-password alice
  printf '%s\n%s\n' "$OLD" "$NEW" | signet user set-password me --current`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeUsers(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := a.readPasswords(own)
			if err != nil {
				return err
			}
			r, err := a.rest()
			if err != nil {
				return err
			}
			if err := r.call(cmd.Context(), "PUT", apiPath("users", args[0], "password"), nil, req, nil); err != nil {
				var ae *client.APIError
				if errors.As(err, &ae) && ae.Code == "account_locked" {
					return &cliError{code: exitCredentials, msg: "the password was not changed: " + ae.Message,
						fix: "wait, or ask a Lead to run: signet user unlock " + args[0], err: err}
				}
				if errors.As(err, &ae) && ae.Code == "sign_in_failed" {
					fix := "check the current password; after too many failures a Lead runs: signet user unlock " + args[0]
					if !own {
						fix = "your own password needs the current one too: add --current"
					}
					return &cliError{code: exitCredentials, msg: "the password was not changed: " + ae.Message, fix: fix, err: err}
				}
				return err
			}
			a.note("Set the password of user %s.", args[0])
			return a.show(map[string]any{"user": args[0], "password_set": true},
				func(w io.Writer) { pairs(w, "User", args[0], "Password", "set") })
		},
	}
	cmd.Flags().BoolVar(&own, "current", false, "the password is your own: give the current one first")
	return cmd
}

// readPasswords asks on a terminal or reads lines from standard input.
func (a *app) readPasswords(withCurrent bool) (passwordRequest, error) {
	var req passwordRequest
	if isTerminal(a.stdin) {
		prompt := func(label string) (string, error) {
			fmt.Fprintf(a.stderr, "%s: ", label)
			b, err := term.ReadPassword(int(a.stdin.Fd()))
			fmt.Fprintln(a.stderr)
			return string(b), err
		}
		var again string
		var err error
		if withCurrent {
			if req.Current, err = prompt("Current password"); err != nil {
				return req, err
			}
		}
		if req.Password, err = prompt("New password"); err != nil {
			return req, err
		}
		if again, err = prompt("New password again"); err != nil {
			return req, err
		}
		if again != req.Password {
			return req, fail(exitUsage, "type the same new password twice", "the new passwords differ")
		}
	} else {
		lines := bufio.NewReader(a.stdin)
		line := func() string {
			s, _ := lines.ReadString('\n')
			return strings.TrimRight(s, "\r\n")
		}
		if withCurrent {
			req.Current = line()
		}
		req.Password = line()
	}
	if req.Password == "" || (withCurrent && req.Current == "") {
		fix := `pipe it in: printf '%s\n' "$NEW" | signet user set-password USER`
		if withCurrent {
			fix = `pipe both in: printf '%s\n%s\n' "$OLD" "$NEW" | signet user set-password USER --current`
		}
		return req, fail(exitUsage, fix, "no password on standard input")
	}
	return req, nil
}

// userActionCmd is a POST or DELETE on a user that answers 204.
func userActionCmd(a *app, use, method, sub, short, long, done string) *cobra.Command {
	return &cobra.Command{
		Use:               use + " USER",
		Short:             short,
		Long:              long,
		Example:           "  signet user " + use + " alice",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeUsers(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := a.rest()
			if err != nil {
				return err
			}
			if err := r.call(cmd.Context(), method, apiPath("users", args[0], sub), nil, nil, nil); err != nil {
				return err
			}
			a.note(done, args[0])
			return a.show(map[string]any{"user": args[0], strings.ReplaceAll(use, "-", "_"): true},
				func(w io.Writer) { pairs(w, "User", args[0], "Done", use) })
		},
	}
}

func userUnlockCmd(a *app) *cobra.Command {
	return userActionCmd(a, "unlock", "POST", "unlock", "Clear a user's failed sign-ins and lockout",
		`Clear a standard user's failed web sign-ins and any lockout they caused,
so the user may sign in again at once. Needs user.manage; audited.
Without it, a lockout ends by itself after 15 minutes, and the
count of failures starts again.`,
		"Unlocked user %s.")
}

func userReset2FACmd(a *app) *cobra.Command {
	return userActionCmd(a, "reset-2fa", "DELETE", "totp", "Remove a user's TOTP and recovery codes (lost device)",
		`Remove a standard user's TOTP secret and recovery codes, for a lost
device: the user enrols again at the next sign-in (required when the
account requires two factors). Every web console session of the user
ends. Needs user.manage and every permission the user holds; audited.`,
		"Removed the two-factor enrolment of user %s.")
}
