package sqlstore

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/signet-project/signet/internal/auth"
	"github.com/signet-project/signet/internal/keypair"
)

// readCache keeps the signing path's reads of credentials and keypairs in
// memory, each valid only while read_epoch holds the number it was read
// under. Migration 0008's triggers move read_epoch in the same transaction
// as any change to the tables behind these reads, made on any node or by
// any process, and every lookup reads read_epoch afresh first: a hit is
// what a fresh read would return at that moment, so a revocation or a
// suspension acts on the next request everywhere, as without the cache.
// A lookup costs one single-row read instead of the joined ones.
//
// Entries are filled only on success (an unknown token or keypair is read
// from the tables every time) and the maps are dropped when they grow past
// readCacheMax or the epoch moves.
type readCache struct {
	mu    sync.Mutex
	epoch int64
	born  time.Time // when the maps were made
	creds map[string]*auth.Credentials
	kps   map[string]*keypair.Keypair
}

const readCacheMax = 4096

const epochSQL = `SELECT n FROM read_epoch WHERE id = 1`

// readEpoch reads read_epoch; ok is false when it cannot (then the caller
// reads the tables and caches nothing).
func (db *DB) readEpoch(ctx context.Context) (n int64, ok bool) {
	if err := db.queryRow(ctx, epochSQL).Scan(&n); err != nil {
		return 0, false
	}
	return n, true
}

// readCacheLife bounds how long the cache is kept even while the epoch
// stands still.
const readCacheLife = time.Minute

// sync makes epoch the cache's epoch when it is newer, dropping what was
// read under an older one; it reports whether the cache is at epoch. An
// epoch lower than the cache's is a reader behind the others, or a
// database that went back (a restored backup, a failover to a replica that
// missed the last commits): then the entries may come from a history that
// no longer exists, and are dropped, so that the epoch climbing back to the
// same number cannot bring them back. The cache is also dropped every
// readCacheLife.
func (c *readCache) sync(epoch int64) bool {
	now := time.Now()
	switch {
	case c.creds == nil || epoch > c.epoch || now.Sub(c.born) > readCacheLife:
		c.epoch, c.born = max(epoch, c.epoch), now
		c.creds = map[string]*auth.Credentials{}
		c.kps = map[string]*keypair.Keypair{}
	case epoch < c.epoch:
		clear(c.creds)
		clear(c.kps)
	}
	return c.epoch == epoch
}

func credKey(tokenHash, fp []byte) string {
	return string(tokenHash) + "\x00" + string(fp)
}

func (c *readCache) getCreds(epoch int64, key string) *auth.Credentials {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.sync(epoch) {
		return nil
	}
	return copyCreds(c.creds[key])
}

func (c *readCache) putCreds(epoch int64, key string, v *auth.Credentials) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.sync(epoch) {
		return
	}
	if len(c.creds) >= readCacheMax {
		clear(c.creds)
	}
	v = copyCreds(v)
	if v.User != nil {
		v.User.Roles, v.User.Groups = slices.Clip(v.User.Roles), slices.Clip(v.User.Groups)
	}
	c.creds[key] = v
}

func (c *readCache) getKeypair(epoch int64, ref string) *keypair.Keypair {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.sync(epoch) {
		return nil
	}
	return copyKeypair(c.kps[ref])
}

func (c *readCache) putKeypair(epoch int64, ref string, kp *keypair.Keypair) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.sync(epoch) {
		return
	}
	if len(c.kps) >= readCacheMax {
		clear(c.kps)
	}
	kp = copyKeypair(kp)
	kp.AllowedUsers, kp.AllowedGroups = slices.Clip(kp.AllowedUsers), slices.Clip(kp.AllowedGroups)
	c.kps[ref] = kp
}

// copyCreds copies the structs a caller might change; the slices and maps
// inside are shared and only read (they are clipped when cached, so an
// append makes a new array).
func copyCreds(c *auth.Credentials) *auth.Credentials {
	if c == nil {
		return nil
	}
	out := *c
	if c.Token != nil {
		t := *c.Token
		out.Token = &t
	}
	if c.User != nil {
		u := *c.User
		out.User = &u
	}
	if c.Cert != nil {
		cc := *c.Cert
		out.Cert = &cc
	}
	return &out
}

func copyKeypair(kp *keypair.Keypair) *keypair.Keypair {
	if kp == nil {
		return nil
	}
	out := *kp
	return &out
}
