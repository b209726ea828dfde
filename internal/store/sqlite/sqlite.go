// Package sqlite opens Signet's store on an embedded SQLite database (pure
// Go, modernc.org/sqlite): one file, the default for a single node.
//
// The store holds two pools on the file: one writer connection, whose
// transactions begin IMMEDIATE (taking the write lock up front, so two
// writers never read the same audit chain head), and a pool of query-only
// reader connections that WAL lets run while the writer commits.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/signet-project/signet/internal/store"
	"github.com/signet-project/signet/internal/store/migrations"
	"github.com/signet-project/signet/internal/store/sqlstore"
)

// BusyTimeoutMS is how long a connection waits for a lock held by another
// process (another signetd, or a maintenance tool) before failing.
const BusyTimeoutMS = 10000

// Dialect returns the SQLite dialect.
func Dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:     "sqlite",
		Classify: classify,
		// The write transaction began IMMEDIATE: it already holds the lock.
		LockHead:   `SELECT seq, hash FROM audit_head WHERE id = 1`,
		Migrations: migrations.SQLite(),
	}
}

// Open opens (creating it with mode 0600 if needed) the database file at
// path and migrates it.
func Open(ctx context.Context, path string) (*sqlstore.DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: invalid database path %q", path)
	}
	// Create the file ourselves so that its mode is 0600 whatever the umask;
	// SQLite gives the -wal and -shm files the database file's mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	f.Close()

	// secure_delete: the bytes of a deleted or replaced row (a destroyed
	// key's sealed envelope) are overwritten, not left in free pages.
	// temp_store: the statement journals of the journal's multi-row INSERTs
	// stay in memory instead of a temporary file opened and closed per batch.
	w, err := sql.Open("sqlite", dsn(path, "_txlock=immediate", "_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)", "_pragma=foreign_keys(1)", "_pragma=secure_delete(1)",
		"_pragma=temp_store(MEMORY)"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Open the writer first: it switches the file to WAL before readers come.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}

	r, err := sql.Open("sqlite", dsn(path, "_pragma=query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)

	return sqlstore.New(ctx, w, r, Dialect())
}

// dsn builds a modernc.org/sqlite DSN for path with the shared settings.
func dsn(path string, params ...string) string {
	q := append([]string{fmt.Sprintf("_pragma=busy_timeout(%d)", BusyTimeoutMS)}, params...)
	for i, p := range q {
		k, v, _ := strings.Cut(p, "=")
		q[i] = k + "=" + url.QueryEscape(v)
	}
	return path + "?" + strings.Join(q, "&")
}

// classify maps SQLite constraint errors to the store sentinels.
func classify(err error) error {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return store.ErrConflict
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return store.ErrNotFound
	}
	return nil
}
