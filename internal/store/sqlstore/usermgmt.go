package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/signet-project/signet/internal/auth"
)

// UpdateUser saves u's email, roles and groups, and its grants.
func (db *DB) UpdateUser(ctx context.Context, u *auth.User, ev auditEvent) error {
	roles, err := jsonList(u.Roles)
	if err != nil {
		return err
	}
	groups, err := jsonList(u.Groups)
	if err != nil {
		return err
	}
	return db.identityTx(ctx, ev, func(tx *sql.Tx) ([]string, error) {
		return []string{u.ID}, db.exec(ctx, tx, "user "+u.ID,
			`UPDATE users SET email = ?, roles_json = ?, groups_json = ? WHERE id = ?`, u.Email, roles, groups, u.ID)
	})
}

// SetUserDisabled disables or enables a user. Disabling revokes, in the
// same transaction, every API token, session and client certificate of
// the user that is not revoked yet.
func (db *DB) SetUserDisabled(ctx context.Context, id string, disabled bool, at time.Time, ev auditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.exec(ctx, tx, "user "+id, `UPDATE users SET disabled = ? WHERE id = ?`, disabled, id); err != nil {
			return err
		}
		if disabled {
			for _, table := range []string{"api_tokens", "client_certs"} {
				q := `UPDATE ` + table + ` SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`
				if _, err := tx.ExecContext(ctx, db.d.rebind(q), micros(at), id); err != nil {
					return db.wrap(err, "user %s: revoking %s", id, table)
				}
			}
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

// DeleteUser deletes a user, its credentials, sign-in state and team
// memberships. Signature and audit records keep its id and name.
func (db *DB) DeleteUser(ctx context.Context, id string, ev auditEvent) error {
	return db.identityTx(ctx, ev, func(tx *sql.Tx) ([]string, error) {
		for _, q := range []string{
			`DELETE FROM api_tokens WHERE user_id = ?`,
			`DELETE FROM client_certs WHERE user_id = ?`,
			`DELETE FROM recovery_codes WHERE user_id = ?`,
			`DELETE FROM user_logins WHERE user_id = ?`,
			`DELETE FROM team_members WHERE kind = 'user' AND member = ?`,
		} {
			if _, err := tx.ExecContext(ctx, db.d.rebind(q), id); err != nil {
				return nil, db.wrap(err, "user %s: deleting", id)
			}
		}
		return []string{id}, db.exec(ctx, tx, "user "+id, `DELETE FROM users WHERE id = ?`, id)
	})
}
