//go:build e2e

package e2e

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "modernc.org/sqlite"             // the "sqlite" driver
)

// TestAuditTamperSQLite edits and deletes audit rows in the SQLite file of
// a stopped `signetd dev` and shows that `signetd audit verify` names them.
func TestAuditTamperSQLite(t *testing.T) {
	dir := t.TempDir()
	srv := startDev(t, dir)
	cr := devCreds(t, dir)
	activity(t, srv.addr, cr)
	if err := srv.stop(); err != nil {
		t.Fatalf("signetd dev after SIGTERM: %v", err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tamper(t, db, "sqlite", func() (int, string) {
		return run(t, nil, "audit", "verify", "--data-dir", dir)
	})
}

// TestAuditTamperPostgres does the same on PostgreSQL.
func TestAuditTamperPostgres(t *testing.T) {
	site := newPGSite(t)
	srv := site.serve(t, "serve")
	activity(t, srv.addr, site.admin)
	if err := srv.stop(); err != nil {
		t.Fatalf("signetd serve after SIGTERM: %v", err)
	}
	db, err := sql.Open("pgx", site.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tamper(t, db, "pgx", func() (int, string) {
		return run(t, site.env, "audit", "verify", "-c", site.config)
	})
}

// activity makes a keypair, signs with it, and has one signing request
// denied (no client certificate), so the audit log holds allowed and denied
// records with reasons.
func activity(t *testing.T, addr string, cr creds) {
	t.Helper()
	c := newClient(addr, cr, false)
	c.createKeypair(t, map[string]any{"alias": "tamper", "algorithm": "ecdsa", "curve": "P-256"})
	sign := func(c *client) error {
		_, err := c.sign(context.Background(), "tamper", "SHA256withECDSA", randomDigest())
		return err
	}
	for range 6 {
		if err := sign(c); err != nil {
			t.Fatal(err)
		}
	}
	noCert := cr
	noCert.cert.Certificate = nil
	var ae *apiError
	if err := sign(newClient(addr, noCert, false)); !errors.As(err, &ae) || ae.Status != 403 {
		t.Fatalf("signing without the client certificate: %v, want 403", err)
	}
	for range 6 {
		if err := sign(c); err != nil {
			t.Fatal(err)
		}
	}
}

// tamper checks that verify passes, then edits a denial's reason, edits a
// Sign record's actor, and deletes a Sign record in the middle of the
// chain, each time showing that verify exits 1 naming the record (and, for
// the deletion, the missing sequence number).
func tamper(t *testing.T, db *sql.DB, driver string, verify func() (int, string)) {
	t.Helper()
	q := func(query string) string {
		if driver == "pgx" {
			for i := 1; strings.Contains(query, "?"); i++ {
				query = strings.Replace(query, "?", "$"+strconv.Itoa(i), 1)
			}
		}
		return query
	}
	exec := func(query string, args ...any) {
		t.Helper()
		res, err := db.Exec(q(query), args...)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("%s: %d rows, want 1", query, n)
		}
	}
	type row struct {
		seq               int64
		id, actor, reason string
	}
	pick := func(where string) row {
		t.Helper()
		var r row
		err := db.QueryRow(`SELECT seq, id, actor_name, reason FROM audit_events WHERE `+where+` ORDER BY seq LIMIT 1`).
			Scan(&r.seq, &r.id, &r.actor, &r.reason)
		if err != nil {
			t.Fatalf("audit row where %s: %v", where, err)
		}
		return r
	}
	expectOK := func(what string) {
		t.Helper()
		if code, out := verify(); code != 0 {
			t.Fatalf("%s: audit verify exit %d, want 0:\n%s", what, code, out)
		}
	}
	expectBroken := func(what string, names ...string) {
		t.Helper()
		code, out := verify()
		if code != 1 {
			t.Fatalf("%s: audit verify exit %d, want 1:\n%s", what, code, out)
		}
		for _, n := range names {
			if !strings.Contains(out, n) {
				t.Errorf("%s: audit verify output does not name %q:\n%s", what, n, out)
			}
		}
		t.Logf("%s: %s", what, strings.TrimSpace(out))
	}

	expectOK("before tampering")

	denial := pick(`result = 'denied' AND action = 'Sign'`)
	if denial.reason == "" {
		t.Fatalf("the denial (seq %d) has no reason", denial.seq)
	}
	exec(`UPDATE audit_events SET reason = ? WHERE seq = ?`, "", denial.seq)
	expectBroken("reason erased", fmt.Sprintf("seq=%d id=%s", denial.seq, denial.id))
	exec(`UPDATE audit_events SET reason = ? WHERE seq = ?`, denial.reason, denial.seq)
	expectOK("reason restored")

	signed := pick(fmt.Sprintf(`action = 'Sign' AND result = 'allowed' AND seq > %d`, denial.seq))
	exec(`UPDATE audit_events SET actor_name = ? WHERE seq = ?`, "someone-else", signed.seq)
	expectBroken("actor changed", fmt.Sprintf("seq=%d id=%s", signed.seq, signed.id))
	exec(`UPDATE audit_events SET actor_name = ? WHERE seq = ?`, signed.actor, signed.seq)
	expectOK("actor restored")

	gone := pick(fmt.Sprintf(`action = 'Sign' AND seq > %d`, signed.seq))
	next := pick(fmt.Sprintf(`seq > %d`, gone.seq))
	exec(`DELETE FROM audit_events WHERE seq = ?`, gone.seq)
	expectBroken("record deleted", fmt.Sprintf("seq=%d id=%s", next.seq, next.id), fmt.Sprintf("expected seq %d", gone.seq))
}
