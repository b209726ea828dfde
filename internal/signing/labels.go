package signing

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/signet-project/signet/internal/errs"
)

// Bounds of what a request says about itself, which the signature log
// keeps and shows.
const (
	MaxToolLen     = 200
	MaxFileNameLen = 1024
)

// checkLabels refuses what the signature log must not keep as given: a
// tool or file name that is too long or holds control characters (they
// would forge lines in a CSV export or a terminal), a negative file size
// or generation.
func checkLabels(r Request) error {
	if r.Generation < 0 {
		return errs.BadRequest("invalid_generation", "generation is a key generation, 1 or more (0 or absent: any), got %d", r.Generation)
	}
	if err := printable("tool", r.Tool, MaxToolLen); err != nil {
		return err
	}
	for i, it := range r.Items {
		if err := printable("file_name", it.FileName, MaxFileNameLen); err != nil {
			return itemErr(len(r.Items), i, err)
		}
		if it.FileSize < 0 {
			return itemErr(len(r.Items), i, errs.BadRequest("invalid_file_size", "file_size is a number of bytes, got %d", it.FileSize))
		}
	}
	return nil
}

func printable(field, s string, most int) error {
	switch {
	case len(s) > most:
		return errs.BadRequest("invalid_"+field, "%s is at most %d bytes, got %d", field, most, len(s))
	case !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0:
		return errs.BadRequest("invalid_"+field, "%s must be UTF-8 text without control characters", field)
	}
	return nil
}

func itemErr(n, i int, err error) error {
	if n == 1 {
		return err
	}
	e := errs.As(err)
	return errs.BadRequest(e.Code, "item %d: %s", i, e.Message)
}

// ToolOf is a tool name for the log from a User-Agent header: control
// characters dropped, cut to MaxToolLen bytes on a character boundary.
func ToolOf(ua string) string {
	ua = strings.Map(func(c rune) rune {
		if unicode.IsControl(c) || c == utf8.RuneError {
			return -1
		}
		return c
	}, ua)
	for len(ua) > MaxToolLen {
		_, size := utf8.DecodeLastRuneInString(ua)
		ua = ua[:len(ua)-size]
	}
	return ua
}
