package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/signet-project/signet/internal/auth"
)

// settingsSQL reads the account settings: those of identity, releases and
// rotation from account_settings, and require_keypair_profile from
// profile_settings, where the CA reads it (ProfileSettings).
const settingsSQL = `SELECT s.require_2fa, s.teams_enabled, s.release_approvals, s.rotation_seconds, s.updated_at,
	p.require_keypair_profile, p.updated_at
FROM account_settings s JOIN profile_settings p ON p.id = 1
WHERE s.id = 1`

// scanSettings scans a row of settingsSQL. UpdatedAt is the later of the
// two tables' times: a change through PUT /api/v1/settings/profiles is a
// change of the account settings too.
func scanSettings(row *sql.Row) (auth.Settings, error) {
	var s auth.Settings
	var requireProfile int
	var updated, profileUpdated int64
	err := row.Scan(&s.Require2FA, &s.TeamsEnabled, &s.ReleaseApprovals, &s.RotationSeconds, &updated,
		&requireProfile, &profileUpdated)
	s.RequireKeypairProfile = requireProfile != 0
	if updated = max(updated, profileUpdated); updated > 0 {
		s.UpdatedAt = fromMicros(updated)
	}
	return s, err
}

// Settings returns the account settings.
func (db *DB) Settings(ctx context.Context) (auth.Settings, error) {
	s, err := scanSettings(db.queryRow(ctx, settingsSQL))
	return s, db.wrap(err, "account settings")
}

// UpdateSettings changes the settings u sets, and only those: one UPDATE
// whose COALESCE keeps the stored value of every column u leaves nil, so
// that two admins changing different settings at once both keep their
// change (a read-modify-write of the whole row would lose one). A change
// of require_keypair_profile updates profile_settings in the same
// transaction. The row read back in the same transaction is what the
// change made.
func (db *DB) UpdateSettings(ctx context.Context, u auth.SettingsUpdate, at time.Time, ev auditEvent) (auth.Settings, error) {
	fillTime(&at)
	var s auth.Settings
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.exec(ctx, tx, "account settings", `UPDATE account_settings SET
			require_2fa = COALESCE(?, require_2fa), teams_enabled = COALESCE(?, teams_enabled),
			release_approvals = COALESCE(?, release_approvals), rotation_seconds = COALESCE(?, rotation_seconds),
			updated_at = ? WHERE id = 1`,
			orNull(u.Require2FA), orNull(u.TeamsEnabled), orNull(u.ReleaseApprovals), orNull(u.RotationSeconds), micros(at)); err != nil {
			return err
		}
		if u.RequireKeypairProfile != nil {
			if err := db.exec(ctx, tx, "profile settings", `UPDATE profile_settings SET require_keypair_profile = ?, updated_at = ? WHERE id = 1`,
				boolInt(*u.RequireKeypairProfile), micros(at)); err != nil {
				return err
			}
		}
		var err error
		s, err = scanSettings(tx.QueryRowContext(ctx, db.d.rebind(settingsSQL)))
		if err != nil {
			return db.wrap(err, "account settings")
		}
		return db.appendEvent(ctx, tx, ev)
	})
	return s, err
}

// orNull is *p, or SQL NULL when p is nil.
func orNull[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
