// Package migrations holds the numbered SQL schema migrations of each
// dialect, embedded in the binary.
//
// Files are named NNNN_description.sql and applied in number order, each in
// its own transaction, by sqlstore. A migration, once released, is never
// edited: a change to the schema is a new file with the next number, written
// for every dialect.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// SQLite returns the migrations for SQLite.
func SQLite() fs.FS { return sub("sqlite") }

// Postgres returns the migrations for PostgreSQL.
func Postgres() fs.FS { return sub("postgres") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // dir is a constant that exists in the embedded tree
	}
	return f
}
