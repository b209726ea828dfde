package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/siglog"
)

// WriteBatch writes the signature records and audit events of every entry
// in one transaction: all are durable when it returns nil, none otherwise.
// Events are chained in entry order. Records and events get an ID and Time
// when empty; events get their Seq, PrevHash and Hash, which are meaningless
// if WriteBatch fails.
func (db *DB) WriteBatch(ctx context.Context, batch []journal.Entry) error {
	var recs []*siglog.Record
	var evs []*audit.Event
	for i, e := range batch {
		if e.Signature != nil {
			fillID(&e.Signature.ID)
			fillTime(&e.Signature.Time)
			recs = append(recs, e.Signature)
		}
		for _, ev := range e.Events {
			if ev == nil {
				return fmt.Errorf("journal: entry %d: nil audit event", i)
			}
			evs = append(evs, ev)
		}
	}
	if len(recs) == 0 && len(evs) == 0 {
		return nil
	}
	qs := db.batchQueries(len(recs), len(evs))
	for _, e := range batch {
		if e.Reserve != nil {
			qs = append(qs, db.d.rebind(reserveSQL))
			break
		}
	}
	db.prepareWriter(ctx, qs...)
	// Releases are locked in id order, so that two nodes' batches never
	// wait for each other's locks (a deadlock on PostgreSQL).
	var reserves []*journal.Reservation
	for _, e := range batch {
		if e.Reserve != nil {
			reserves = append(reserves, e.Reserve)
		}
	}
	slices.SortStableFunc(reserves, func(a, b *journal.Reservation) int { return strings.Compare(a.ReleaseID, b.ReleaseID) })
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range reserves {
			if err := db.reserve(ctx, tx, r); err != nil {
				return err
			}
		}
		// The events first: they take the audit chain head, which every
		// suspension, deletion and rotation also takes in its transaction,
		// after its keypair update. Read after it, a keypair's state is
		// final for this batch: a change committed before is seen, and one
		// not yet committed waits for this batch, which then came first.
		if err := db.appendEvents(ctx, tx, evs); err != nil {
			return err
		}
		if err := db.checkKeypairs(ctx, tx, batch, len(evs) > 0); err != nil {
			return err
		}
		return db.insertSignatures(ctx, tx, recs)
	})
}

// checkKeypairs reads, in tx, the keypairs of the batch's signed records
// (one query per batch): each found must still be active (else
// journal.ErrKeyInactive), and a CheckGeneration entry's at the
// signature's generation (else journal.ErrKeyRotated). It takes the audit
// chain head first unless headHeld (see WriteBatch): no row lock, so a
// busy keypair never holds off its own suspension.
func (db *DB) checkKeypairs(ctx context.Context, tx *sql.Tx, batch []journal.Entry, headHeld bool) error {
	var ids []any
	for _, e := range batch {
		if sig := e.Signature; sig != nil && sig.Status == siglog.StatusSigned && !slices.Contains(ids, any(sig.KeypairID)) {
			ids = append(ids, sig.KeypairID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if !headHeld {
		var seq int64
		var hash []byte
		if err := db.txQueryRow(ctx, tx, db.d.LockHead).Scan(&seq, bytesCol{&hash}); err != nil {
			return db.wrap(err, "locking the chain head")
		}
	}
	q := `SELECT id, state, generation FROM keypairs WHERE id IN (?` + strings.Repeat(",?", len(ids)-1) + `)`
	rows, err := tx.QueryContext(ctx, db.d.rebind(q), ids...)
	if err != nil {
		return db.wrap(err, "checking the keypairs of %d signatures", len(ids))
	}
	defer rows.Close()
	type kp struct {
		state string
		gen   int
	}
	found := make(map[string]kp, len(ids))
	for rows.Next() {
		var id string
		var k kp
		if err := rows.Scan(&id, &k.state, &k.gen); err != nil {
			return db.wrap(err, "checking the keypairs")
		}
		found[id] = k
	}
	if err := rows.Err(); err != nil {
		return db.wrap(err, "checking the keypairs")
	}
	for _, e := range batch {
		sig := e.Signature
		if sig == nil || sig.Status != siglog.StatusSigned {
			continue
		}
		// Keypair rows are never deleted (a deleted keypair is a state);
		// records of ids with no row are the store tests' own.
		k, ok := found[sig.KeypairID]
		switch {
		case (ok && k.state != "active") || (!ok && e.CheckGeneration):
			return fmt.Errorf("keypair %s is %s: %w", sig.KeypairID, cmp.Or(k.state, "gone"), journal.ErrKeyInactive)
		case e.CheckGeneration && k.gen != sig.Generation:
			return fmt.Errorf("keypair %s is at generation %d, the signature used %d: %w", sig.KeypairID, k.gen, sig.Generation, journal.ErrKeyRotated)
		}
	}
	return nil
}

// reserveSQL takes signatures from a release's budget, never past its
// maximum, and only while the release is approved with the signing time in
// its window and unedited since the request was authorized: on PostgreSQL the row lock makes concurrent reservations of
// every node wait, and the condition is checked again on the row they see.
const reserveSQL = `UPDATE releases SET used = used + ? WHERE id = ? AND used + ? <= max_signatures
	AND status = 'approved' AND start_at <= ? AND end_at > ? AND revision = ?`

// reserve applies a reservation in tx: journal.ErrBudgetExhausted when the
// release has no room for it, journal.ErrReleaseChanged when it did not
// take signatures at r.At or no longer did at r.Signed.
func (db *DB) reserve(ctx context.Context, tx *sql.Tx, r *journal.Reservation) error {
	end := r.Signed
	if end.IsZero() {
		end = r.At
	}
	res, err := db.txExec(ctx, tx, db.d.rebind(reserveSQL), r.N, r.ReleaseID, r.N, micros(r.At), micros(end), r.Revision)
	if err != nil {
		return db.wrap(err, "release %s: reserving %d signatures", r.ReleaseID, r.N)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return db.wrap(err, "release %s: reserving", r.ReleaseID)
	}
	if n == 1 {
		return nil
	}
	var used, most int
	if err := tx.QueryRowContext(ctx, db.d.rebind(`SELECT used, max_signatures FROM releases WHERE id = ?`), r.ReleaseID).Scan(&used, &most); err != nil {
		return db.wrap(err, "release %s: reserving", r.ReleaseID)
	}
	if used+r.N > most {
		return fmt.Errorf("release %s: %d signatures: %w", r.ReleaseID, r.N, journal.ErrBudgetExhausted)
	}
	return fmt.Errorf("release %s: %w", r.ReleaseID, journal.ErrReleaseChanged)
}

// batchQueries lists the statements WriteBatch runs for n records and m events.
func (db *DB) batchQueries(n, m int) []string {
	qs := []string{db.d.LockHead, db.d.rebind(headUpdate)}
	if n > 0 {
		qs = append(qs, db.d.rebind(signatureSeqSQL))
	}
	for _, c := range chunkSizes(n) {
		qs = append(qs, db.d.rebind(insertSQL("signatures", signatureCols, ncols(signatureCols), c)))
	}
	for _, c := range chunkSizes(m) {
		qs = append(qs, db.d.rebind(insertSQL("audit_events", auditCols, 15, c)))
	}
	return qs
}

// chunkSizes returns the sizes of the multi-row INSERTs for n rows.
func chunkSizes(n int) []int {
	var out []int
	for ; n > 0; n -= insertChunk {
		out = append(out, min(n, insertChunk))
	}
	return out
}
