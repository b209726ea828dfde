package sqlstore

import (
	"context"
	"database/sql"
	"slices"

	"github.com/signet-project/signet/internal/auth"
)

// CreateGroup inserts g; store.ErrConflict if the name is taken.
func (db *DB) CreateGroup(ctx context.Context, g *auth.Group, ev auditEvent) error {
	fillTime(&g.CreatedAt)
	return db.identityTx(ctx, ev, func(tx *sql.Tx) ([]string, error) {
		_, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO user_groups (name, description, created_at) VALUES (?, ?, ?)`),
			g.Name, g.Description, micros(g.CreatedAt))
		return nil, db.wrap(err, "group %q", g.Name)
	})
}

// ListGroups returns every group by name, with the names of its members.
func (db *DB) ListGroups(ctx context.Context) ([]*auth.Group, error) {
	var out []*auth.Group
	byName := map[string]*auth.Group{}
	err := db.each(ctx, db.r, `SELECT name, description, created_at FROM user_groups ORDER BY name`, nil, func(s scanner) error {
		g := &auth.Group{Members: []string{}}
		var created int64
		if err := s.Scan(&g.Name, &g.Description, &created); err != nil {
			return err
		}
		g.CreatedAt = fromMicros(created)
		out = append(out, g)
		byName[g.Name] = g
		return nil
	})
	if err != nil {
		return nil, err
	}
	users, err := db.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		for _, name := range u.Groups {
			if g, ok := byName[name]; ok {
				g.Members = append(g.Members, u.Name)
			}
		}
	}
	return out, nil
}

// DeleteGroup deletes a group, takes it out of every user and team, and
// out of nothing else: keypairs keep naming it among their allowed groups,
// which then matches nobody until a group of that name exists again.
func (db *DB) DeleteGroup(ctx context.Context, name string, ev auditEvent) error {
	return db.identityTx(ctx, ev, func(tx *sql.Tx) ([]string, error) {
		if err := db.exec(ctx, tx, "group "+name, `DELETE FROM user_groups WHERE name = ?`, name); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, db.d.rebind(`DELETE FROM team_members WHERE kind = ? AND member = ?`), auth.MemberGroup, name); err != nil {
			return nil, db.wrap(err, "group %s: team members", name)
		}
		type change struct {
			id     string
			groups any
		}
		var changes []change
		err := db.each(ctx, tx, `SELECT id, groups_json FROM users`, nil, func(s scanner) error {
			var id string
			var js sql.NullString
			var groups []string
			if err := s.Scan(&id, &js); err != nil {
				return err
			}
			if err := unjson(js, &groups); err != nil || !slices.Contains(groups, name) {
				return err
			}
			v, err := jsonList(slices.DeleteFunc(groups, func(g string) bool { return g == name }))
			changes = append(changes, change{id, v})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, c := range changes {
			if _, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE users SET groups_json = ? WHERE id = ?`), c.groups, c.id); err != nil {
				return nil, db.wrap(err, "user %s: groups", c.id)
			}
		}
		return nil, nil
	})
}
