package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/signet-project/signet/internal/audit"
)

const auditCols = `seq, id, time, actor_id, actor_name, type, action, resource_id,
	resource_name, result, reason, client_ip, details_json, prev_hash, hash`

// insertChunk bounds the rows of one multi-row INSERT, well under the
// placeholder limits of both databases.
const insertChunk = 100

const headUpdate = `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`

// appendEvents links evs to the chain head and inserts them. It must run in
// a write transaction after the transaction's other writes: it takes the
// chain lock, which is held until the transaction ends. The events get their
// Seq, PrevHash and Hash (and an ID and Time when empty).
func (db *DB) appendEvents(ctx context.Context, tx *sql.Tx, evs []*audit.Event) error {
	if len(evs) == 0 {
		return nil
	}
	for _, e := range evs {
		if e == nil {
			return errors.New("audit: nil event")
		}
	}
	var seq int64
	var hash []byte
	if err := db.txQueryRow(ctx, tx, db.d.LockHead).Scan(&seq, bytesCol{&hash}); err != nil {
		return db.wrap(err, "audit: locking the chain head")
	}
	var prev *audit.Event
	if seq > 0 {
		prev = &audit.Event{Seq: seq, Hash: hash}
	}
	for _, e := range evs {
		fillID(&e.ID)
		fillTime(&e.Time)
		audit.Link(prev, e)
		prev = e
	}
	for start := 0; start < len(evs); start += insertChunk {
		chunk := evs[start:min(start+insertChunk, len(evs))]
		args := make([]any, 0, len(chunk)*15)
		for _, e := range chunk {
			details, err := jsonMap(e.Details)
			if err != nil {
				return fmt.Errorf("audit: event %s details: %w", e.ID, err)
			}
			args = append(args, e.Seq, e.ID, micros(e.Time), e.ActorID, e.ActorName, e.Type, e.Action,
				e.ResourceID, e.ResourceName, e.Result, e.Reason, e.ClientIP, details, e.PrevHash, e.Hash)
		}
		q := db.d.rebind(insertSQL("audit_events", auditCols, 15, len(chunk)))
		if _, err := db.txExec(ctx, tx, q, args...); err != nil {
			return db.wrap(err, "audit: inserting events %d..%d", chunk[0].Seq, chunk[len(chunk)-1].Seq)
		}
	}
	_, err := db.txExec(ctx, tx, db.d.rebind(headUpdate), prev.Seq, prev.Hash)
	return db.wrap(err, "audit: moving the chain head")
}

// appendEvent appends ev when it is not nil.
func (db *DB) appendEvent(ctx context.Context, tx *sql.Tx, ev *audit.Event) error {
	if ev == nil {
		return nil
	}
	return db.appendEvents(ctx, tx, []*audit.Event{ev})
}

func scanEvent(s interface{ Scan(...any) error }) (*audit.Event, error) {
	var e audit.Event
	var t int64
	var details sql.NullString
	err := s.Scan(&e.Seq, &e.ID, &t, &e.ActorID, &e.ActorName, &e.Type, &e.Action, &e.ResourceID,
		&e.ResourceName, &e.Result, &e.Reason, &e.ClientIP, &details, bytesCol{&e.PrevHash}, bytesCol{&e.Hash})
	if err != nil {
		return nil, err
	}
	e.Time = fromMicros(t)
	if err := unjson(details, &e.Details); err != nil {
		return nil, fmt.Errorf("audit event %d details: %w", e.Seq, err)
	}
	return &e, nil
}

// ListAudit returns events in sequence order. From is inclusive, To
// exclusive; AfterSeq is the cursor.
func (db *DB) ListAudit(ctx context.Context, f audit.Filter) ([]*audit.Event, error) {
	var w where
	w.timeRange("time", f.From, f.To)
	w.eq("actor_id", f.ActorID)
	w.eq("action", f.Action)
	w.eq("type", f.Type)
	w.eq("resource_id", f.ResourceID)
	w.eq("result", f.Result)
	if f.AfterSeq > 0 {
		w.add("seq > ?", f.AfterSeq)
	}
	q := `SELECT ` + auditCols + ` FROM audit_events` + w.String() + ` ORDER BY seq LIMIT ?`
	return db.listEvents(ctx, q, append(w.args, limit(f.Limit))...)
}

func (db *DB) listEvents(ctx context.Context, q string, args ...any) ([]*audit.Event, error) {
	rows, err := db.r.QueryContext(ctx, db.d.rebind(q), args...)
	if err != nil {
		return nil, db.wrap(err, "audit: listing")
	}
	defer rows.Close()
	var out []*audit.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, db.wrap(err, "audit: reading")
		}
		out = append(out, e)
	}
	return out, db.wrap(rows.Err(), "audit: listing")
}

// walkPage is how many events WalkAudit reads per query.
const walkPage = 500

// WalkAudit calls fn for every event in sequence order. It reads the log in
// pages by seq, so memory stays bounded and no read transaction is held
// open across fn; events appended during the walk are included.
func (db *DB) WalkAudit(ctx context.Context, fn func(*audit.Event) error) error {
	after := int64(0)
	for {
		page, err := db.listEvents(ctx, `SELECT `+auditCols+` FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?`, after, walkPage)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(page) < walkPage {
			return nil
		}
		after = page[len(page)-1].Seq
	}
}

// AuditHead returns the sequence number and hash of the last record as the
// chain head records them (0 and nil for an empty log). Comparing it with
// the head [audit.Verify] reports detects a log whose tail was cut off.
func (db *DB) AuditHead(ctx context.Context) (seq int64, hash []byte, err error) {
	err = db.r.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, bytesCol{&hash})
	return seq, hash, db.wrap(err, "audit: reading the chain head")
}
