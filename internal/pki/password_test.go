package pki

import (
	"math"
	"net/url"
	"strings"
	"testing"
)

func TestGeneratePassword(t *testing.T) {
	bits := float64(passwordGroups*passwordGroupLen) * math.Log2(float64(len(passwordAlphabet)))
	if bits < 128 {
		t.Fatalf("passwords carry %.1f bits, want at least 128", bits)
	}
	if strings.ContainsAny(passwordAlphabet, "0Oo1lI") {
		t.Fatal("alphabet holds look-alike characters")
	}
	seen := map[string]bool{}
	for range 200 {
		p := GeneratePassword()
		if seen[p] {
			t.Fatalf("password %q repeated", p)
		}
		seen[p] = true
		if url.QueryEscape(p) != p {
			t.Fatalf("password %q is not URL-safe", p)
		}
		groups := strings.Split(p, "-")
		if len(groups) != passwordGroups {
			t.Fatalf("password %q: %d groups", p, len(groups))
		}
		for _, g := range groups {
			if len(g) != passwordGroupLen || strings.Trim(g, passwordAlphabet) != "" {
				t.Fatalf("password %q: bad group %q", p, g)
			}
		}
	}
}
