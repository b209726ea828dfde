// Package sqlstore is the one implementation of [server.Store] over
// database/sql, shared by the SQLite and PostgreSQL stores. A small [Dialect]
// holds what differs between them.
//
// # Transactions and the audit chain
//
// Every mutation that carries an *audit.Event appends it in the same
// transaction as the change. Appending reads the chain head from the one-row
// audit_head table under the chain lock, links the events with [audit.Link]
// and moves the head, so writers on one node or on many keep one unbroken
// chain. The lock is taken last in each transaction, after the domain rows
// are written, which keeps it short and gives every transaction the same
// lock order.
//
// # Conventions
//
// Times are stored as unix microseconds UTC and come back as UTC. Nil and
// empty slices, maps and byte strings round-trip as they went in. Empty ids
// are filled with a time-ordered UUID (v7) and zero creation times with the
// current time; the caller's struct is updated.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/store"
)

var _ server.Store = (*DB)(nil)

// DB is a Signet store on a SQL database.
type DB struct {
	w *sql.DB // writes, and reads that must see them
	r *sql.DB // reads; may be w
	d *Dialect

	stmts stmtCache
	cache readCache
}

// New migrates the database and returns a store over it. Writes go through
// write, plain reads through read (which may be the same handle). New takes
// ownership of both handles: Close closes them.
func New(ctx context.Context, write, read *sql.DB, d Dialect) (*DB, error) {
	if read == nil {
		read = write
	}
	db := &DB{w: write, r: read, d: &d}
	if err := migrate(ctx, write, db.d); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// SQL returns the handle writes go through, for maintenance tools and
// tests. Writing through it bypasses the audit chain.
func (db *DB) SQL() *sql.DB { return db.w }

// Dialect returns the dialect the store was opened with.
func (db *DB) Dialect() Dialect { return *db.d }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return fmt.Errorf("%s: ping: %w", db.d.Name, err)
	}
	if db.r != db.w {
		if err := db.r.PingContext(ctx); err != nil {
			return fmt.Errorf("%s: ping readers: %w", db.d.Name, err)
		}
	}
	return nil
}

// Close closes the database handles.
func (db *DB) Close() error {
	db.stmts.close()
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// tx runs fn in a write transaction, committing when fn returns nil.
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", db.d.Name, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback() // the error that matters is fn's
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", db.d.Name, err)
	}
	return nil
}

// wrap adds context to a driver error, mapping constraint violations to the
// store sentinels.
func (db *DB) wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if s := db.d.classify(err); s != nil {
		return fmt.Errorf("%s: %w (%v)", what, s, err)
	}
	return fmt.Errorf("%s: %s: %w", what, db.d.Name, err)
}

// affected turns an UPDATE's result into store.ErrNotFound when it matched
// no row.
func (db *DB) affected(res sql.Result, err error, format string, args ...any) error {
	if err != nil {
		return db.wrap(err, format, args...)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return db.wrap(err, format, args...)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), store.ErrNotFound)
	}
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
