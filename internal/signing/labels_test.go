package signing

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestToolOf(t *testing.T) {
	for ua, want := range map[string]string{
		"osslsigncode/2.9":    "osslsigncode/2.9",
		"evil\r\nX-Forged: 1": "evilX-Forged: 1",
		"bad \xff byte":       "bad  byte",
	} {
		if got := ToolOf(ua); got != want {
			t.Errorf("ToolOf(%q) = %q, want %q", ua, got, want)
		}
	}
	long := ToolOf(strings.Repeat("é", 150)) // 300 bytes
	if len(long) > MaxToolLen || !utf8.ValidString(long) || checkLabels(Request{Tool: long}) != nil {
		t.Errorf("a long User-Agent became %d bytes, valid %v", len(long), utf8.ValidString(long))
	}
}
