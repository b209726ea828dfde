package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/release"
)

// releaseCols are the columns a release is read from and inserted with.
// Approvals live in release_approvals (approvals_json, which held them
// before migration 0006, is written empty and never read).
const releaseCols = `id, name, version, category, team, type, status, keypairs_json, participants_json,
	start_at, end_at, max_signatures, used, note, approvals_required, revision,
	created_by, created_at, updated_at`

// releaseArgs returns r's columns in releaseCols order.
func releaseArgs(r *release.Release) ([]any, error) {
	enc := func(v []string) (string, error) {
		b, err := json.Marshal(orEmpty(v))
		return string(b), err
	}
	kps, err := enc(r.Keypairs)
	if err != nil {
		return nil, err
	}
	parts, err := enc(r.Participants)
	if err != nil {
		return nil, err
	}
	return []any{r.ID, r.Name, r.Version, r.Category, r.Team, r.Type, r.Status, kps, parts,
		micros(r.Start), micros(r.End), r.MaxSignatures, r.Used, r.Note, r.ApprovalsRequired, r.Revision,
		r.CreatedBy, micros(r.CreatedAt), micros(r.UpdatedAt)}, nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func scanRelease(s interface{ Scan(...any) error }) (*release.Release, error) {
	var r release.Release
	var kps, parts string
	var start, end, created, updated int64
	err := s.Scan(&r.ID, &r.Name, &r.Version, &r.Category, &r.Team, &r.Type, &r.Status, &kps, &parts,
		&start, &end, &r.MaxSignatures, &r.Used, &r.Note, &r.ApprovalsRequired, &r.Revision,
		&r.CreatedBy, &created, &updated)
	if err != nil {
		return nil, err
	}
	r.Start, r.End, r.CreatedAt, r.UpdatedAt = fromMicros(start), fromMicros(end), fromMicros(created), fromMicros(updated)
	for _, c := range []struct {
		s   string
		dst *[]string
	}{{kps, &r.Keypairs}, {parts, &r.Participants}} {
		if err := json.Unmarshal([]byte(c.s), c.dst); err != nil {
			return nil, fmt.Errorf("release %s: %w", r.ID, err)
		}
	}
	r.Approvals = []release.Approval{}
	return &r, nil
}

// CreateRelease inserts r and claims its keypairs; store.ErrConflict if one
// is in another live release.
func (db *DB) CreateRelease(ctx context.Context, r *release.Release, ev *audit.Event) error {
	fillID(&r.ID)
	fillTime(&r.CreatedAt)
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	args, err := releaseArgs(r)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.d.rebind(insertSQL("releases", releaseCols+", approvals_json", ncols(releaseCols)+1, 1)),
			append(args, "[]")...); err != nil {
			return db.wrap(err, "release %q", r.Name)
		}
		if err := db.claimKeypairs(ctx, tx, r, r.CreatedAt); err != nil {
			return err
		}
		return db.appendEvent(ctx, tx, ev)
	})
}

// claimKeypairs rewrites the release's keypair rows. They are live (hold
// the keypair) while the release is pending or approved and its window
// has not ended by now: a finished release claims nothing, so editing its
// name or note never takes back a keypair that has moved into a new
// release. Rows of other releases whose window ended by now are freed
// first; a keypair still live elsewhere violates the unique index:
// store.ErrConflict. Keypairs are claimed in id order, so two releases
// claiming the same keypairs wait for each other instead of deadlocking
// (PostgreSQL: each holds the index entry the other waits for).
func (db *DB) claimKeypairs(ctx context.Context, tx *sql.Tx, r *release.Release, now time.Time) error {
	live := 0
	if (r.Status == release.StatusPending || r.Status == release.StatusApproved) && r.End.After(now) {
		live = 1
	}
	if _, err := tx.ExecContext(ctx, db.d.rebind(`DELETE FROM release_keypairs WHERE release_id = ?`), r.ID); err != nil {
		return db.wrap(err, "release %s keypairs", r.ID)
	}
	for _, kp := range slices.Sorted(slices.Values(r.Keypairs)) {
		if _, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE release_keypairs SET live = 0
			WHERE keypair_id = ? AND live = 1 AND end_at <= ?`), kp, micros(now)); err != nil {
			return db.wrap(err, "release %s keypair %s", r.ID, kp)
		}
		if _, err := tx.ExecContext(ctx, db.d.rebind(`INSERT INTO release_keypairs (release_id, keypair_id, live, end_at)
			VALUES (?, ?, ?, ?)`), r.ID, kp, live, micros(r.End)); err != nil {
			return db.wrap(err, "keypair %s is already in a live release", kp)
		}
	}
	return nil
}

// GetRelease finds a release by id. The approvals are read after the
// release: a decision made in between has moved the revision on, so a
// change worked out from this read cannot be written (release.ErrStale).
func (db *DB) GetRelease(ctx context.Context, id string) (*release.Release, error) {
	row := db.r.QueryRowContext(ctx, db.d.rebind(`SELECT `+releaseCols+` FROM releases WHERE id = ?`), id)
	r, err := scanRelease(row)
	if err != nil {
		return nil, db.wrap(err, "release %q", id)
	}
	return r, db.loadApprovals(ctx, []*release.Release{r})
}

// ListReleases returns releases ordered by id.
func (db *DB) ListReleases(ctx context.Context, f release.Filter) ([]*release.Release, error) {
	var w where
	w.eq("status", f.Status)
	if f.Keypair != "" {
		w.add("id IN (SELECT release_id FROM release_keypairs WHERE keypair_id = ?)", f.Keypair)
	}
	if f.After != "" {
		w.add("id > ?", f.After)
	}
	rows, err := db.r.QueryContext(ctx, db.d.rebind(`SELECT `+releaseCols+` FROM releases`+w.String()+` ORDER BY id LIMIT ?`),
		append(w.args, limit(f.Limit))...)
	if err != nil {
		return nil, db.wrap(err, "releases: listing")
	}
	defer rows.Close()
	var out []*release.Release
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, db.wrap(err, "releases: reading")
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err, "releases: listing")
	}
	rows.Close()
	return out, db.loadApprovals(ctx, out)
}

// LiveReleaseFor returns the live release holding the keypair at now.
func (db *DB) LiveReleaseFor(ctx context.Context, keypairID string, now time.Time) (*release.Release, error) {
	row := db.queryRow(ctx, `SELECT `+releaseCols+` FROM releases WHERE id = (
		SELECT release_id FROM release_keypairs WHERE keypair_id = ? AND live = 1 AND end_at > ?)`,
		keypairID, micros(now))
	r, err := scanRelease(row)
	return r, db.wrap(err, "live release of keypair %s", keypairID)
}

// Reserve takes n signatures from the budget with one conditional UPDATE.
func (db *DB) Reserve(ctx context.Context, releaseID string, n int) (bool, error) {
	res, err := db.w.ExecContext(ctx, db.d.rebind(`UPDATE releases SET used = used + ?
		WHERE id = ? AND used + ? <= max_signatures`), n, releaseID, n)
	if err != nil {
		return false, db.wrap(err, "release %s: reserving %d signatures", releaseID, n)
	}
	got, err := res.RowsAffected()
	return got == 1, db.wrap(err, "release %s: reserving", releaseID)
}

// Refund gives back n reserved signatures.
func (db *DB) Refund(ctx context.Context, releaseID string, n int) error {
	_, err := db.w.ExecContext(ctx, db.d.rebind(`UPDATE releases SET used = used - ? WHERE id = ? AND used >= ?`), n, releaseID, n)
	return db.wrap(err, "release %s: refunding %d signatures", releaseID, n)
}

// PhasesOf returns the last effective status recorded for each release,
// in one query per 500 ids.
func (db *DB) PhasesOf(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		ids = ids[n:]
		rows, err := db.r.QueryContext(ctx, db.d.rebind(`SELECT id, phase FROM releases WHERE id IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", n), ", ")+`)`), args...)
		if err != nil {
			return nil, db.wrap(err, "release phases")
		}
		for rows.Next() {
			var id, p string
			if err := rows.Scan(&id, &p); err != nil {
				rows.Close()
				return nil, db.wrap(err, "release phases")
			}
			out[id] = p
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, db.wrap(err, "release phases")
		}
	}
	return out, nil
}

// AdvancePhase moves the phase if it is still from, with its audit event.
func (db *DB) AdvancePhase(ctx context.Context, releaseID, from, to string, ev *audit.Event) (bool, error) {
	moved := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.rebind(`UPDATE releases SET phase = ? WHERE id = ? AND phase = ?`), to, releaseID, from)
		if err != nil {
			return db.wrap(err, "release %s phase", releaseID)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return db.wrap(err, "release %s phase", releaseID)
		}
		moved = true
		return db.appendEvent(ctx, tx, ev)
	})
	return moved, err
}
