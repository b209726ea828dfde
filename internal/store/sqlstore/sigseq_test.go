package sqlstore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/siglog"
	"github.com/signet-project/signet/internal/store/pgtest"
	"github.com/signet-project/signet/internal/store/postgres"
	"github.com/signet-project/signet/internal/store/sqlite"
	"github.com/signet-project/signet/internal/store/sqlstore"
)

// TestMigrateSignatureSeq: migration 0009 numbers the records of an
// existing signature log in id order (the order they were listed in) and
// the next record committed continues from there, on each dialect.
func TestMigrateSignatureSeq(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	var pgDSN string
	dialects := map[string]struct {
		d    sqlstore.Dialect
		open func() *sql.DB
	}{
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
	for name, dl := range dialects {
		t.Run(name, func(t *testing.T) {
			old := dl.d
			old.Migrations = upTo(t, dl.d.Migrations, "0008")
			db, err := sqlstore.New(ctx, dl.open(), nil, old)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"sig-b", "sig-c", "sig-a"} {
				if _, err := db.SQL().ExecContext(ctx, `INSERT INTO signatures (id, time, status) VALUES ('`+id+`', 1, 'signed')`); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()

			db, err = sqlstore.New(ctx, dl.open(), nil, dl.d)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.WriteBatch(ctx, []journal.Entry{{Signature: &siglog.Record{ID: "sig-0", Status: siglog.StatusSigned}}}); err != nil {
				t.Fatal(err)
			}
			recs, err := db.ListSignatures(ctx, siglog.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				got = append(got, r.ID)
				if r.Seq != int64(len(got)) {
					t.Fatalf("%s has seq %d, want %d", r.ID, r.Seq, len(got))
				}
			}
			if want := []string{"sig-a", "sig-b", "sig-c", "sig-0"}; !slices.Equal(got, want) {
				t.Fatalf("listed after the migration: %v, want %v", got, want)
			}
		})
	}
}
