package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/signet-project/signet/internal/client"
)

// TestReleaseConflictHints: the conflicts of a release decision exit with
// exitConflict and say what to do.
func TestReleaseConflictHints(t *testing.T) {
	tests := []struct {
		code, fix string
	}{
		{"release_conflict", "run the command again"},
		{"already_decided", "each approver decides once"},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			a := &app{}
			code, msg, fix := a.explainAPI(&client.APIError{Status: http.StatusConflict, Code: tc.code, Message: "m"})
			if code != exitConflict || msg != "m ["+tc.code+"]" || !strings.Contains(fix, tc.fix) {
				t.Fatalf("explainAPI: %d, %q, %q; want %d, fix with %q", code, msg, fix, exitConflict, tc.fix)
			}
		})
	}
}
