package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/policy"
)

// lockIdentity takes the identity lock: the first statement of every
// transaction that changes who holds what. Transactions that resolve
// grants therefore see each other's changes, on one node or many.
func (db *DB) lockIdentity(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE identity_lock SET version = version + 1 WHERE id = 1`)
	return db.wrap(err, "identity lock")
}

// identityTx runs fn in a transaction holding the identity lock, then
// brings the grants of the users fn names (every user if it names none)
// up to date, and appends ev.
func (db *DB) identityTx(ctx context.Context, ev auditEvent, fn func(tx *sql.Tx) (users []string, err error)) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.lockIdentity(ctx, tx); err != nil {
			return err
		}
		users, err := fn(tx)
		if err != nil {
			return err
		}
		if err := db.refreshGrants(ctx, tx, users); err != nil {
			return err
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

type memberRow struct {
	team, kind, member string
	roles              []string
}

// refreshGrants recomputes auth.Grants for the users with the given ids
// (every user when ids is empty) and saves those that changed.
func (db *DB) refreshGrants(ctx context.Context, tx *sql.Tx, ids []string) error {
	custom, err := db.customRoles(ctx, tx)
	if err != nil {
		return err
	}
	var members []memberRow
	err = db.each(ctx, tx, `SELECT team, kind, member, roles_json FROM team_members ORDER BY team`, nil, func(s scanner) error {
		var m memberRow
		var roles sql.NullString
		if err := s.Scan(&m.team, &m.kind, &m.member, &roles); err != nil {
			return err
		}
		members = append(members, m)
		return unjson(roles, &members[len(members)-1].roles)
	})
	if err != nil {
		return err
	}
	type userRow struct {
		id, grants    string
		roles, groups []string
	}
	var users []userRow
	q := `SELECT id, roles_json, groups_json, COALESCE(grants_json, '') FROM users`
	var args []any
	if len(ids) > 0 {
		q += ` WHERE id IN (` + placeholders(len(ids)) + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	err = db.each(ctx, tx, q, args, func(s scanner) error {
		var u userRow
		var roles, groups sql.NullString
		if err := s.Scan(&u.id, &roles, &groups, &u.grants); err != nil {
			return err
		}
		if err := unjson(roles, &u.roles); err != nil {
			return err
		}
		users = append(users, u)
		return unjson(groups, &users[len(users)-1].groups)
	})
	if err != nil {
		return err
	}
	for _, u := range users {
		g := resolveGrants(u.id, u.roles, u.groups, members, custom)
		b, err := json.Marshal(g)
		if err != nil {
			return err
		}
		if string(b) == u.grants {
			continue
		}
		if _, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE users SET grants_json = ? WHERE id = ?`), string(b), u.id); err != nil {
			return db.wrap(err, "user %s: grants", u.id)
		}
	}
	return nil
}

// resolveGrants works out a user's teams and custom roles.
func resolveGrants(id string, roles, groups []string, members []memberRow, custom map[string]policy.Role) auth.Grants {
	var g auth.Grants
	held := slices.Clone(roles)
	for _, m := range members {
		if !(m.kind == auth.MemberUser && m.member == id) && !(m.kind == auth.MemberGroup && slices.Contains(groups, m.member)) {
			continue
		}
		if g.Teams == nil {
			g.Teams = map[string][]string{}
		}
		rs := append(g.Teams[m.team], m.roles...)
		slices.Sort(rs)
		g.Teams[m.team] = slices.Compact(append([]string{}, rs...))
		held = append(held, m.roles...)
	}
	for _, name := range held {
		if r, ok := custom[name]; ok {
			if g.Custom == nil {
				g.Custom = map[string]policy.Role{}
			}
			g.Custom[name] = r
		}
	}
	return g
}

// customRoles reads every custom role by name.
func (db *DB) customRoles(ctx context.Context, q queryer) (map[string]policy.Role, error) {
	out := map[string]policy.Role{}
	err := db.each(ctx, q, `SELECT `+roleCols+` FROM roles`, nil, func(s scanner) error {
		r, err := scanRole(s)
		if err == nil {
			out[r.Name] = *r
		}
		return err
	})
	return out, err
}
