package pgtest

import (
	"database/sql"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

// TestDSN checks that each call gives a distinct, empty, working database.
func TestDSN(t *testing.T) {
	names := map[string]bool{}
	for range 2 {
		db, err := sql.Open("pgx", DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var name string
		var tables int
		if err := db.QueryRowContext(t.Context(), `SELECT current_database(),
			(SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public')`).Scan(&name, &tables); err != nil {
			t.Fatal(err)
		}
		if names[name] || tables != 0 {
			t.Fatalf("database %s (seen before: %v) has %d tables", name, names[name], tables)
		}
		names[name] = true
		if _, err := db.ExecContext(t.Context(), `CREATE TABLE t (x INT)`); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWithDatabase(t *testing.T) {
	cases := []struct{ in, want string }{
		{"postgres://u:p@h:5433/postgres?sslmode=disable", "postgres://u:p@h:5433/db1?sslmode=disable"},
		{"postgresql://h/", "postgresql://h/db1"},
		{"host=/tmp/x user=postgres dbname=postgres", "host=/tmp/x user=postgres dbname=postgres dbname=db1"},
	}
	for _, c := range cases {
		got, err := withDatabase(c.in, "db1")
		if err != nil || got != c.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
