package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/keypair"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/siglog"
	"github.com/signet-project/signet/internal/store"
	"github.com/signet-project/signet/internal/store/migrations"
	"github.com/signet-project/signet/internal/store/pgtest"
	"github.com/signet-project/signet/internal/store/postgres"
	"github.com/signet-project/signet/internal/store/sqlstore"
	"github.com/signet-project/signet/internal/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func open(tb testing.TB, dsn string) *sqlstore.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func fresh(tb testing.TB) server.Store { return open(tb, pgtest.DSN(tb)) }

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) server.Store { return fresh(t) })
}

// TestReadCache: two nodes on one database.
func TestReadCache(t *testing.T) {
	dsn := pgtest.DSN(t)
	storetest.ReadCache(t, open(t, dsn), open(t, dsn))
}

func BenchmarkWriteBatch(b *testing.B) { storetest.BenchmarkWriteBatch(b, fresh) }

func BenchmarkCredentials(b *testing.B) { storetest.BenchmarkCredentials(b, fresh) }

// TestTwoNodes runs two stores on one database, as two signetd nodes, and
// writes through both at once: journal batches and audited mutations. The
// chain lock keeps one valid chain.
func TestTwoNodes(t *testing.T) {
	dsn := pgtest.DSN(t)
	// Start both nodes together: the migration lock applies the schema once.
	nodes := make([]*sqlstore.DB, 2)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := postgres.Open(t.Context(), dsn)
			if err != nil {
				t.Error(err)
				return
			}
			t.Cleanup(func() { db.Close() })
			nodes[i] = db
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	const writers, batches = 4, 40
	for w := range writers {
		node := nodes[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				id := fmt.Sprintf("w%d-b%d", w, b)
				batch := []journal.Entry{{
					Signature: &siglog.Record{ID: id, Status: siglog.StatusSigned, UserID: "u"},
					Events:    []*audit.Event{{ID: id, Action: "Sign"}, {ID: id + "-2", Action: "Sign"}},
				}}
				if err := node.WriteBatch(t.Context(), batch); err != nil {
					t.Error(err)
					return
				}
				if b%10 == 0 {
					kp := &keypair.Keypair{Alias: id, Type: keypair.TypeStatic, State: keypair.StateActive}
					if err := node.CreateKeypair(t.Context(), kp, &audit.Event{Action: "Generate", ResourceID: kp.ID}); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	want := int64(writers * (batches*2 + batches/10))
	for i, node := range nodes {
		rep, err := audit.Verify(t.Context(), node)
		if err != nil || rep.Records != want {
			t.Fatalf("node %d: Verify: %d records, %v; want %d", i, rep.Records, err, want)
		}
		seq, head, err := node.AuditHead(t.Context())
		if err != nil || seq != want || string(head) != string(rep.Head) {
			t.Fatalf("node %d: head %d %x, %v; want %d %x", i, seq, head, err, want, rep.Head)
		}
	}
	// Nodes starting together applied each migration once.
	files, err := fs.Glob(migrations.Postgres(), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var versions int
	if err := nodes[0].SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM schema_migrations").Scan(&versions); err != nil || versions != len(files) {
		t.Fatalf("schema_migrations: %d rows, %v; want %d", versions, err, len(files))
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dsn := pgtest.DSN(t)
	db, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = postgres.Open(t.Context(), dsn)
	if err == nil {
		db.Close()
		t.Fatal("Open accepted a database with a newer schema")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open: %v; want an error about a newer schema", err)
	}
}

// TestClassify: the errors PostgreSQL answers map to the store sentinels; a
// transaction aborted for a concurrent one (a deadlock, a serialization
// failure) is store.ErrRetry, which callers retry or answer 409.
func TestClassify(t *testing.T) {
	classify := postgres.Dialect().Classify
	for code, want := range map[string]error{
		"23505": store.ErrConflict,
		"23503": store.ErrNotFound,
		"40P01": store.ErrRetry,
		"40001": store.ErrRetry,
		"22021": nil,
	} {
		if got := classify(&pgconn.PgError{Code: code}); !errors.Is(got, want) || (want == nil && got != nil) {
			t.Errorf("SQLSTATE %s: %v, want %v", code, got, want)
		}
	}
}
