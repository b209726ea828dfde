package p11

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// store holds the token's objects, built from the backend's keys and
// refreshed when a search starts and the list is older than the cache TTL.
// Handles are stable while what they show is: the same key (keypair and
// generation) and the same certificate keep their handles across
// refreshes. A replaced key or certificate gets new handles, so a tool that
// read a certificate and kept the key's handle cannot sign with the new key
// and pair it with the old certificate: the old handle is invalid. A
// handle is never reused.
type store struct {
	refreshMu sync.Mutex // one refresh at a time

	mu       sync.Mutex
	objects  []*object
	byHandle map[ObjectHandle]*object
	handles  map[string]ObjectHandle
	last     ObjectHandle
	fetched  time.Time
	fresh    bool
}

func newStore() *store {
	return &store{byHandle: map[ObjectHandle]*object{}, handles: map[string]ObjectHandle{}}
}

// invalidate makes the next search fetch the keys again.
func (s *store) invalidate() {
	s.mu.Lock()
	s.fresh = false
	s.mu.Unlock()
}

// get returns the object with handle h, or nil.
func (s *store) get(h ObjectHandle) *object {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byHandle[h]
}

// all returns the objects in a stable order.
func (s *store) all() []*object {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.objects
}

// refresh fetches the keys from b unless the list is younger than ttl. A
// nil b (PIN mode, logged out) empties the token. Only keys whose alias
// passes show are kept. hidden sets CKA_PRIVATE on private keys.
func (s *store) refresh(ctx context.Context, b Backend, now time.Time, ttl time.Duration, show func(string) bool, hidden bool, log *slog.Logger) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	s.mu.Lock()
	fresh := s.fresh && now.Sub(s.fetched) < ttl && now.Sub(s.fetched) >= 0
	s.mu.Unlock()
	if fresh {
		return nil
	}
	var keys []Key
	if b != nil {
		var err error
		if keys, err = b.Keys(ctx); err != nil {
			return err
		}
	}
	var objs []*object
	var ids []string
	seenCA := map[[32]byte]bool{}
	for i := range keys {
		k := &keys[i]
		if !show(k.Alias) {
			continue
		}
		ko, err := keyObjects(k, hidden)
		if err != nil {
			log.Warn("keypair skipped", "alias", k.Alias, "err", err)
			continue
		}
		for _, o := range ko {
			objs = append(objs, o)
			ids = append(ids, objectKey(o.class, k))
		}
		for _, c := range k.Chain {
			sum := sha256.Sum256(c.Raw)
			if seenCA[sum] {
				continue
			}
			seenCA[sum] = true
			objs = append(objs, caObject(c))
			ids = append(ids, "ca:"+string(sum[:]))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byHandle = make(map[ObjectHandle]*object, len(objs))
	handles := make(map[string]ObjectHandle, len(objs))
	for i, o := range objs {
		h, ok := s.handles[ids[i]]
		if !ok {
			s.last++
			h = s.last
		}
		handles[ids[i]] = h
		o.handle = h
		s.byHandle[h] = o
	}
	s.handles = handles // what is gone never comes back under an old handle
	s.objects, s.fetched, s.fresh = objs, now, true
	return nil
}

// objectKey names what a handle shows: a key by keypair and generation, a
// certificate by its contents.
func objectKey(class uint, k *Key) string {
	switch class {
	case CKO_PRIVATE_KEY:
		return fmt.Sprintf("priv:%s:%d", k.Ref, k.Generation)
	case CKO_PUBLIC_KEY:
		return fmt.Sprintf("pub:%s:%d", k.Ref, k.Generation)
	}
	var sum [32]byte
	if k.Certificate != nil {
		sum = sha256.Sum256(k.Certificate.Raw)
	}
	return "cert:" + k.Ref + ":" + string(sum[:])
}
