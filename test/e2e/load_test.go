//go:build e2e

package e2e

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// received is a signature a client was given.
type received struct {
	id        string
	digest    []byte
	signature []byte
}

// load signs random digests from several goroutines until each gets a
// transport error (the server went away), stop is called, or the context
// ends.
type load struct {
	wg        sync.WaitGroup
	stopped   atomic.Bool
	inflight  atomic.Int64
	ok        atomic.Int64
	transport atomic.Int64 // requests that ended in a transport error

	mu       sync.Mutex
	got      []received
	refusals []error // HTTP answers other than 200
}

// startLoad starts workers goroutines signing with alias; even ones use
// HTTP/2, odd ones HTTP/1.1, each with its own keep-alive connection(s).
func startLoad(ctx context.Context, addr string, cr creds, alias string, workers int) *load {
	l := &load{}
	for i := range workers {
		c := newClient(addr, cr, i%2 == 1)
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			defer c.http.CloseIdleConnections()
			for ctx.Err() == nil && !l.stopped.Load() {
				if !l.signOne(ctx, c, alias) {
					return
				}
			}
		}()
	}
	return l
}

// signOne signs one digest; it returns false once the server is gone.
func (l *load) signOne(ctx context.Context, c *client, alias string) bool {
	digest := randomDigest()
	l.inflight.Add(1)
	s, err := c.sign(ctx, alias, "SHA256withECDSA", digest)
	l.inflight.Add(-1)
	var ae *apiError
	switch {
	case err == nil:
		l.mu.Lock()
		l.got = append(l.got, received{id: s.SignatureID, digest: digest, signature: s.Signature})
		l.mu.Unlock()
		l.ok.Add(1)
		return true
	case errors.As(err, &ae):
		l.mu.Lock()
		l.refusals = append(l.refusals, err)
		l.mu.Unlock()
		return true
	default:
		l.transport.Add(1)
		return false
	}
}

// waitFor waits until at least n signatures were received and a request is
// under way, so that what follows happens in the middle of the load.
func (l *load) waitFor(t *testing.T, n int64, p *proc) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for l.ok.Load() < n || l.inflight.Load() == 0 {
		if p.exited() {
			t.Fatalf("%s exited under load: %v", p.name, p.err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("load: %d signatures after a minute, wanted %d (%d transport errors, %d refusals)",
				l.ok.Load(), n, l.transport.Load(), len(l.refusals))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop asks the workers to stop after the request each has under way.
func (l *load) stop() { l.stopped.Store(true) }

// wait waits for every worker to stop and returns what they received. It
// fails the test if any request got an HTTP answer other than 200.
func (l *load) wait(t *testing.T) []received {
	t.Helper()
	l.wg.Wait()
	for i, err := range l.refusals {
		if i == 5 {
			t.Errorf("… and %d more refusals", len(l.refusals)-i)
			break
		}
		t.Errorf("refused under load: %v", err)
	}
	return l.got
}
