//go:build !cgo || nohsm

package hsm

import (
	"errors"
	"testing"

	"github.com/signet-project/signet/internal/keys"
)

func TestNotCompiled(t *testing.T) {
	if _, err := keys.New(t.Context(), Backend, keys.Options{}); !errors.Is(err, ErrNotCompiled) {
		t.Fatalf("New: %v; want ErrNotCompiled", err)
	}
}
