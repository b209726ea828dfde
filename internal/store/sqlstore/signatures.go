package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/signet-project/signet/internal/siglog"
	"github.com/signet-project/signet/internal/store"
)

const signatureCols = `id, time, status, error_code, user_id, user_name, keypair_id, keypair_alias,
	generation, key_type, algorithm, category, digest_alg, digest, signature, release_id,
	client_ip, tool, file_name, file_size, timestamp_url, seq`

// signatureSeqSQL takes n numbers of the signature log's sequence and
// returns the last. It updates the chain head's row, so it waits for the
// chain lock (PostgreSQL: the row lock; SQLite: the write lock the
// transaction holds) and keeps it until the transaction ends.
const signatureSeqSQL = `UPDATE audit_head SET signature_seq = signature_seq + ? WHERE id = 1 RETURNING signature_seq`

// insertSignatures numbers signature records in order and inserts them in
// multi-row statements. The numbers are taken under the chain lock, held
// until the transaction commits, so they grow in commit order: a reader
// paging by seq never skips a record committed after the ones it has read
// (ids are made before the records are committed, in another order).
func (db *DB) insertSignatures(ctx context.Context, tx *sql.Tx, recs []*siglog.Record) error {
	if len(recs) == 0 {
		return nil
	}
	var last int64
	if err := db.txQueryRow(ctx, tx, db.d.rebind(signatureSeqSQL), len(recs)).Scan(&last); err != nil {
		return db.wrap(err, "signatures: numbering %d records", len(recs))
	}
	for i, r := range recs {
		r.Seq = last - int64(len(recs)-1-i)
	}
	n := ncols(signatureCols)
	for start := 0; start < len(recs); start += insertChunk {
		chunk := recs[start:min(start+insertChunk, len(recs))]
		args := make([]any, 0, len(chunk)*n)
		for _, r := range chunk {
			args = append(args, r.ID, micros(r.Time), r.Status, r.ErrorCode, r.UserID, r.UserName,
				r.KeypairID, r.KeypairAlias, r.Generation, r.KeyType, r.Algorithm, r.Category,
				r.DigestAlg, nullBytes(r.Digest), nullBytes(r.Signature), r.ReleaseID, r.ClientIP,
				r.Tool, r.FileName, r.FileSize, r.TimestampURL, r.Seq)
		}
		q := db.d.rebind(insertSQL("signatures", signatureCols, n, len(chunk)))
		if _, err := db.txExec(ctx, tx, q, args...); err != nil {
			return db.wrap(err, "signatures: inserting %d records", len(chunk))
		}
	}
	return nil
}

func scanSignature(s interface{ Scan(...any) error }) (*siglog.Record, error) {
	var r siglog.Record
	var t int64
	err := s.Scan(&r.ID, &t, &r.Status, &r.ErrorCode, &r.UserID, &r.UserName, &r.KeypairID,
		&r.KeypairAlias, &r.Generation, &r.KeyType, &r.Algorithm, &r.Category, &r.DigestAlg,
		bytesCol{&r.Digest}, bytesCol{&r.Signature}, &r.ReleaseID, &r.ClientIP, &r.Tool,
		&r.FileName, &r.FileSize, &r.TimestampURL, &r.Seq)
	if err != nil {
		return nil, err
	}
	r.Time = fromMicros(t)
	return &r, nil
}

// ListSignatures returns signature records in commit order (seq). From is
// inclusive, To exclusive; AfterSeq is the cursor, or else After, the id of
// a record to continue after.
func (db *DB) ListSignatures(ctx context.Context, f siglog.Filter) ([]*siglog.Record, error) {
	var w where
	w.timeRange("time", f.From, f.To)
	w.eq("user_id", f.UserID)
	w.eq("keypair_id", f.KeypairID)
	w.eq("status", f.Status)
	if f.ReleaseID != "" {
		// Lets the planner use the partial index signatures_release.
		w.add("release_id = ? AND release_id <> ''", f.ReleaseID)
	}
	switch {
	case f.AfterSeq > 0:
		w.add("seq > ?", f.AfterSeq)
	case f.After != "":
		// An id that names no record is an error, not an empty page: a
		// consumer would take that for the end of the log.
		var seq int64
		err := db.r.QueryRowContext(ctx, db.d.rebind(`SELECT seq FROM signatures WHERE id = ?`), f.After).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("signatures: no record %s to continue after: %w", f.After, store.ErrNotFound)
		}
		if err != nil {
			return nil, db.wrap(err, "signatures: reading the cursor")
		}
		w.add("seq > ?", seq)
	}
	q := `SELECT ` + signatureCols + ` FROM signatures` + w.String() + ` ORDER BY seq LIMIT ?`
	rows, err := db.r.QueryContext(ctx, db.d.rebind(q), append(w.args, limit(f.Limit))...)
	if err != nil {
		return nil, db.wrap(err, "signatures: listing")
	}
	defer rows.Close()
	var out []*siglog.Record
	for rows.Next() {
		r, err := scanSignature(rows)
		if err != nil {
			return nil, db.wrap(err, "signatures: reading")
		}
		out = append(out, r)
	}
	return out, db.wrap(rows.Err(), "signatures: listing")
}
