package sqlstore

import (
	"io/fs"
	"strconv"
	"strings"
)

// Dialect is what differs between the databases sqlstore runs on. Queries are
// written once, with ? placeholders, in the SQL both databases accept.
type Dialect struct {
	// Name is a short name for errors and logs: "sqlite", "postgres".
	Name string
	// Numbered rewrites ? placeholders as $1, $2, ... (PostgreSQL).
	Numbered bool
	// Classify returns store.ErrConflict for a unique-constraint violation,
	// store.ErrNotFound for a foreign-key violation (the row referred to does
	// not exist), store.ErrRetry for a transaction aborted in favour of a
	// concurrent one (a deadlock) and nil for any other error.
	Classify func(err error) error
	// LockHead reads the audit chain head (seq, hash) and holds the chain
	// lock until the transaction ends. On SQLite the transaction already
	// holds the database write lock (BEGIN IMMEDIATE); on PostgreSQL it is a
	// SELECT ... FOR UPDATE.
	LockHead string
	// LockMigrations, when set, runs first in each migration transaction so
	// that nodes starting together apply each migration once.
	LockMigrations string
	// Migrations holds the NNNN_name.sql files.
	Migrations fs.FS
}

// rebind rewrites the ? placeholders of q for the dialect. Queries written
// in this package never hold a ? inside a string literal.
func (d *Dialect) rebind(q string) string {
	if !d.Numbered || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// classify maps err to a store sentinel when the dialect recognises it.
func (d *Dialect) classify(err error) error {
	if err == nil || d.Classify == nil {
		return nil
	}
	return d.Classify(err)
}
