//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptrace"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFailClosedSQLiteLocked makes the SQLite database unwritable for
// signetd (another process holds its write lock, as a maintenance tool with
// an open transaction would) and shows that signing requests get 503
// audit_unavailable and no signature, also when SIGTERM arrives while such
// a request waits for the database; that the process still exits 0; and
// that nothing of those requests was recorded as signed.
func TestFailClosedSQLiteLocked(t *testing.T) {
	dir := t.TempDir()
	srv := startDev(t, dir)
	cr := devCreds(t, dir)
	c := newClient(srv.addr, cr, false)
	kp := c.createKeypair(t, map[string]any{"alias": "closed", "algorithm": "ecdsa", "curve": "P-256"})
	// A good signature first; it also records the token's last use, which
	// is then not written again for a minute.
	if _, err := c.sign(context.Background(), kp.Alias, "SHA256withECDSA", randomDigest()); err != nil {
		t.Fatal(err)
	}

	release := lockSQLite(t, filepath.Join(dir, "signet.db"))
	defer release()

	refused := [][]byte{randomDigest(), randomDigest()}
	_, err := c.sign(context.Background(), kp.Alias, "SHA256withECDSA", refused[0])
	expectAuditUnavailable(t, "signing while the database is locked", err)

	// SIGTERM while a request is in its handler: the request says "Expect:
	// 100-continue", and the server sends "100 Continue" when the handler
	// (past authentication) reads the body. The server must answer it.
	inHandler := make(chan struct{})
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		Got100Continue: func() { close(inHandler) }})
	answer := make(chan error, 1)
	go func() {
		c := newClient(srv.addr, cr, true)
		c.http.Transport.(*http.Transport).ExpectContinueTimeout = time.Minute
		c.header = http.Header{"Expect": {"100-continue"}}
		_, err := c.sign(ctx, kp.Alias, "SHA256withECDSA", refused[1])
		answer <- err
	}()
	select {
	case <-inHandler:
	case err := <-answer:
		t.Fatalf("answered before 100 Continue: %v", err)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	expectAuditUnavailable(t, "signing during SIGTERM while the database is locked", <-answer)
	if err := srv.wait(time.Minute); err != nil {
		t.Errorf("signetd dev after SIGTERM: %v, want exit 0", err)
	}

	release()
	auditVerify(t, nil, "--data-dir", dir)
	srv = startDev(t, dir)
	c = newClient(srv.addr, cr, false)
	expectNotSigned(t, c, kp.ID, refused, 1)
	if _, err := c.sign(context.Background(), kp.Alias, "SHA256withECDSA", randomDigest()); err != nil {
		t.Errorf("signing once the database is free again: %v", err)
	}
}

// lockSQLite takes the write lock of the database at path from this process
// and returns a function that releases it (safe to call twice).
func lockSQLite(t *testing.T, path string) func() {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	done := false
	return func() {
		if done {
			return
		}
		done = true
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			t.Error(err)
		}
		conn.Close()
		db.Close()
	}
}

// expectAuditUnavailable checks a refusal: 503 audit_unavailable, and no
// signature in the answer.
func expectAuditUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status != 503 || ae.Code != "audit_unavailable" {
		t.Fatalf("%s: %v, want HTTP 503 audit_unavailable", what, err)
	}
	if bytes.Contains(ae.Body, []byte(`"signature"`)) {
		t.Errorf("%s: the refusal carries a signature: %s", what, ae.Body)
	}
	t.Logf("%s: %v", what, err)
}

// expectNotSigned checks that no signature-log row of the keypair signed
// one of the refused digests, and that the keypair has exactly wantSigned
// signed rows.
func expectNotSigned(t *testing.T, c *client, keypairID string, refused [][]byte, wantSigned int) {
	t.Helper()
	signed := 0
	for _, r := range c.signatures(t) {
		if r.KeypairID != keypairID || r.Status != "signed" {
			continue
		}
		signed++
		for _, d := range refused {
			if bytes.Equal(r.Digest, d) {
				t.Errorf("signature-log row %s signed a digest whose request was refused", r.ID)
			}
		}
	}
	if signed != wantSigned {
		t.Errorf("%d signed rows for the keypair, want %d", signed, wantSigned)
	}
}

func randomDigest() []byte {
	var msg [32]byte
	rand.Read(msg[:])
	d := sha256.Sum256(msg[:])
	return d[:]
}

// TestFailClosedPostgresReadOnly turns the PostgreSQL database read-only
// under a running node (default_transaction_read_only, and its sessions
// ended, as after a failover onto a standby) and shows that no signing
// request succeeds and that signetd answers 503 audit_unavailable; once the
// database is writable again, signing works and the chain verifies.
func TestFailClosedPostgresReadOnly(t *testing.T) {
	site := newPGSite(t)
	srv := site.serve(t, "serve")
	c := newClient(srv.addr, site.admin, false)
	kp := c.createKeypair(t, map[string]any{"alias": "closed", "algorithm": "ecdsa", "curve": "P-256"})
	if _, err := c.sign(context.Background(), kp.Alias, "SHA256withECDSA", randomDigest()); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", site.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	readOnly := func(on bool) {
		t.Helper()
		q := `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = on', current_database()); END $$`
		if !on {
			q = `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET default_transaction_read_only', current_database()); END $$`
		}
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
		// End signetd's sessions: the settings apply to new ones. Only
		// client sessions of our role: an autovacuum worker on the database
		// is the server's own (terminating it needs a superuser).
		if _, err := db.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()
			AND backend_type = 'client backend' AND usename = current_user`); err != nil {
			t.Fatal(err)
		}
	}

	readOnly(true)
	// The first requests may meet connections that were just ended; every
	// answer must be a refusal, and the refusal is audit_unavailable once
	// signetd is on fresh (read-only) connections.
	var refused [][]byte
	var last error
	for i := 0; i < 20; i++ {
		d := randomDigest()
		refused = append(refused, d)
		s, err := c.sign(context.Background(), kp.Alias, "SHA256withECDSA", d)
		if err == nil {
			t.Fatalf("signed %s while the database is read-only", s.SignatureID)
		}
		last = err
		var ae *apiError
		if errors.As(err, &ae) && ae.Code == "audit_unavailable" {
			break
		}
		t.Logf("while signetd reconnects: %v", err)
	}
	expectAuditUnavailable(t, "signing while the database is read-only", last)
	// ...because the database refused the write (SQLSTATE 25006,
	// read_only_sql_transaction), not because a session was ended.
	if !strings.Contains(srv.output(), "SQLSTATE 25006") {
		t.Errorf("signetd's log does not show the read-only refusal:\n%s", srv.tail(4000))
	}

	readOnly(false)
	var signErr error
	for i := 0; i < 20; i++ {
		if _, signErr = c.sign(context.Background(), kp.Alias, "SHA256withECDSA", randomDigest()); signErr == nil {
			break
		}
		t.Logf("while signetd reconnects: %v", signErr)
	}
	if signErr != nil {
		t.Fatalf("signing once the database is writable again: %v", signErr)
	}
	expectNotSigned(t, c, kp.ID, refused, 2)
	auditVerify(t, site.env, "-c", site.config)
}
