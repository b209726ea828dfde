package sqlstore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/signet-project/signet/internal/store/sqlite"
	"github.com/signet-project/signet/internal/store/sqlstore"
)

// TestMigrate applies numbered migrations in order, each in a transaction:
// a failing one leaves the database at the version before it.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	fsys := fstest.MapFS{
		"0002_two.sql": {Data: []byte("INSERT INTO log VALUES ('two');")},
		"0001_one.sql": {Data: []byte("CREATE TABLE log (step TEXT); INSERT INTO log VALUES ('one');")},
	}
	open := func() (*sqlstore.DB, error) {
		w, err := sql.Open("sqlite", path+"?_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		w.SetMaxOpenConns(1)
		d := sqlite.Dialect()
		d.Migrations = fsys
		return sqlstore.New(ctx, w, nil, d)
	}
	steps := func(db *sqlstore.DB) (s string) {
		rows, err := db.SQL().QueryContext(ctx, "SELECT step FROM log")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var x string
			rows.Scan(&x)
			s += x + " "
		}
		return s
	}
	version := func(db *sqlstore.DB) (v int) {
		if err := db.SQL().QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}

	db, err := open()
	if err != nil {
		t.Fatal(err)
	}
	if s, v := steps(db), version(db); s != "one two " || v != 2 {
		t.Fatalf("after migrating: steps %q, version %d", s, v)
	}
	db.Close()

	// Reopening applies nothing again; a failing migration is rolled back.
	fsys["0003_bad.sql"] = &fstest.MapFile{Data: []byte("INSERT INTO log VALUES ('three'); INSERT INTO nowhere VALUES (1);")}
	if db, err := open(); err == nil {
		db.Close()
		t.Fatal("a failing migration was accepted")
	}
	delete(fsys, "0003_bad.sql")
	db, err = open()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if s, v := steps(db), version(db); s != "one two " || v != 2 {
		t.Fatalf("after a failed migration: steps %q, version %d", s, v)
	}
}
