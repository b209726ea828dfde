package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/signet-project/signet/internal/policy"
	"github.com/signet-project/signet/internal/store"
)

const roleCols = `name, description, scope, permissions_json`

func scanRole(s scanner) (*policy.Role, error) {
	var r policy.Role
	var perms sql.NullString
	if err := s.Scan(&r.Name, &r.Description, &r.Scope, &perms); err != nil {
		return nil, err
	}
	if err := unjson(perms, &r.Permissions); err != nil {
		return nil, fmt.Errorf("role %s permissions: %w", r.Name, err)
	}
	return &r, nil
}

// CreateRole inserts a custom role; store.ErrConflict if the name is taken.
func (db *DB) CreateRole(ctx context.Context, r *policy.Role, ev auditEvent) error {
	perms, err := jsonCol(r.Permissions, false)
	if err != nil {
		return err
	}
	now := micros(time.Now())
	return db.identityTx(ctx, ev, func(tx *sql.Tx) ([]string, error) {
		_, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO roles (`+roleCols+`, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`),
			r.Name, r.Description, r.Scope, perms, now, now)
		return nil, db.wrap(err, "role %q", r.Name)
	})
}

// UpdateRole replaces a custom role's description, scope and permissions,
// and the grants of every user.
func (db *DB) UpdateRole(ctx context.Context, r *policy.Role, ev auditEvent) error {
	perms, err := jsonCol(r.Permissions, false)
	if err != nil {
		return err
	}
	return db.identityTx(ctx, ev, func(tx *sql.Tx) ([]string, error) {
		return nil, db.exec(ctx, tx, "role "+r.Name, `UPDATE roles SET description = ?, scope = ?, permissions_json = ?, updated_at = ? WHERE name = ?`,
			r.Description, r.Scope, perms, micros(time.Now()), r.Name)
	})
}

// DeleteRole deletes a custom role; store.ErrConflict while a user or a
// team member holds it.
func (db *DB) DeleteRole(ctx context.Context, name string, ev auditEvent) error {
	return db.identityTx(ctx, ev, func(tx *sql.Tx) ([]string, error) {
		held := false
		err := db.each(ctx, tx, `SELECT roles_json FROM users UNION ALL SELECT roles_json FROM team_members`, nil, func(s scanner) error {
			var js sql.NullString
			var roles []string
			if err := s.Scan(&js); err != nil {
				return err
			}
			if err := unjson(js, &roles); err != nil {
				return err
			}
			for _, r := range roles {
				held = held || r == name
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if held {
			return nil, fmt.Errorf("role %q is held by a user or team member: %w", name, store.ErrConflict)
		}
		return nil, db.exec(ctx, tx, "role "+name, `DELETE FROM roles WHERE name = ?`, name)
	})
}

// ListRoles returns the custom roles by name.
func (db *DB) ListRoles(ctx context.Context) ([]*policy.Role, error) {
	var out []*policy.Role
	err := db.each(ctx, db.r, `SELECT `+roleCols+` FROM roles ORDER BY name`, nil, func(s scanner) error {
		r, err := scanRole(s)
		out = append(out, r)
		return err
	})
	return out, err
}
