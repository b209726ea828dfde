package sqlstore_test

import (
	"context"
	"io/fs"
	"reflect"
	"testing"
	"testing/fstest"
	"time"

	"github.com/signet-project/signet/internal/release"
	"github.com/signet-project/signet/internal/store/pgtest"
	"github.com/signet-project/signet/internal/store/sqlstore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// upTo returns the migrations of fsys numbered at most n.
func upTo(t *testing.T, fsys fs.FS, n string) fs.FS {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, name := range names {
		if name[:4] <= n {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				t.Fatal(err)
			}
			out[name] = &fstest.MapFile{Data: b}
		}
	}
	return out
}

// TestMigrateApprovals: migration 0006 moves the approvals a release held
// as JSON into release_approvals rows, on each dialect.
func TestMigrateApprovals(t *testing.T) {
	ctx := context.Background()
	dialects := migrationDialects(t)
	for name, dl := range dialects {
		t.Run(name, func(t *testing.T) {
			old := dl.d
			old.Migrations = upTo(t, dl.d.Migrations, "0005")
			db, err := sqlstore.New(ctx, dl.open(), nil, old)
			if err != nil {
				t.Fatal(err)
			}
			q := `INSERT INTO releases (id, name, category, type, status, keypairs_json, participants_json, start_at, end_at,
				max_signatures, approvals_required, approvals_json, created_by, created_at, updated_at)
				VALUES ('r1', 'v1', 'standard', 'offline', 'pending', '["k"]', '["u"]', 1, 2, 5, 2,
				'[{"user_id":"a1","user_name":"alice","decision":"approve","comment":"ok","at":"2026-03-14T15:09:26.535Z"}]', 'u', 1, 1)`
			if _, err := db.SQL().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
			db.Close()

			db, err = sqlstore.New(ctx, dl.open(), nil, dl.d)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			r, err := db.GetRelease(ctx, "r1")
			if err != nil {
				t.Fatal(err)
			}
			want := release.Approval{UserID: "a1", UserName: "alice", Decision: "approve", Comment: "ok",
				At: time.Date(2026, 3, 14, 15, 9, 26, 535000000, time.UTC)}
			if len(r.Approvals) != 1 || !reflect.DeepEqual(r.Approvals[0], want) || r.Revision != 0 {
				t.Fatalf("migrated release: %+v", r)
			}
		})
	}
}
