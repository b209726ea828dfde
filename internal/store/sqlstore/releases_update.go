package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/signet-project/signet/internal/release"
	"github.com/signet-project/signet/internal/store"
)

// UpdateRelease writes r under optimistic concurrency: the UPDATE applies
// only while the stored revision is r.Revision (and the budget used fits
// r.MaxSignatures), so of two changes made from the same read one wins and
// the other gets release.ErrStale. On PostgreSQL the loser waits for the
// winner's row lock and then finds the revision moved on; on SQLite the
// write lock already orders them.
func (db *DB) UpdateRelease(ctx context.Context, r *release.Release, e release.Edit) error {
	fillTime(&r.UpdatedAt)
	args, err := releaseArgs(r)
	if err != nil {
		return err
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE releases SET name = ?, version = ?, category = ?, team = ?,
			type = ?, status = ?, keypairs_json = ?, participants_json = ?, start_at = ?, end_at = ?,
			max_signatures = ?, note = ?, approvals_required = ?, updated_at = ?, revision = revision + 1
			WHERE id = ? AND revision = ? AND used <= ?`), args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9],
			args[10], args[11], args[13], args[14], args[18], r.ID, r.Revision, r.MaxSignatures)
		if err := db.affected(res, err, "release %s", r.ID); err != nil {
			if errors.Is(err, store.ErrNotFound) && db.releaseExists(ctx, tx, r.ID) {
				return fmt.Errorf("release %s at revision %d: %w", r.ID, r.Revision, release.ErrStale)
			}
			return err
		}
		if e.ClearApprovals {
			if _, err := tx.ExecContext(ctx, db.d.rebind(`DELETE FROM release_approvals WHERE release_id = ?`), r.ID); err != nil {
				return db.wrap(err, "release %s: clearing approvals", r.ID)
			}
		}
		if a := e.Decision; a != nil {
			if _, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO release_approvals
				(release_id, user_id, user_name, decision, comment, decided_at) VALUES (?, ?, ?, ?, ?, ?)`),
				r.ID, a.UserID, a.UserName, a.Decision, a.Comment, micros(a.At)); err != nil {
				err = db.wrap(err, "release %s: decision of %s", r.ID, a.UserID)
				if errors.Is(err, store.ErrConflict) {
					return fmt.Errorf("release %s: %s: %w", r.ID, a.UserID, release.ErrDecided)
				}
				return err
			}
		}
		if err := db.claimKeypairs(ctx, tx, r, r.UpdatedAt); err != nil {
			return err
		}
		for _, ev := range e.Events {
			if err := db.appendEvent(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, store.ErrRetry) {
		// Aborted for a concurrent change: as stale, read again and retry.
		return fmt.Errorf("release %s: %w (%w)", r.ID, release.ErrStale, err)
	}
	if err == nil {
		r.Revision++
	}
	return err
}

// releaseExists tells a stale revision from a missing release.
func (db *DB) releaseExists(ctx context.Context, tx *sql.Tx, id string) bool {
	var one int
	return tx.QueryRowContext(ctx, db.d.rebind(`SELECT 1 FROM releases WHERE id = ?`), id).Scan(&one) == nil
}

// loadApprovals fills the approvals of rs, oldest decision first, in one
// query.
func (db *DB) loadApprovals(ctx context.Context, rs []*release.Release) error {
	if len(rs) == 0 {
		return nil
	}
	byID := make(map[string]*release.Release, len(rs))
	args := make([]any, 0, len(rs))
	for _, r := range rs {
		byID[r.ID] = r
		args = append(args, r.ID)
	}
	err := db.each(ctx, db.r, `SELECT release_id, user_id, user_name, decision, comment, decided_at
		FROM release_approvals WHERE release_id IN (`+placeholders(len(args))+`)
		ORDER BY release_id, decided_at, user_id`, args, func(s scanner) error {
		var id string
		var a release.Approval
		var at int64
		if err := s.Scan(&id, &a.UserID, &a.UserName, &a.Decision, &a.Comment, &at); err != nil {
			return err
		}
		a.At = fromMicros(at)
		if r := byID[id]; r != nil {
			r.Approvals = append(r.Approvals, a)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release approvals: %w", err)
	}
	return nil
}
