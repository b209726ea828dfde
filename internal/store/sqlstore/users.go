package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/auth"
)

const userCols = `id, name, email, type, roles_json, groups_json, disabled, created_at`

// CreateUser inserts u; store.ErrConflict if its name or id is taken.
func (db *DB) CreateUser(ctx context.Context, u *auth.User, ev *audit.Event) error {
	fillID(&u.ID)
	fillTime(&u.CreatedAt)
	roles, err := jsonList(u.Roles)
	if err != nil {
		return err
	}
	groups, err := jsonList(u.Groups)
	if err != nil {
		return err
	}
	return db.identityTx(ctx, ev, func(tx *sql.Tx) ([]string, error) {
		_, err := tx.ExecContext(ctx, db.d.rebind(insertSQL("users", userCols, ncols(userCols), 1)),
			u.ID, u.Name, u.Email, u.Type, roles, groups, u.Disabled, micros(u.CreatedAt))
		return []string{u.ID}, db.wrap(err, "user %q", u.Name)
	})
}

func scanUser(s interface{ Scan(...any) error }) (*auth.User, error) {
	var u auth.User
	var roles, groups sql.NullString
	var created int64
	if err := s.Scan(&u.ID, &u.Name, &u.Email, &u.Type, &roles, &groups, &u.Disabled, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = fromMicros(created)
	if err := unjson(roles, &u.Roles); err != nil {
		return nil, fmt.Errorf("user %s roles: %w", u.ID, err)
	}
	if err := unjson(groups, &u.Groups); err != nil {
		return nil, fmt.Errorf("user %s groups: %w", u.ID, err)
	}
	return &u, nil
}

// GetUser finds a user by id, or else by name.
func (db *DB) GetUser(ctx context.Context, idOrName string) (*auth.User, error) {
	row := db.queryRow(ctx, `SELECT `+userCols+` FROM users
		WHERE id = ? OR name = ? ORDER BY CASE WHEN id = ? THEN 0 ELSE 1 END LIMIT 1`,
		idOrName, idOrName, idOrName)
	u, err := scanUser(row)
	return u, db.wrap(err, "user %q", idOrName)
}

// ListUsers returns every user, ordered by name.
func (db *DB) ListUsers(ctx context.Context) ([]*auth.User, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY name`)
	if err != nil {
		return nil, db.wrap(err, "users: listing")
	}
	defer rows.Close()
	var out []*auth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, db.wrap(err, "users: reading")
		}
		out = append(out, u)
	}
	return out, db.wrap(rows.Err(), "users: listing")
}

// UserGrants returns every user's resolved grants (teams, custom roles).
func (db *DB) UserGrants(ctx context.Context) (map[string]auth.Grants, error) {
	out := map[string]auth.Grants{}
	err := db.each(ctx, db.r, `SELECT id, grants_json FROM users`, nil, func(s scanner) error {
		var id string
		var gr sql.NullString
		if err := s.Scan(&id, &gr); err != nil {
			return err
		}
		var g auth.Grants
		if err := unjson(gr, &g); err != nil {
			return fmt.Errorf("user %s grants: %w", id, err)
		}
		out[id] = g
		return nil
	})
	return out, db.wrap(err, "users: grants")
}
