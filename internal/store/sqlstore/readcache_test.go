package sqlstore

import (
	"testing"
	"time"

	"github.com/signet-project/signet/internal/keypair"
)

// TestReadCacheEpoch: entries serve only their epoch; a lower epoch (a
// reader behind, or a database gone back to an older state) drops them, so
// the epoch climbing back to the same number does not revive them; and the
// cache does not outlive readCacheLife.
func TestReadCacheEpoch(t *testing.T) {
	var c readCache
	c.putKeypair(5, "a", &keypair.Keypair{ID: "a"})
	if c.getKeypair(5, "a") == nil {
		t.Fatal("no hit at the epoch the entry was read under")
	}
	if c.getKeypair(6, "a") != nil {
		t.Fatal("a hit after the epoch moved on")
	}
	c.putKeypair(6, "a", &keypair.Keypair{ID: "a"})
	if c.getKeypair(4, "a") != nil {
		t.Fatal("a hit for an older epoch")
	}
	if c.getKeypair(6, "a") != nil {
		t.Fatal("an entry survived a lower epoch")
	}
	c.putKeypair(6, "a", &keypair.Keypair{ID: "a"})
	c.born = time.Now().Add(-2 * readCacheLife)
	if c.getKeypair(6, "a") != nil {
		t.Fatal("an entry outlived readCacheLife")
	}
}
