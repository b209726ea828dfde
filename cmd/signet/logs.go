package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/client"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// logFlags are the filters of logs ls and logs export.
type logFlags struct {
	kind, from, to                           string
	user, keypair, status, release           string // signature log
	dynamicKey                               string // signature log: keypair id of a dynamic keypair
	actor, action, resType, resource, result string // audit log
}

func logsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "List and export the signature log and the audit log",
	}
	cmd.AddCommand(logsLsCmd(a), logsExportCmd(a))
	return cmd
}

func (f *logFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.kind, "type", "signature", "signature or audit")
	fl.StringVar(&f.from, "from", "", "records at or after this time: RFC 3339, or a duration ago such as 24h")
	fl.StringVar(&f.to, "to", "", "records before this time: RFC 3339, or a duration ago")
	fl.StringVar(&f.user, "user", "", "signature log: user ID or name")
	fl.StringVar(&f.keypair, "keypair", "", "signature log: keypair alias or ID")
	fl.StringVar(&f.status, "status", "", "signature log: signed, denied or failed")
	fl.StringVar(&f.release, "release-id", "", "signature log: release ID")
	fl.StringVar(&f.dynamicKey, "dynamic-key-id", "", "signature log: ID of a dynamic keypair (every generation)")
	// --release was the first name of --release-id.
	fl.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "release" {
			name = "release-id"
		}
		return pflag.NormalizedName(name)
	})
	fl.StringVar(&f.actor, "actor", "", "audit log: actor (user) ID or name")
	fl.StringVar(&f.action, "action", "", "audit log: action, e.g. Generate, Sign, Suspend")
	fl.StringVar(&f.resType, "resource-type", "", "audit log: resource type, e.g. Keypair, Token, User")
	fl.StringVar(&f.resource, "resource", "", "audit log: resource ID")
	fl.StringVar(&f.result, "result", "", "audit log: allowed, denied or failed")
	_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions([]string{"signature", "audit"}, cobra.ShellCompDirectiveNoFileComp))
}

// filter checks the flags and builds the server's filter; a keypair alias
// is looked up to its ID.
func (f *logFlags) filter(ctx context.Context, cmd *cobra.Command, c *client.Client) (string, client.LogFilter, error) {
	var lf client.LogFilter
	var err error
	if lf.From, err = when(f.from); err != nil {
		return "", lf, usageErr(cmd, "--from: %v", err)
	}
	if lf.To, err = when(f.to); err != nil {
		return "", lf, usageErr(cmd, "--to: %v", err)
	}
	sigOnly := f.user + f.keypair + f.status + f.release + f.dynamicKey
	auditOnly := f.actor + f.action + f.resType + f.resource + f.result
	switch f.kind {
	case "signature", "signatures":
		if auditOnly != "" {
			return "", lf, usageErr(cmd, "--actor, --action, --resource-type, --resource and --result filter the audit log: add --type audit")
		}
		id := f.keypair
		if f.dynamicKey != "" {
			if id != "" {
				return "", lf, usageErr(cmd, "--keypair and --dynamic-key-id both name a keypair: give one")
			}
			if id, err = f.dynamic(ctx, cmd, c); err != nil {
				return "", lf, err
			}
		} else if id != "" && c != nil {
			kp, err := c.GetKeypair(ctx, id)
			if err != nil {
				return "", lf, err
			}
			id = kp.ID
		}
		lf.Query = map[string]string{"user": f.user, "keypair": id, "status": f.status, "release": f.release}
		return client.SignatureLog, lf, nil
	case "audit":
		if sigOnly != "" {
			return "", lf, usageErr(cmd, "--user, --keypair, --dynamic-key-id, --status and --release-id filter the signature log: use --type signature")
		}
		lf.Query = map[string]string{"actor": f.actor, "action": f.action, "type": f.resType, "resource": f.resource, "result": f.result}
		return client.AuditLog, lf, nil
	}
	return "", lf, usageErr(cmd, "--type must be signature or audit, got %q", f.kind)
}

// dynamic checks that --dynamic-key-id names a dynamic keypair and returns
// its ID.
func (f *logFlags) dynamic(ctx context.Context, cmd *cobra.Command, c *client.Client) (string, error) {
	if c == nil {
		return f.dynamicKey, nil
	}
	kp, err := c.GetKeypair(ctx, f.dynamicKey)
	if err != nil {
		return "", err
	}
	if kp.Type != "dynamic" {
		return "", usageErr(cmd, "--dynamic-key-id: keypair %s is %s, not dynamic: use --keypair", kp.Alias, kp.Type)
	}
	return kp.ID, nil
}

// when reads an RFC 3339 time or a duration ago.
func when(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, fmt.Errorf("want an RFC 3339 time such as 2026-01-02T15:04:05Z or a duration such as 24h, got %q", s)
	}
	return t, nil
}

func logsLsCmd(a *app) *cobra.Command {
	var f logFlags
	var limit int
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List signature-log or audit-log records, oldest first",
		Example: `  signet logs ls --type signature --keypair release-ec
  signet logs ls --type signature --status denied --from 24h -o json
  signet logs ls --release-id 0197a3c4-... -o json
  signet logs ls --dynamic-key-id 0197a3c5-...       # every generation of a dynamic keypair
  signet logs ls --type audit --action Sign --result denied
  signet logs ls --type audit --limit 0 -o yaml     # every record`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 {
				return usageErr(cmd, "--limit must be 0 (all) or more")
			}
			c, _, err := a.client()
			if err != nil {
				return err
			}
			kind, lf, err := f.filter(cmd.Context(), cmd, c)
			if err != nil {
				return err
			}
			if kind == client.AuditLog {
				evs, err := pages(a, limit, func(after string, n int) ([]client.AuditEvent, string, error) {
					return c.ListAudit(cmd.Context(), lf, after, n)
				})
				if err != nil {
					return err
				}
				return a.show(evs, func(w io.Writer) { auditTable(w, evs) })
			}
			recs, err := pages(a, limit, func(after string, n int) ([]client.SignatureRecord, string, error) {
				return c.ListSignatures(cmd.Context(), lf, after, n)
			})
			if err != nil {
				return err
			}
			return a.show(recs, func(w io.Writer) { signatureTable(w, recs) })
		},
	}
	f.register(cmd)
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many records (0: all)")
	return cmd
}

// pages follows the server's cursor until limit records (0: all), and
// says on stderr when it stopped before the end.
func pages[T any](a *app, limit int, page func(after string, n int) ([]T, string, error)) ([]T, error) {
	out := []T{}
	after := ""
	for {
		n := 1000
		if limit > 0 {
			n = min(n, limit-len(out))
		}
		recs, next, err := page(after, n)
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
		if next == "" || next == after {
			return out, nil
		}
		if limit > 0 && len(out) >= limit {
			a.note("Showing the first %d records; --limit 0 shows all, logs export streams them.", len(out))
			return out, nil
		}
		after = next
	}
}

func signatureTable(w io.Writer, recs []client.SignatureRecord) {
	row(w, "TIME", "STATUS", "USER", "KEYPAIR", "ALGORITHM", "FILE", "SIZE", "TOOL")
	for _, r := range recs {
		sz := ""
		if r.FileSize > 0 || r.FileName != "" {
			sz = fmt.Sprint(r.FileSize)
		}
		st := r.Status
		if r.ErrorCode != "" {
			st += " (" + r.ErrorCode + ")"
		}
		kp := r.KeypairAlias
		if r.KeyType == "dynamic" {
			kp += fmt.Sprintf(" (generation %d)", r.Generation)
		}
		row(w, r.Time.UTC().Format(time.DateTime), st, r.UserName, kp, r.Algorithm, r.FileName, sz, r.Tool)
	}
}

func auditTable(w io.Writer, evs []client.AuditEvent) {
	row(w, "SEQ", "TIME", "ACTOR", "TYPE", "ACTION", "RESOURCE", "RESULT", "REASON")
	for _, e := range evs {
		row(w, e.Seq, e.Time.UTC().Format(time.DateTime), e.ActorName, e.Type, e.Action,
			or(e.ResourceName, e.ResourceID), e.Result, strings.TrimSpace(e.Reason))
	}
}
