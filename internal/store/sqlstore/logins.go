package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/signet-project/signet/internal/auth"
)

// GetLogin returns a user's sign-in state; a zero Login (with UserID set)
// if it has none.
func (db *DB) GetLogin(ctx context.Context, userID string) (*auth.Login, error) {
	l := &auth.Login{UserID: userID}
	var locked int64
	err := db.w.QueryRowContext(ctx, db.d.rebind(`SELECT password_hash, failures, locked_until, totp_secret, totp_confirmed, totp_last_step
		FROM user_logins WHERE user_id = ?`), userID).
		Scan(&l.PasswordHash, &l.Failures, &locked, bytesCol{&l.TOTPSecret}, &l.TOTPConfirmed, &l.TOTPLastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return l, nil
	}
	if locked > 0 {
		l.LockedUntil = fromMicros(locked)
	}
	return l, db.wrap(err, "sign-in state of user %s", userID)
}

// ensureLogin makes the user's sign-in row exist (two transactions may
// race to make it: the second does nothing).
func (db *DB) ensureLogin(ctx context.Context, tx *sql.Tx, userID string) error {
	_, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO user_logins (user_id) SELECT id FROM users WHERE id = ?
		ON CONFLICT (user_id) DO NOTHING`), userID)
	return db.wrap(err, "sign-in state of user %s", userID)
}

// loginTx runs one update of a user's sign-in row with ev.
func (db *DB) loginTx(ctx context.Context, userID string, ev auditEvent, q string, args ...any) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.ensureLogin(ctx, tx, userID); err != nil {
			return err
		}
		if err := db.exec(ctx, tx, "sign-in state of user "+userID, q, append(args, userID)...); err != nil {
			return err
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

// SetPassword stores a password hash, clears the failure count and lock,
// and revokes the user's sessions.
func (db *DB) SetPassword(ctx context.Context, userID, hash string, ev auditEvent) error {
	return db.ChangePassword(ctx, userID, hash, nil, eventTime(ev), ev)
}

// ChangePassword stores a password hash, clears the failure count and
// lock, and revokes the user's sessions but keepSession.
func (db *DB) ChangePassword(ctx context.Context, userID, hash string, keepSession []byte, at time.Time, ev auditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.ensureLogin(ctx, tx, userID); err != nil {
			return err
		}
		if err := db.exec(ctx, tx, "sign-in state of user "+userID,
			`UPDATE user_logins SET password_hash = ?, failures = 0, locked_until = 0 WHERE user_id = ?`, hash, userID); err != nil {
			return err
		}
		if err := db.revokeSessions(ctx, tx, userID, keepSession, at); err != nil {
			return err
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

// revokeSessions revokes, at at, the user's web console sessions not
// revoked yet, but the one whose hash is keep (nil: none kept).
func (db *DB) revokeSessions(ctx context.Context, tx *sql.Tx, userID string, keep []byte, at time.Time) error {
	q := `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND kind = ? AND revoked_at IS NULL`
	args := []any{micros(at), userID, auth.TokenSession}
	if keep != nil {
		q += ` AND hash <> ?`
		args = append(args, keep)
	}
	_, err := tx.ExecContext(ctx, db.d.rebind(q), args...)
	return db.wrap(err, "user %s: revoking sessions", userID)
}

// eventTime is the time of the change ev records (now without one).
func eventTime(ev auditEvent) time.Time {
	if ev == nil || ev.Time.IsZero() {
		return nowMicro()
	}
	return ev.Time
}

// BeginLogin counts an attempt before its check, in one conditional
// update that no other attempt (on any node) can interleave with: it
// matches only while no lock is in force at now. An expired lock (a
// locked_until in the past) restarts the count at this attempt; the max-th
// attempt in a row sets the lock itself.
func (db *DB) BeginLogin(ctx context.Context, userID string, max int, now, lockUntil time.Time) (auth.LoginAttempt, error) {
	var a auth.LoginAttempt
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.ensureLogin(ctx, tx, userID); err != nil {
			return err
		}
		// SET expressions read the row as it was: n is this attempt's number.
		const n = `CASE WHEN locked_until > 0 THEN 1 ELSE failures + 1 END`
		res, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE user_logins SET failures = `+n+`,
			locked_until = CASE WHEN `+n+` >= ? THEN CAST(? AS BIGINT) ELSE 0 END
			WHERE user_id = ? AND locked_until <= ?`), max, micros(lockUntil), userID, micros(now))
		if err != nil {
			return db.wrap(err, "sign-in state of user %s", userID)
		}
		counted, err := res.RowsAffected()
		if err != nil {
			return db.wrap(err, "sign-in state of user %s", userID)
		}
		var locked int64
		if err := tx.QueryRowContext(ctx, db.d.rebind(`SELECT locked_until FROM user_logins WHERE user_id = ?`), userID).Scan(&locked); err != nil {
			return db.wrap(err, "sign-in state of user %s", userID)
		}
		switch {
		case counted == 0:
			a.LockedUntil = fromMicros(locked)
		case locked > 0:
			a.Lock = fromMicros(locked)
		}
		return nil
	})
	return a, err
}

// EndLogin ends an attempt that did not fail, in one conditional update:
// the password hash must be the one checked and no lock but the attempt's
// own in force at e.At.
func (db *DB) EndLogin(ctx context.Context, userID string, e auth.LoginEnd, ev auditEvent) (bool, error) {
	ok := true
	err := db.tx(ctx, func(tx *sql.Tx) error {
		own, hash := optMicros(e.Attempt.Lock), e.PasswordHash
		if e.Rehash != "" {
			hash = e.Rehash
		}
		set, args := `failures = 0, locked_until = 0`, []any{}
		if !e.SignIn {
			set = `failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END,
				locked_until = CASE WHEN locked_until = ? THEN 0 ELSE locked_until END`
			args = append(args, own)
		}
		args = append(args, hash, userID, e.PasswordHash, micros(e.At), own)
		err := db.exec(ctx, tx, "sign-in state of user "+userID, `UPDATE user_logins SET `+set+`, password_hash = ?
			WHERE user_id = ? AND password_hash = ? AND (locked_until <= ? OR locked_until = ?)`, args...)
		if isNotFound(err) {
			ok = false
			return nil
		}
		if err != nil {
			return err
		}
		if e.Session != nil {
			if err := db.insertToken(ctx, tx, e.Session); err != nil {
				return err
			}
		}
		return db.appendEvent(ctx, tx, ev)
	})
	return ok && err == nil, err
}

// UnlockLogin clears the failure count and lock.
func (db *DB) UnlockLogin(ctx context.Context, userID string, ev auditEvent) error {
	return db.loginTx(ctx, userID, ev, `UPDATE user_logins SET failures = 0, locked_until = 0 WHERE user_id = ?`)
}

// SetTOTP stores a sealed secret awaiting confirmation, or removes TOTP
// (sealed nil) and revokes the user's sessions; either way the recovery
// codes go.
func (db *DB) SetTOTP(ctx context.Context, userID string, sealed []byte, ev auditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.ensureLogin(ctx, tx, userID); err != nil {
			return err
		}
		if err := db.exec(ctx, tx, "sign-in state of user "+userID,
			`UPDATE user_logins SET totp_secret = ?, totp_confirmed = ? WHERE user_id = ?`, nullBytes(sealed), false, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.d.rebind(`DELETE FROM recovery_codes WHERE user_id = ?`), userID); err != nil {
			return db.wrap(err, "recovery codes of user %s", userID)
		}
		if sealed == nil {
			if err := db.revokeSessions(ctx, tx, userID, nil, eventTime(ev)); err != nil {
				return err
			}
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

// ResealTOTP replaces a sealed secret if it has not changed meanwhile.
func (db *DB) ResealTOTP(ctx context.Context, userID string, old, new []byte) error {
	_, err := db.w.ExecContext(ctx, db.d.rebind(`UPDATE user_logins SET totp_secret = ? WHERE user_id = ? AND totp_secret = ?`), new, userID, old)
	return db.wrap(err, "TOTP of user %s", userID)
}

// ConfirmTOTP enables the pending secret, using step, and stores the
// recovery codes' hashes; false if step is not after the last used one.
func (db *DB) ConfirmTOTP(ctx context.Context, userID string, step int64, recovery [][]byte, ev auditEvent) (bool, error) {
	ok := true
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := db.exec(ctx, tx, "TOTP of user "+userID, `UPDATE user_logins SET totp_confirmed = ?, totp_last_step = ?
			WHERE user_id = ? AND totp_secret IS NOT NULL AND totp_last_step < ?`, true, step, userID, step)
		if isNotFound(err) {
			ok = false
			return nil
		}
		if err != nil {
			return err
		}
		for _, h := range recovery {
			if _, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO recovery_codes (user_id, hash) VALUES (?, ?)`), userID, h); err != nil {
				return db.wrap(err, "recovery codes of user %s", userID)
			}
		}
		return db.appendEvent(ctx, tx, ev)
	})
	return ok && err == nil, err
}

// UseTOTPStep records step as used, in one conditional update: of two
// requests (on any nodes) with the same code, one wins.
func (db *DB) UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	res, err := db.w.ExecContext(ctx, db.d.rebind(`UPDATE user_logins SET totp_last_step = ?
		WHERE user_id = ? AND totp_confirmed AND totp_last_step < ?`), step, userID, step)
	err = db.affected(res, err, "TOTP of user %s", userID)
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// UseRecoveryCode spends a recovery code, once.
func (db *DB) UseRecoveryCode(ctx context.Context, userID string, hash []byte, at time.Time) (bool, error) {
	res, err := db.w.ExecContext(ctx, db.d.rebind(`UPDATE recovery_codes SET used_at = ?
		WHERE user_id = ? AND hash = ? AND used_at IS NULL`), micros(at), userID, hash)
	err = db.affected(res, err, "recovery code of user %s", userID)
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, err
}
