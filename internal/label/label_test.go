package label

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"osslsigncode/2.9":    "osslsigncode/2.9",
		"evil\r\nX-Forged: 1": "evilX-Forged: 1",
		"bad \xff byte":       "bad  byte",
		"dir/a\tb.exe":        "dir/ab.exe",
	} {
		if got := Clean(in, MaxTool); got != want || !IsClean(got, MaxTool) {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
	long := Clean(strings.Repeat("é", 150), MaxTool) // 300 bytes
	if len(long) > MaxTool || !utf8.ValidString(long) || !IsClean(long, MaxTool) {
		t.Errorf("a long name became %d bytes, valid %v", len(long), utf8.ValidString(long))
	}
	if IsClean("a\nb", MaxTool) || IsClean(strings.Repeat("a", MaxTool+1), MaxTool) || IsClean("\xff", MaxTool) {
		t.Error("IsClean took unclean text")
	}
}

func TestIsCleanText(t *testing.T) {
	for s, want := range map[string]bool{
		"two\nlines\tand a tab": true,
		"é":                     true,
		"nul\x00":               false,
		"crlf\r\n":              true, // Windows line ends
		"esc\x1b[2J":            false,
		"bad \xff byte":         false,
		"\u0085":                false, // NEL, a C1 control
	} {
		if got := IsCleanText(s, MaxText); got != want {
			t.Errorf("IsCleanText(%q) = %v, want %v", s, got, want)
		}
	}
	if IsCleanText(strings.Repeat("a", 11), 10) {
		t.Error("IsCleanText took text over its bound")
	}
}
