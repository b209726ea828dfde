//go:build cgo && !nohsm

package hsm

import (
	"os"
	"testing"

	"github.com/signet-project/signet/internal/keys/hsm/hsmtest"
)

// TestTokensCreatedLater checks the reason hsmtest copies the module: a
// token made after another token's module was initialized is usable too.
func TestTokensCreatedLater(t *testing.T) {
	a := newHSM(t, nil, nil)
	b := newHSM(t, nil, nil) // its token did not exist when a's module initialized
	_, sa := create(t, a, p256)
	_, sb := create(t, b, p256)
	mustSign(t, sa)
	mustSign(t, sb)
}

func TestTokensInParallel(t *testing.T) {
	for _, name := range []string{"a", "b", "c"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, s := create(t, newHSM(t, nil, nil), ed)
			mustSign(t, s)
		})
	}
}

func TestTokenCleanup(t *testing.T) {
	before, had := os.LookupEnv("SOFTHSM2_CONF")
	var tok hsmtest.Token
	t.Run("use", func(t *testing.T) {
		tok = hsmtest.NewToken(t)
		if os.Getenv("SOFTHSM2_CONF") != tok.ConfigPath {
			t.Fatalf("SOFTHSM2_CONF = %q; want %q", os.Getenv("SOFTHSM2_CONF"), tok.ConfigPath)
		}
		newHSM(t, &tok, nil)
	})
	if _, err := os.Stat(tok.ConfigPath); !os.IsNotExist(err) {
		t.Errorf("token directory left behind: %v", err)
	}
	if after, has := os.LookupEnv("SOFTHSM2_CONF"); after != before || has != had {
		t.Errorf("SOFTHSM2_CONF = %q after the last token; want %q", after, before)
	}
}
