package sqlstore

import (
	"context"
	"database/sql"

	"github.com/signet-project/signet/internal/siglog"
)

const signatureCols = `id, time, status, error_code, user_id, user_name, keypair_id, keypair_alias,
	generation, key_type, algorithm, category, digest_alg, digest, signature, release_id,
	client_ip, tool, file_name, file_size, timestamp_url`

// insertSignatures inserts signature records in multi-row statements.
func (db *DB) insertSignatures(ctx context.Context, tx *sql.Tx, recs []*siglog.Record) error {
	n := ncols(signatureCols)
	for start := 0; start < len(recs); start += insertChunk {
		chunk := recs[start:min(start+insertChunk, len(recs))]
		args := make([]any, 0, len(chunk)*n)
		for _, r := range chunk {
			args = append(args, r.ID, micros(r.Time), r.Status, r.ErrorCode, r.UserID, r.UserName,
				r.KeypairID, r.KeypairAlias, r.Generation, r.KeyType, r.Algorithm, r.Category,
				r.DigestAlg, nullBytes(r.Digest), nullBytes(r.Signature), r.ReleaseID, r.ClientIP,
				r.Tool, r.FileName, r.FileSize, r.TimestampURL)
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
		&r.FileName, &r.FileSize, &r.TimestampURL)
	if err != nil {
		return nil, err
	}
	r.Time = fromMicros(t)
	return &r, nil
}

// ListSignatures returns signature records ordered by id (ids are
// time-ordered when the store makes them). From is inclusive, To exclusive;
// After is the cursor.
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
	if f.After != "" {
		w.add("id > ?", f.After)
	}
	q := `SELECT ` + signatureCols + ` FROM signatures` + w.String() + ` ORDER BY id LIMIT ?`
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
