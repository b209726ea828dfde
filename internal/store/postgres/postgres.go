// Package postgres opens Signet's store on PostgreSQL (pgx v5 through
// database/sql), the database several signetd nodes share.
//
// The audit chain lock is a row lock on the one-row audit_head table
// (SELECT ... FOR UPDATE), so appenders on every node take turns and the
// chain stays unbroken. Migrations run under a transaction-scoped advisory
// lock, so nodes starting together apply each one once.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/signet-project/signet/internal/store"
	"github.com/signet-project/signet/internal/store/migrations"
	"github.com/signet-project/signet/internal/store/sqlstore"
)

// Pool settings. Writers hold the chain lock only for their last
// statements, so a modest pool keeps the database busy without piling up
// waiters; idle connections are let go so many nodes fit one server.
const (
	MaxOpenConns    = 16
	MaxIdleConns    = 8
	ConnMaxIdleTime = 5 * time.Minute
	ConnMaxLifetime = time.Hour
)

// migrationLockKey identifies Signet's migration advisory lock.
const migrationLockKey = 0x5349474e4554 // "SIGNET"

// Dialect returns the PostgreSQL dialect.
func Dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:           "postgres",
		Numbered:       true,
		Classify:       classify,
		LockHead:       `SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`,
		LockMigrations: fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, migrationLockKey),
		Migrations:     migrations.Postgres(),
	}
}

// Open connects to the database named by dsn (a postgres:// URL or
// key=value list, as pgx accepts) and migrates it.
func Open(ctx context.Context, dsn string) (*sqlstore.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err) // pgx never echoes the password
	}
	db.SetMaxOpenConns(MaxOpenConns)
	db.SetMaxIdleConns(MaxIdleConns)
	db.SetConnMaxIdleTime(ConnMaxIdleTime)
	db.SetConnMaxLifetime(ConnMaxLifetime)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connecting: %w", err)
	}
	return sqlstore.New(ctx, db, db, Dialect())
}

// classify maps PostgreSQL constraint errors, and the aborts of a
// transaction in favour of another, to the store sentinels.
func classify(err error) error {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Code {
	case "23505": // unique_violation
		return store.ErrConflict
	case "23503": // foreign_key_violation
		return store.ErrNotFound
	case "40P01", "40001": // deadlock_detected, serialization_failure
		return store.ErrRetry
	}
	return nil
}
