package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements of the hot path by handle and query.
// SQLite parses a query on every call that is not prepared, and parsing
// cost more CPU than running the signing path's queries.
type stmtCache struct {
	m sync.Map // stmtKey -> *sql.Stmt
}

type stmtKey struct {
	h *sql.DB
	q string
}

// get returns the statement for q on h, preparing it on first use.
func (c *stmtCache) get(ctx context.Context, h *sql.DB, q string) (*sql.Stmt, error) {
	k := stmtKey{h, q}
	if s, ok := c.m.Load(k); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := h.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := c.m.LoadOrStore(k, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

func (c *stmtCache) close() {
	c.m.Range(func(k, s any) bool {
		s.(*sql.Stmt).Close()
		c.m.Delete(k)
		return true
	})
}

// queryRow runs a single-row read through a cached statement on the readers.
func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = db.d.rebind(q)
	s, err := db.stmts.get(ctx, db.r, q)
	if err != nil {
		return db.r.QueryRowContext(ctx, q, args...) // reports the same error
	}
	return s.QueryRowContext(ctx, args...)
}

// prepareWriter prepares the writer's statements ahead of a transaction:
// the writer has one connection, so preparing inside the transaction would
// wait for itself.
func (db *DB) prepareWriter(ctx context.Context, qs ...string) {
	for _, q := range qs {
		_, _ = db.stmts.get(ctx, db.w, q) // on error, txExec runs q unprepared
	}
}

// txExec runs q in tx, through the writer's prepared statement if there is one.
func (db *DB) txExec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if s, ok := db.stmts.m.Load(stmtKey{db.w, q}); ok {
		return tx.StmtContext(ctx, s.(*sql.Stmt)).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// txQueryRow is txExec for a single-row read.
func (db *DB) txQueryRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	if s, ok := db.stmts.m.Load(stmtKey{db.w, q}); ok {
		return tx.StmtContext(ctx, s.(*sql.Stmt)).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, q, args...)
}
