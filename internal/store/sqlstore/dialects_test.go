package sqlstore_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/signet-project/signet/internal/store/pgtest"
	"github.com/signet-project/signet/internal/store/postgres"
	"github.com/signet-project/signet/internal/store/sqlite"
	"github.com/signet-project/signet/internal/store/sqlstore"
)

// migrationDialect is a dialect and how to open its database, for tests
// that migrate a database step by step.
type migrationDialect struct {
	d    sqlstore.Dialect
	open func() *sql.DB
}

// migrationDialects gives SQLite (a file in t's temporary directory) and
// PostgreSQL (a database of t's own, made on first open).
func migrationDialects(t *testing.T) map[string]migrationDialect {
	path := filepath.Join(t.TempDir(), "m.db")
	var pgDSN string
	return map[string]migrationDialect{
		"sqlite": {sqlite.Dialect(), func() *sql.DB {
			w, err := sql.Open("sqlite", path+"?_txlock=immediate")
			if err != nil {
				t.Fatal(err)
			}
			w.SetMaxOpenConns(1)
			return w
		}},
		"postgres": {postgres.Dialect(), func() *sql.DB {
			if pgDSN == "" {
				pgDSN = pgtest.DSN(t)
			}
			db, err := sql.Open("pgx", pgDSN)
			if err != nil {
				t.Fatal(err)
			}
			return db
		}},
	}
}
