// Package label cleans the free text a signature log keeps (a tool's name,
// a file name): valid UTF-8 without control characters, cut to a length on
// a character boundary. The signing service refuses text that is not
// clean; clients and headers are cleaned with Clean before they are sent.
package label

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of what a signing request says about itself, of a reference to
// a resource (an id, alias or name in a path, a query or a body) and of
// free text that may span lines (a release note, an approval comment).
const (
	MaxTool     = 200
	MaxFileName = 1024
	MaxRef      = 1024
	MaxText     = 64 << 10
)

// Clean drops control characters and invalid bytes from s and cuts it to
// at most most bytes.
func Clean(s string, most int) string {
	s = strings.Map(func(c rune) rune {
		if unicode.IsControl(c) || c == utf8.RuneError {
			return -1
		}
		return c
	}, s)
	for len(s) > most {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// IsClean reports whether s is valid UTF-8 without control characters and
// at most most bytes long.
func IsClean(s string, most int) bool {
	return len(s) <= most && utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}

// IsCleanText is IsClean for text that may span lines: newlines, carriage
// returns (Windows line ends) and tabs pass, every other control character
// (NUL, escape, C1 controls) does not.
func IsCleanText(s string, most int) bool {
	return len(s) <= most && utf8.ValidString(s) && strings.IndexFunc(s, func(c rune) bool {
		return unicode.IsControl(c) && c != '\n' && c != '\r' && c != '\t'
	}) < 0
}
