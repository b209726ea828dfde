//go:build !cgo || nohsm

package hsm

import (
	"context"
	"errors"

	"github.com/signet-project/signet/internal/keys"
)

// Backend is the name the backend registers under.
const Backend = "hsm"

// Compiled reports whether this build can use PKCS#11 tokens.
const Compiled = false

// ErrNotCompiled is what New returns in a build without PKCS#11 support.
var ErrNotCompiled = errors.New("signet was compiled without PKCS#11 support (cgo)")

func init() {
	keys.Register(Backend, func(context.Context, keys.Options) (keys.KeyManager, error) {
		return nil, ErrNotCompiled
	})
}
