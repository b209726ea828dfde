package sqlstore

import (
	"context"
	"database/sql"

	"github.com/signet-project/signet/internal/auth"
)

// Settings returns the account settings.
func (db *DB) Settings(ctx context.Context) (auth.Settings, error) {
	var s auth.Settings
	var updated int64
	err := db.queryRow(ctx, `SELECT require_2fa, teams_enabled, release_approvals, rotation_seconds, updated_at
		FROM account_settings WHERE id = 1`).
		Scan(&s.Require2FA, &s.TeamsEnabled, &s.ReleaseApprovals, &s.RotationSeconds, &updated)
	if updated > 0 {
		s.UpdatedAt = fromMicros(updated)
	}
	return s, db.wrap(err, "account settings")
}

// UpdateSettings saves the account settings.
func (db *DB) UpdateSettings(ctx context.Context, s auth.Settings, ev auditEvent) error {
	fillTime(&s.UpdatedAt)
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.exec(ctx, tx, "account settings", `UPDATE account_settings SET require_2fa = ?, teams_enabled = ?,
			release_approvals = ?, rotation_seconds = ?, updated_at = ? WHERE id = 1`,
			s.Require2FA, s.TeamsEnabled, s.ReleaseApprovals, s.RotationSeconds, micros(s.UpdatedAt)); err != nil {
			return err
		}
		return db.appendEvent(ctx, tx, ev)
	})
}
