package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

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
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.insertSignatures(ctx, tx, recs); err != nil {
			return err
		}
		return db.appendEvents(ctx, tx, evs)
	})
}
