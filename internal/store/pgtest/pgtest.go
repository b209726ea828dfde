// Package pgtest gives tests a fresh PostgreSQL database each.
//
// With SIGNET_TEST_POSTGRES_DSN set (a DSN for a role that may CREATE
// DATABASE) the databases are made on that server. Otherwise the first call
// to [DSN] starts a throw-away cluster for the test binary: initdb into a
// temporary directory, a server listening only on a unix socket inside it
// (so parallel test binaries never collide on a port), stopped and removed by
// [Main] after the tests. PostgreSQL's binaries must be installed
// (scripts/deps.sh installs them); without them the tests fail, they are
// never skipped.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestX(t *testing.T) {
//		db, err := postgres.Open(ctx, pgtest.DSN(t))
//		...
//	}
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// EnvDSN names the variable holding a DSN to an existing server.
const EnvDSN = "SIGNET_TEST_POSTGRES_DSN"

var (
	mu      sync.Mutex
	inMain  bool
	started bool
	base    string  // DSN of the server's maintenance database
	admin   *sql.DB // connection that creates and drops databases
	running *cluster
	failure error
)

// Main runs the tests and then stops the cluster, if one was started. Call
// it from TestMain; it does not return.
func Main(m *testing.M) {
	mu.Lock()
	inMain = true
	mu.Unlock()
	code := m.Run()
	mu.Lock()
	if admin != nil {
		admin.Close()
	}
	if running != nil {
		if err := running.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
	mu.Unlock()
	os.Exit(code)
}

// DSN creates a database for this test (dropped when it ends) and returns a
// DSN for it.
func DSN(tb testing.TB) string {
	tb.Helper()
	db, srv, err := server()
	if err != nil {
		tb.Fatal(err)
	}
	name := "signet_test_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("pgtest: creating database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := dropDatabase(ctx, db, name); err != nil {
			tb.Errorf("pgtest: dropping database %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(srv, name)
	if err != nil {
		tb.Fatal(err)
	}
	return dsn
}

// dropDatabase drops name, ending its connections. A role outside
// pg_signal_backend cannot end an autovacuum worker there (PostgreSQL 15), so
// on that refusal it retries a plain DROP, which waits the worker out.
func dropDatabase(ctx context.Context, db *sql.DB, name string) error {
	_, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	for try := 0; err != nil && strings.Contains(err.Error(), "42501") && try < 20; try++ {
		time.Sleep(100 * time.Millisecond)
		_, err = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name)
	}
	return err
}

// server returns the admin connection, starting the cluster on first use.
func server() (*sql.DB, string, error) {
	mu.Lock()
	defer mu.Unlock()
	if !inMain {
		return nil, "", fmt.Errorf("pgtest: call pgtest.Main(m) from TestMain so the test cluster is stopped after the tests")
	}
	if started {
		return admin, base, failure
	}
	started = true
	base = os.Getenv(EnvDSN)
	if base == "" {
		running, failure = startCluster()
		if failure != nil {
			return nil, "", failure
		}
		base = running.dsn("postgres")
	}
	admin, failure = sql.Open("pgx", base)
	if failure == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		failure = admin.PingContext(ctx)
	}
	if failure != nil {
		failure = fmt.Errorf("pgtest: connecting to the server: %w", failure)
	}
	return admin, base, failure
}

// withDatabase returns dsn naming database name instead of its own.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("pgtest: %s is not a valid URL", EnvDSN)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	// key=value form: a later key overrides an earlier one.
	return dsn + " dbname=" + name, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
