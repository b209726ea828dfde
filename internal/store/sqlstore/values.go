package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Conversions between Go values and columns.

// micros stores a time as unix microseconds.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros is the inverse of micros; the result is UTC.
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// nullMicros stores an optional time; nil is NULL.
func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// timePtr is the inverse of nullMicros.
func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// nullBytes stores a byte string; nil is NULL and empty stays empty.
func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// bytesCol scans a byte-string column into *b: NULL gives nil, an empty
// value gives a non-nil empty slice (drivers differ on this, so it is done
// here).
type bytesCol struct{ b *[]byte }

func (c bytesCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.b = nil
	case []byte:
		*c.b = append([]byte{}, v...)
	case string:
		*c.b = []byte(v)
	default:
		return fmt.Errorf("bytes column: unexpected %T", src)
	}
	return nil
}

// jsonCol stores a slice or map as JSON text; nil is NULL.
func jsonCol[T any](v T, isNil bool) (any, error) {
	if isNil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func jsonList(s []string) (any, error) { return jsonCol(s, s == nil) }

func jsonMap(m map[string]string) (any, error) { return jsonCol(m, m == nil) }

// unjson decodes a JSON column into *dst, leaving it nil when NULL.
func unjson[T any](v sql.NullString, dst *T) error {
	if !v.Valid {
		return nil
	}
	return json.Unmarshal([]byte(v.String), dst)
}

// nowMicro is the current time at the precision the store keeps.
func nowMicro() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// newID returns a time-ordered unique id.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// fillID sets *id when empty.
func fillID(id *string) {
	if *id == "" {
		*id = newID()
	}
}

// fillTime sets *t when zero.
func fillTime(t *time.Time) {
	if t.IsZero() {
		*t = nowMicro()
	}
}

// optMicros stores a time that may be unset as 0.
func optMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
