package sqlstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/siglog"
	"github.com/signet-project/signet/internal/store/sqlstore"
)

// TestMigrateSignatureSeq: migration 0009 numbers the records of an
// existing signature log in id order (the order they were listed in) and
// the next record committed continues from there, on each dialect.
func TestMigrateSignatureSeq(t *testing.T) {
	ctx := context.Background()
	dialects := migrationDialects(t)
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
