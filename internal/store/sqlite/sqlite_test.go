package sqlite_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/store/migrations"
	"github.com/signet-project/signet/internal/store/sqlite"
	"github.com/signet-project/signet/internal/store/sqlstore"
	"github.com/signet-project/signet/internal/store/storetest"
)

func open(tb testing.TB, path string) *sqlstore.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func fresh(tb testing.TB) server.Store { return open(tb, filepath.Join(tb.TempDir(), "signet.db")) }

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) server.Store { return fresh(t) })
}

// TestReadCache: two stores on one file, as signetd and an admin command.
func TestReadCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signet.db")
	storetest.ReadCache(t, open(t, path), open(t, path))
}

func BenchmarkWriteBatch(b *testing.B) { storetest.BenchmarkWriteBatch(b, fresh) }

func BenchmarkCredentials(b *testing.B) { storetest.BenchmarkCredentials(b, fresh) }

func sign(i int) []journal.Entry {
	return []journal.Entry{{Events: []*audit.Event{{Action: "Sign", ResourceID: "kp", Details: map[string]string{"i": string(rune('a' + i%26))}}}}}
}

func TestFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signet.db")
	db := open(t, path)
	if err := db.WriteBatch(t.Context(), sign(1)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(f), m)
		}
	}
}

func TestPragmas(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "signet.db"))
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "secure_delete": "1"} {
		var got string
		if err := db.SQL().QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signet.db")
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.WriteBatch(t.Context(), sign(1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = open(t, path)
	if err := db.WriteBatch(t.Context(), sign(2)); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(t.Context(), db)
	if err != nil || rep.Records != 2 {
		t.Fatalf("after reopening: %d records, %v; want 2", rep.Records, err)
	}
	// Reopening applied nothing twice: one row per migration file.
	files, err := fs.Glob(migrations.SQLite(), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var versions int
	if err := db.SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM schema_migrations").Scan(&versions); err != nil || versions != len(files) {
		t.Fatalf("schema_migrations: %d rows, %v; want %d", versions, err, len(files))
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signet.db")
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(t.Context(), path)
	if err == nil {
		db.Close()
		t.Fatal("Open accepted a database with a newer schema")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open: %v; want an error about a newer schema", err)
	}
}

// TestTwoHandles opens the file twice, as two processes would, and writes
// through both at once: BEGIN IMMEDIATE keeps one chain.
func TestTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signet.db")
	dbs := []*sqlstore.DB{open(t, path), open(t, path)}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				if err := dbs[w%2].WriteBatch(t.Context(), sign(i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	rep, err := audit.Verify(t.Context(), dbs[0])
	if err != nil || rep.Records != 100 {
		t.Fatalf("Verify: %d records, %v; want 100", rep.Records, err)
	}
}

func TestBadPath(t *testing.T) {
	for _, p := range []string{"", "x.db?mode=memory", "file:x.db"} {
		if db, err := sqlite.Open(t.Context(), p); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}
