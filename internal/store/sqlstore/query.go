package sqlstore

import (
	"strings"
	"time"
)

// Page sizes of list methods.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// limit applies the default and the cap to a requested page size.
func limit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// where builds a WHERE clause from the filter fields that are set.
type where struct {
	conds []string
	args  []any
}

// add appends a condition with its arguments.
func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// eq matches col = v when v is not empty.
func (w *where) eq(col, v string) {
	if v != "" {
		w.add(col+" = ?", v)
	}
}

// prefix matches col starting with p when p is not empty. substr and length
// count characters and compare exactly on both databases (LIKE does not:
// SQLite's is case-insensitive).
func (w *where) prefix(col, p string) {
	if p != "" {
		w.add("substr("+col+", 1, length(CAST(? AS TEXT))) = ?", p, p)
	}
}

// timeRange matches from <= col < to for the bounds that are set.
func (w *where) timeRange(col string, from, to time.Time) {
	if !from.IsZero() {
		w.add(col+" >= ?", micros(from))
	}
	if !to.IsZero() {
		w.add(col+" < ?", micros(to))
	}
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// insertSQL returns an INSERT of rows rows into table.
func insertSQL(table, cols string, ncols, rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
	row := "(" + strings.Repeat("?, ", ncols-1) + "?)"
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// ncols counts the columns of a comma-separated list.
func ncols(cols string) int { return strings.Count(cols, ",") + 1 }
