package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/keys"
	"github.com/signet-project/signet/internal/keys/hsm"
	"github.com/signet-project/signet/internal/keys/hsm/hsmtest"
	"github.com/signet-project/signet/internal/server/servertest"
)

// keyHandle reads a keypair's stored key handle.
func keyHandle(t *testing.T, env *servertest.Env, id string) keys.Handle {
	t.Helper()
	rows, err := rawDB(t, env).Query(`SELECT id, handle_backend, handle_uri, handle_blob FROM keypairs`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var rid string
		var h keys.Handle
		var blob []byte
		if err := rows.Scan(&rid, &h.Backend, &h.URI, &blob); err != nil {
			t.Fatal(err)
		}
		if rid == id {
			h.Blob = blob
			return h
		}
	}
	t.Fatalf("no keypair %s", id)
	return keys.Handle{}
}

// tablesHolding lists the tables with a value containing needle (raw, or
// hex-encoded in a text column).
func tablesHolding(t *testing.T, db *sql.DB, needle []byte) []string {
	t.Helper()
	q := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	var sqliteDB bool
	if err := db.QueryRow(`SELECT sqlite_version()`).Scan(new(string)); err == nil {
		q, sqliteDB = `SELECT name FROM sqlite_master WHERE type = 'table'`, true
	}
	var tables []string
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 5 {
		t.Fatalf("found only the tables %v (sqlite %v)", tables, sqliteDB)
	}
	hexNeedle := []byte(hex.EncodeToString(needle))
	var found []string
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		hit := false
		for rows.Next() && !hit {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				var b []byte
				switch v := v.(type) {
				case []byte:
					b = v
				case string:
					b = []byte(v)
				}
				if bytes.Contains(b, needle) || bytes.Contains(bytes.ToLower(b), hexNeedle) {
					hit = true
				}
			}
		}
		rows.Close()
		if hit {
			found = append(found, table)
		}
	}
	return found
}

// TestDynamicDiskKeyDestroyed: a disk key exists only as its envelope in
// the keypair's row; after a refresh no table holds the old envelope (only
// the old public key is kept), and on SQLite neither does the database
// file once checkpointed. (On PostgreSQL the dead row version stays in the
// table's file until vacuum reuses the space.)
func TestDynamicDiskKeyDestroyed(t *testing.T) {
	servertest.EachStore(t, func(t *testing.T, store servertest.Option) {
		env := servertest.Start(t, store)
		// RSA: the PKCS#8 length varies from key to key, so the new envelope
		// need not fit where the old one was.
		kp := generate(t, env, env.Lead, map[string]any{"alias": "dyn", "algorithm": "rsa", "key_size": 2048, "type": "dynamic", "storage": "disk"})
		sign := func(msg string) signOut {
			d := sha256.Sum256([]byte(msg))
			var out signOut
			env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/dyn/sign", map[string]any{"sig_alg": "SHA256withRSA", "hash": d[:]}, 200).JSON(t, &out)
			return out
		}
		old := keyHandle(t, env, kp.ID)
		if old.Backend != "disk" || len(old.Blob) < 64 {
			t.Fatalf("handle %+v", old)
		}
		needle := old.Blob[len(old.Blob)-48:] // the end of the key ciphertext
		db := rawDB(t, env)
		if got := tablesHolding(t, db, needle); len(got) != 1 || got[0] != "keypairs" {
			t.Fatalf("before the refresh the envelope is in %v, want keypairs only", got)
		}
		inFile := sqliteFileHolds(t, db)
		if inFile != nil && !inFile(needle) {
			t.Fatal("the envelope is not found in the SQLite file: the file check below would prove nothing")
		}
		sign("before")
		env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/dyn/refresh", nil, 200)
		cur := keyHandle(t, env, kp.ID)
		if bytes.Equal(cur.Blob, old.Blob) || len(cur.Blob) == 0 {
			t.Fatal("the envelope did not change")
		}
		if got := tablesHolding(t, db, needle); len(got) != 0 {
			t.Fatalf("after the refresh the old envelope is still in %v", got)
		}
		if s := sign("after"); s.Generation != 2 {
			t.Fatalf("signed with generation %d", s.Generation)
		}
		if inFile != nil && inFile(needle) {
			t.Error("the SQLite file still holds the old key's envelope")
		}
	})
}

// sqliteFileHolds returns a function that checkpoints the SQLite database
// and reports whether its files hold needle; nil on another database.
func sqliteFileHolds(t *testing.T, db *sql.DB) func(needle []byte) bool {
	var path string
	if err := db.QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
		return nil
	}
	return func(needle []byte) bool {
		t.Helper()
		var busy, frames, done int
		if err := db.QueryRow(`PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done); err != nil || busy != 0 {
			t.Fatalf("checkpoint: busy %d, %v", busy, err)
		}
		for _, f := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if bytes.Contains(b, needle) {
				return true
			}
		}
		return false
	}
}

// tokenKeyIDs lists the CKA_IDs of the token's objects of a class (privkey,
// pubkey), read by pkcs11-tool in another process.
func tokenKeyIDs(t *testing.T, tok hsmtest.Token, class string) map[string]bool {
	t.Helper()
	tool, err := exec.LookPath("pkcs11-tool")
	if err != nil {
		t.Fatal("pkcs11-tool is needed: run scripts/deps.sh")
	}
	cmd := exec.Command(tool, "--module", tok.Module, "--token-label", tok.Label, "--login", "--pin", tok.PIN,
		"--list-objects", "--type", class)
	cmd.Env = append(os.Environ(), tok.Env()...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pkcs11-tool: %v\n%s", err, out)
	}
	ids := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if id, ok := strings.CutPrefix(strings.TrimSpace(line), "ID:"); ok {
			ids[strings.ToLower(strings.TrimSpace(id))] = true
		}
	}
	return ids
}

// TestDynamicHSMKeyDestroyed: after a refresh the old key's objects are
// gone from the SoftHSM token (as another process sees it), the backend
// refuses the old handle, and the new key signs.
func TestDynamicHSMKeyDestroyed(t *testing.T) {
	tok := hsmtest.NewToken(t)
	km, err := keys.New(context.Background(), "hsm", tok.Options())
	if err != nil {
		t.Fatal(err)
	}
	env := servertest.Start(t, servertest.WithBackend("hsm", km)) // closes km at shutdown
	kp := generate(t, env, env.Lead, map[string]any{"alias": "dyn", "algorithm": "ecdsa", "type": "dynamic", "storage": "hsm"})
	old := keyHandle(t, env, kp.ID)
	u, err := hsm.ParseURI(old.URI)
	if err != nil {
		t.Fatal(err)
	}
	oldID := hex.EncodeToString(u.ID)
	for _, class := range []string{"privkey", "pubkey"} {
		if ids := tokenKeyIDs(t, tok, class); !ids[oldID] {
			t.Fatalf("no %s %s on the token before the refresh: %v", class, oldID, ids)
		}
	}
	signDigest(t, env, "dyn", "before") // the server now holds a signer for it
	env.MustDo(t, env.Lead, "POST", "/api/v1/keypairs/dyn/refresh", nil, 200)
	cur := keyHandle(t, env, kp.ID)
	u, err = hsm.ParseURI(cur.URI)
	if err != nil {
		t.Fatal(err)
	}
	curID := hex.EncodeToString(u.ID)
	for _, class := range []string{"privkey", "pubkey"} {
		ids := tokenKeyIDs(t, tok, class)
		if ids[oldID] {
			t.Errorf("the old %s %s is still on the token", class, oldID)
		}
		if !ids[curID] {
			t.Errorf("the new %s %s is not on the token: %v", class, curID, ids)
		}
	}
	if _, err := km.Signer(context.Background(), old); err == nil {
		t.Error("the backend still gives a signer for the old key")
	}
	d, s := signDigest(t, env, "dyn", "after")
	if s.Generation != 2 {
		t.Fatalf("signed with generation %d", s.Generation)
	}
	verifyWithGeneration(t, env, "dyn", 2, d, s.Signature)
}
