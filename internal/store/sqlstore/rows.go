package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/signet-project/signet/internal/audit"
)

// auditEvent is the event a mutation commits with its change (nil: none).
type auditEvent = *audit.Event

// scanner is a row or rows.
type scanner interface{ Scan(...any) error }

// queryer is a database handle or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// each runs query q on h and calls fn for every row.
func (db *DB) each(ctx context.Context, h queryer, q string, args []any, fn func(scanner) error) error {
	rows, err := h.QueryContext(ctx, db.d.rebind(q), args...)
	if err != nil {
		return db.wrap(err, "query")
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return db.wrap(err, "reading")
		}
	}
	return db.wrap(rows.Err(), "query")
}

// placeholders returns "?, ?, ..." for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// exec runs a statement in tx and maps "no row changed" to store.ErrNotFound.
func (db *DB) exec(ctx context.Context, tx *sql.Tx, what, q string, args ...any) error {
	res, err := tx.ExecContext(ctx, db.d.rebind(q), args...)
	return db.affected(res, err, "%s", what)
}
