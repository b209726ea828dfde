package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/store"
)

// RotateKey makes generation from+1 current, keeping from's public key.
func (db *DB) RotateKey(ctx context.Context, id string, from int, h keys.Handle, pub []byte, at time.Time, ev *audit.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var old []byte
		var made, created int64
		err := tx.QueryRowContext(ctx, db.d.rebind(`SELECT public_key, rotated_at, created_at FROM keypairs
			WHERE id = ? AND generation = ? AND state = ?`), id, from, keypair.StateActive).Scan(bytesCol{&old}, &made, &created)
		if made == 0 {
			made = created // the first generation dates from the keypair
		}
		if err == sql.ErrNoRows {
			return fmt.Errorf("keypair %s is not active at generation %d: %w", id, from, store.ErrConflict)
		}
		if err != nil {
			return db.wrap(err, "keypair %s", id)
		}
		res, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE keypairs SET generation = ?, handle_backend = ?, handle_uri = ?,
			handle_kek = ?, handle_blob = ?, public_key = ?, rotated_at = ?, generation_used = 0, updated_at = ?
			WHERE id = ? AND generation = ? AND state = ?`),
			from+1, h.Backend, h.URI, h.KEK, nullBytes(h.Blob), pub, micros(at), micros(at), id, from, keypair.StateActive)
		if err := db.affected(res, err, "keypair %s generation %d", id, from); err != nil {
			if isNotFound(err) {
				return fmt.Errorf("keypair %s moved past generation %d: %w", id, from, store.ErrConflict)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO keypair_generations
			(keypair_id, generation, public_key, created_at, retired_at) VALUES (?, ?, ?, ?, ?)`),
			id, from, old, made, micros(at)); err != nil {
			return db.wrap(err, "keypair %s generation %d", id, from)
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

// ClaimGeneration takes the one signature of the current generation.
func (db *DB) ClaimGeneration(ctx context.Context, id string, generation int) (bool, error) {
	res, err := db.w.ExecContext(ctx, db.d.rebind(`UPDATE keypairs SET generation_used = 1
		WHERE id = ? AND generation = ? AND generation_used = 0`), id, generation)
	if err != nil {
		return false, db.wrap(err, "keypair %s: claiming generation %d", id, generation)
	}
	n, err := res.RowsAffected()
	return n == 1, db.wrap(err, "keypair %s: claiming generation %d", id, generation)
}

// Generations lists the retired generations and then the current one, in
// one statement: one snapshot on both databases, so a rotation committed
// meanwhile cannot take generation g out of the retired rows before the
// keypair row shows g+1 as current.
func (db *DB) Generations(ctx context.Context, id string) ([]keypair.Generation, error) {
	rows, err := db.r.QueryContext(ctx, db.d.rebind(`SELECT generation, public_key, created_at, retired_at, 0 AS is_current
		FROM keypair_generations WHERE keypair_id = ?
		UNION ALL
		SELECT generation, public_key, CASE WHEN rotated_at <> 0 THEN rotated_at ELSE created_at END, 0, 1
		FROM keypairs WHERE id = ?
		ORDER BY is_current, generation`), id, id)
	if err != nil {
		return nil, db.wrap(err, "keypair %s generations", id)
	}
	defer rows.Close()
	var out []keypair.Generation
	found := false
	for rows.Next() {
		var g keypair.Generation
		var made, retired int64
		var current int
		if err := rows.Scan(&g.Generation, bytesCol{&g.PublicKey}, &made, &retired, &current); err != nil {
			return nil, db.wrap(err, "keypair %s generations", id)
		}
		if made != 0 {
			g.CreatedAt = fromMicros(made)
		}
		if current == 1 {
			found = true
		} else {
			r := fromMicros(retired)
			g.RetiredAt = &r
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "keypair %s generations", id)
	}
	if !found {
		return nil, fmt.Errorf("keypair %q: %w", id, store.ErrNotFound)
	}
	return out, nil
}

// TryLease takes the lease if it is free, expired or already holder's.
func (db *DB) TryLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	got := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE leases SET holder = ?, expires_at = ?
			WHERE name = ? AND (holder = ? OR expires_at <= ?)`), holder, micros(until), name, holder, micros(now))
		if err != nil {
			return db.wrap(err, "lease %s", name)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			got = true
			return nil
		}
		// Not ours and not expired, or not there yet: insert unless a row exists.
		res, err = tx.ExecContext(ctx, db.d.rebind(`INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO NOTHING`), name, holder, micros(until))
		if err != nil {
			return db.wrap(err, "lease %s", name)
		}
		n, err := res.RowsAffected()
		got = n == 1
		return db.wrap(err, "lease %s", name)
	})
	return got, err
}
