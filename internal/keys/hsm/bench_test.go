//go:build cgo && !nohsm

package hsm

import (
	"testing"

	"github.com/signet-project/signet/internal/keys/keystest"
)

func BenchmarkSign(b *testing.B) {
	keystest.BenchmarkSign(b, newHSM(b, nil, nil))
}
