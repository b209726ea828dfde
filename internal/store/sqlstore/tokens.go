package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/auth"
)

const tokenCols = `id, user_id, name, prefix, hash, created_at, expires_at, revoked_at, last_used_at, kind`

// CreateToken inserts t: store.ErrConflict if its hash or id is taken,
// store.ErrNotFound if its user does not exist.
func (db *DB) CreateToken(ctx context.Context, t *auth.Token, ev *audit.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.insertToken(ctx, tx, t); err != nil {
			return err
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

// insertToken inserts t in tx, filling its id, creation time and kind.
func (db *DB) insertToken(ctx context.Context, tx *sql.Tx, t *auth.Token) error {
	fillID(&t.ID)
	fillTime(&t.CreatedAt)
	if t.Kind == "" {
		t.Kind = auth.TokenAPI
	}
	_, err := tx.ExecContext(ctx, db.d.rebind(insertSQL("api_tokens", tokenCols, ncols(tokenCols), 1)),
		t.ID, t.UserID, t.Name, t.Prefix, nullBytes(t.Hash), micros(t.CreatedAt),
		nullMicros(t.ExpiresAt), nullMicros(t.RevokedAt), nullMicros(t.LastUsedAt), t.Kind)
	// Never the hash or secret in errors: the id and prefix identify it.
	return db.wrap(err, "token %s (%s...) of user %s", t.ID, t.Prefix, t.UserID)
}

func scanToken(s interface{ Scan(...any) error }) (*auth.Token, error) {
	var t auth.Token
	var created int64
	var expires, revoked, used sql.NullInt64
	err := s.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, bytesCol{&t.Hash}, &created, &expires, &revoked, &used, &t.Kind)
	if err != nil {
		return nil, err
	}
	t.CreatedAt = fromMicros(created)
	t.ExpiresAt, t.RevokedAt, t.LastUsedAt = timePtr(expires), timePtr(revoked), timePtr(used)
	return &t, nil
}

// TokenByHash finds a token by the hash of its secret, revoked or expired
// ones included: the caller checks them.
func (db *DB) TokenByHash(ctx context.Context, hash []byte) (*auth.Token, error) {
	row := db.queryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE hash = ?`, hash)
	t, err := scanToken(row)
	return t, db.wrap(err, "token by hash")
}

// ListTokens returns the API tokens of a user (every user's when userID
// is empty), oldest first; sessions are left out.
func (db *DB) ListTokens(ctx context.Context, userID string) ([]*auth.Token, error) {
	var w where
	w.eq("user_id", userID)
	w.eq("kind", auth.TokenAPI)
	rows, err := db.r.QueryContext(ctx, db.d.rebind(`SELECT `+tokenCols+` FROM api_tokens`+w.String()+` ORDER BY created_at, id`), w.args...)
	if err != nil {
		return nil, db.wrap(err, "tokens: listing")
	}
	defer rows.Close()
	var out []*auth.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, db.wrap(err, "tokens: reading")
		}
		out = append(out, t)
	}
	return out, db.wrap(rows.Err(), "tokens: listing")
}

// RevokeToken revokes a token. Revoking it again keeps the first time.
func (db *DB) RevokeToken(ctx context.Context, id string, at time.Time, ev *audit.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`), micros(at), id)
		if err := db.affected(res, err, "token %s", id); err != nil {
			return err
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

// TouchToken records the last use of a token. It is not audited.
func (db *DB) TouchToken(ctx context.Context, id string, at time.Time) error {
	res, err := db.w.ExecContext(ctx, db.d.rebind(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`), micros(at), id)
	return db.affected(res, err, "token %s", id)
}
