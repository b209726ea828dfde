package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/sigalg"
	"github.com/signet-project/signet/internal/store"
)

const keypairCols = `id, alias, type, alg_type, alg_bits, alg_curve, category, storage, status,
	access, allowed_users_json, allowed_groups_json, team, profile, state, generation,
	handle_backend, handle_uri, handle_kek, handle_blob, public_key, created_by,
	created_at, updated_at, destroyed_at, rotate_per_signature, rotated_at`

// CreateKeypair inserts kp; store.ErrConflict if its alias or id is taken.
func (db *DB) CreateKeypair(ctx context.Context, kp *keypair.Keypair, ev *audit.Event) error {
	fillID(&kp.ID)
	fillTime(&kp.CreatedAt)
	if kp.UpdatedAt.IsZero() {
		kp.UpdatedAt = kp.CreatedAt
	}
	users, err := jsonList(kp.AllowedUsers)
	if err != nil {
		return err
	}
	groups, err := jsonList(kp.AllowedGroups)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.d.rebind(insertSQL("keypairs", keypairCols, ncols(keypairCols), 1)),
			kp.ID, kp.Alias, kp.Type, string(kp.Algorithm.Type), kp.Algorithm.Bits, kp.Algorithm.Curve,
			kp.Category, kp.Storage, kp.Status, kp.Access, users, groups, kp.Team, kp.Profile,
			kp.State, kp.Generation, kp.Handle.Backend, kp.Handle.URI, kp.Handle.KEK,
			nullBytes(kp.Handle.Blob), nullBytes(kp.PublicKey), kp.CreatedBy,
			micros(kp.CreatedAt), micros(kp.UpdatedAt), nullMicros(kp.DestroyedAt), boolInt(kp.RotatePerSignature), optMicros(kp.RotatedAt))
		if err != nil {
			return db.wrap(err, "keypair %q", kp.Alias)
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

func scanKeypair(s interface{ Scan(...any) error }) (*keypair.Keypair, error) {
	var kp keypair.Keypair
	var algType string
	var users, groups sql.NullString
	var created, updated int64
	var destroyed sql.NullInt64
	var perSig, rotated int64
	err := s.Scan(&kp.ID, &kp.Alias, &kp.Type, &algType, &kp.Algorithm.Bits, &kp.Algorithm.Curve,
		&kp.Category, &kp.Storage, &kp.Status, &kp.Access, &users, &groups, &kp.Team, &kp.Profile,
		&kp.State, &kp.Generation, &kp.Handle.Backend, &kp.Handle.URI, &kp.Handle.KEK,
		bytesCol{&kp.Handle.Blob}, bytesCol{&kp.PublicKey}, &kp.CreatedBy, &created, &updated, &destroyed,
		&perSig, &rotated)
	if err != nil {
		return nil, err
	}
	kp.RotatePerSignature = perSig != 0
	if rotated != 0 {
		kp.RotatedAt = fromMicros(rotated)
	}
	kp.Algorithm.Type = sigalg.KeyType(algType)
	kp.CreatedAt, kp.UpdatedAt, kp.DestroyedAt = fromMicros(created), fromMicros(updated), timePtr(destroyed)
	if err := unjson(users, &kp.AllowedUsers); err != nil {
		return nil, fmt.Errorf("keypair %s allowed users: %w", kp.ID, err)
	}
	if err := unjson(groups, &kp.AllowedGroups); err != nil {
		return nil, fmt.Errorf("keypair %s allowed groups: %w", kp.ID, err)
	}
	return &kp, nil
}

// GetKeypair finds a keypair by id, or else by alias.
func (db *DB) GetKeypair(ctx context.Context, idOrAlias string) (*keypair.Keypair, error) {
	epoch, ok := db.readEpoch(ctx)
	if !ok {
		return db.getKeypair(ctx, idOrAlias)
	}
	if kp := db.cache.getKeypair(epoch, idOrAlias); kp != nil {
		return kp, nil
	}
	kp, err := db.getKeypair(ctx, idOrAlias)
	if err == nil {
		db.cache.putKeypair(epoch, idOrAlias, kp)
	}
	return kp, err
}

func (db *DB) getKeypair(ctx context.Context, idOrAlias string) (*keypair.Keypair, error) {
	row := db.queryRow(ctx, `SELECT `+keypairCols+` FROM keypairs
		WHERE id = ? OR alias = ? ORDER BY CASE WHEN id = ? THEN 0 ELSE 1 END LIMIT 1`,
		idOrAlias, idOrAlias, idOrAlias)
	kp, err := scanKeypair(row)
	return kp, db.wrap(err, "keypair %q", idOrAlias)
}

// ListKeypairs returns keypairs ordered by id. Alias is a prefix match.
func (db *DB) ListKeypairs(ctx context.Context, f keypair.Filter) ([]*keypair.Keypair, error) {
	var w where
	w.prefix("alias", f.Alias)
	w.eq("state", f.State)
	w.eq("storage", f.Storage)
	w.eq("status", f.Status)
	w.eq("category", f.Category)
	w.eq("type", f.Type)
	if f.After != "" {
		w.add("id > ?", f.After)
	}
	q := `SELECT ` + keypairCols + ` FROM keypairs` + w.String() + ` ORDER BY id LIMIT ?`
	rows, err := db.r.QueryContext(ctx, db.d.rebind(q), append(w.args, limit(f.Limit))...)
	if err != nil {
		return nil, db.wrap(err, "keypairs: listing")
	}
	defer rows.Close()
	var out []*keypair.Keypair
	for rows.Next() {
		kp, err := scanKeypair(rows)
		if err != nil {
			return nil, db.wrap(err, "keypairs: reading")
		}
		out = append(out, kp)
	}
	return out, db.wrap(rows.Err(), "keypairs: listing")
}

// SetKeypairState changes the state to active or suspended. A destroyed
// keypair stays destroyed: store.ErrConflict.
func (db *DB) SetKeypairState(ctx context.Context, id, state string, at time.Time, ev *audit.Event) error {
	if state != keypair.StateActive && state != keypair.StateSuspended {
		return fmt.Errorf("keypair %s: cannot set state %q (use DestroyKeypair to destroy)", id, state)
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.updateKeypair(ctx, tx, id, `state = ?, updated_at = ?`, state, micros(at)); err != nil {
			return err
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

// DestroyKeypair marks the keypair destroyed and erases the key's locator
// and wrapped blob; the backend name stays for the record. It applies only
// while the keypair is at generation with handle h, the key the caller has
// destroyed: store.ErrConflict if it has moved on (a rotation made a new
// key, which the caller must destroy too). Destroying a destroyed keypair
// again succeeds and keeps the first destruction time.
func (db *DB) DestroyKeypair(ctx context.Context, id string, generation int, h keys.Handle, at time.Time, ev *audit.Event) error {
	cond, args := handleIs(h)
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE keypairs SET state = ?, updated_at = ?,
			destroyed_at = COALESCE(destroyed_at, ?), handle_uri = '', handle_kek = '', handle_blob = NULL
			WHERE id = ? AND (state = ? OR (generation = ? AND `+cond+`))`),
			append([]any{keypair.StateDestroyed, micros(at), micros(at), id, keypair.StateDestroyed, generation}, args...)...)
		if err := db.affected(res, err, "keypair %s", id); err != nil {
			if !isNotFound(err) {
				return err
			}
			if err := db.keypairExists(ctx, tx, id); err != nil {
				return err
			}
			return fmt.Errorf("keypair %s is no longer at generation %d with the key destroyed: %w", id, generation, store.ErrConflict)
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

// SetKeyHandle replaces the key handle old of a keypair at generation with
// h, as master-key rotation re-wraps it. The write is conditional on what
// the caller read: store.ErrConflict if the keypair has moved on since (a
// rotation made another generation, another re-wrap or a deletion changed
// the handle, or it is destroyed), so a handle re-wrapped from an old read
// never replaces a newer generation's key; store.ErrNotFound if there is
// no such keypair.
func (db *DB) SetKeyHandle(ctx context.Context, id string, generation int, old, h keys.Handle) error {
	cond, args := handleIs(old)
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE keypairs SET handle_backend = ?, handle_uri = ?, handle_kek = ?,
			handle_blob = ? WHERE id = ? AND state <> ? AND generation = ? AND `+cond),
			append([]any{h.Backend, h.URI, h.KEK, nullBytes(h.Blob), id, keypair.StateDestroyed, generation}, args...)...)
		if err := db.affected(res, err, "keypair %s", id); err == nil || !isNotFound(err) {
			return err
		}
		if err := db.keypairExists(ctx, tx, id); err != nil {
			return err
		}
		return fmt.Errorf("keypair %s is no longer at generation %d with the handle read (rotated, re-wrapped or destroyed): %w",
			id, generation, store.ErrConflict)
	})
}

// handleIs returns the condition that a keypair row holds handle h, with
// its arguments.
func handleIs(h keys.Handle) (string, []any) {
	cond := `handle_backend = ? AND handle_uri = ? AND handle_kek = ? AND `
	if h.Blob == nil {
		return cond + `handle_blob IS NULL`, []any{h.Backend, h.URI, h.KEK}
	}
	return cond + `handle_blob = ?`, []any{h.Backend, h.URI, h.KEK, h.Blob}
}

// keypairExists returns nil if keypair id exists, store.ErrNotFound if not.
func (db *DB) keypairExists(ctx context.Context, tx *sql.Tx, id string) error {
	var n int
	err := tx.QueryRowContext(ctx, db.d.rebind(`SELECT COUNT(*) FROM keypairs WHERE id = ?`), id).Scan(&n)
	switch {
	case err != nil:
		return db.wrap(err, "keypair %s", id)
	case n == 0:
		return fmt.Errorf("keypair %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// updateKeypair sets columns of a keypair that is not destroyed:
// store.ErrNotFound if there is none, store.ErrConflict if it is destroyed.
func (db *DB) updateKeypair(ctx context.Context, tx *sql.Tx, id, set string, args ...any) error {
	res, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE keypairs SET `+set+` WHERE id = ? AND state <> ?`),
		append(args, id, keypair.StateDestroyed)...)
	if err := db.affected(res, err, "keypair %s", id); err == nil || !isNotFound(err) {
		return err
	}
	if err := db.keypairExists(ctx, tx, id); err != nil {
		return err
	}
	return fmt.Errorf("keypair %s is destroyed: %w", id, store.ErrConflict)
}
