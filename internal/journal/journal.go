// Package journal commits signature-log and audit records with group commit:
// concurrent callers' records share one transaction (and so one fsync), and
// each caller returns only once its records are durable.
package journal

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/siglog"
)

// Entry is what one request must make durable.
type Entry struct {
	Signature *siglog.Record // may be nil
	Events    []*audit.Event
	// CheckGeneration makes the write fail with ErrKeyRotated unless the
	// signature's keypair is still at Signature.Generation, checked in the
	// same transaction: a dynamic key replaced (and destroyed) while the
	// signature was made never yields a recorded, returned signature.
	CheckGeneration bool
	// Reserve, if set, takes signatures from a release's budget in the same
	// transaction, before the records are written: the write fails with
	// ErrBudgetExhausted when the budget has no room, so a signature that
	// would overspend it is never recorded nor returned, and the
	// reservation costs no commit of its own.
	Reserve *Reservation
}

// Reservation is a number of signatures taken from a release's budget by
// signatures made at At: the release must still be approved, with At
// inside its window, when the records are written.
type Reservation struct {
	ReleaseID string
	N         int
	// At is when the request was authorized: the window must have begun
	// by then. Signed is when its signatures were made: the window must not
	// have ended by then (zero: At).
	At     time.Time
	Signed time.Time
	// Revision is the release's revision the request was authorized
	// against: an edit since (participants, keypairs, window) voids the
	// reservation with ErrReleaseChanged.
	Revision int64
}

// ErrBudgetExhausted is returned (wrapped) when a Reserve entry's release
// has no room for its signatures.
var ErrBudgetExhausted = errors.New("journal: the release has no room for these signatures")

// ErrReleaseChanged is returned (wrapped) when a Reserve entry's release
// was closed, sent back for approval or moved out of its window meanwhile.
var ErrReleaseChanged = errors.New("journal: the release changed while signing")

// ErrKeyRotated is returned (wrapped) when a CheckGeneration entry's
// keypair has moved to another generation.
var ErrKeyRotated = errors.New("journal: the keypair was rotated while signing")

// ErrKeyInactive is returned (wrapped) when the keypair of a signed entry
// is no longer active (suspended or deleted while the signature was made):
// every signed record is checked in its transaction, so no signature of a
// keypair suspended before the commit is recorded or returned.
var ErrKeyInactive = errors.New("journal: the keypair was suspended or deleted while signing")

// Writer writes a batch of entries in one transaction, assigning audit
// sequence numbers and chain hashes. Either all entries are durable when it
// returns nil, or none are.
type Writer interface {
	WriteBatch(ctx context.Context, batch []Entry) error
}

// ErrClosed is returned by Commit after Close.
var ErrClosed = errors.New("journal: closed")

// Journal batches concurrent commits into shared transactions. One goroutine
// writes: while a batch is being committed the next one gathers, so the
// batch size grows with the load and each fsync serves many requests.
type Journal struct {
	w        Writer
	reqs     chan *pending
	maxBatch int
	linger   time.Duration
	observe  func(size int, d time.Duration, err error)

	mu     sync.RWMutex // guards closed against concurrent sends
	closed bool
	done   chan struct{}
}

type pending struct {
	entries []Entry
	done    chan error
}

// Option configures a Journal.
type Option func(*Journal)

// WithMaxBatch caps how many requests share one transaction (default 256).
func WithMaxBatch(n int) Option { return func(j *Journal) { j.maxBatch = n } }

// WithLinger sets how long the writer may wait for more requests before it
// commits a batch (default DefaultLinger; 0 never waits). It waits only
// while the batch holds fewer requests than the one before it, so a lone
// request, or a batch already as large as the concurrency has been, is
// committed at once; under load the wait turns into fewer, larger
// transactions, which cost less CPU per record.
func WithLinger(d time.Duration) Option { return func(j *Journal) { j.linger = d } }

// DefaultLinger is the writer's default wait for a fuller batch.
const DefaultLinger = time.Millisecond

// WithObserver is called after every transaction, for metrics.
func WithObserver(fn func(size int, d time.Duration, err error)) Option {
	return func(j *Journal) { j.observe = fn }
}

// New starts a journal writing through w. Call Close to stop it.
func New(w Writer, opts ...Option) *Journal {
	j := &Journal{w: w, maxBatch: 256, linger: DefaultLinger, observe: func(int, time.Duration, error) {}, done: make(chan struct{})}
	for _, o := range opts {
		o(j)
	}
	j.reqs = make(chan *pending, j.maxBatch)
	go j.run()
	return j
}

// Commit makes the entries durable, in one transaction, before it returns
// nil. On any error the caller must refuse its request: if ctx ended while
// the commit was under way the entries may still be written, which keeps the
// log a superset of what clients received, never a subset.
func (j *Journal) Commit(ctx context.Context, entries ...Entry) error {
	p := &pending{entries: entries, done: make(chan error, 1)}
	j.mu.RLock()
	if j.closed {
		j.mu.RUnlock()
		return ErrClosed
	}
	select {
	case j.reqs <- p:
	case <-ctx.Done():
		j.mu.RUnlock()
		return ctx.Err()
	}
	j.mu.RUnlock()
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting commits, writes everything already accepted, and
// returns when the writer is idle.
func (j *Journal) Close() {
	j.mu.Lock()
	if !j.closed {
		j.closed = true
		close(j.reqs)
	}
	j.mu.Unlock()
	<-j.done
}

func (j *Journal) run() {
	defer close(j.done)
	var timer *time.Timer
	if j.linger > 0 {
		timer = time.NewTimer(time.Hour)
		timer.Stop()
	}
	prev := 0 // requests in the previous batch
	for first := range j.reqs {
		batch := []*pending{first}
		n := len(first.entries)
		open := true
	gather:
		for n < j.maxBatch {
			select {
			case p, ok := <-j.reqs:
				if !ok {
					open = false
					break gather
				}
				batch = append(batch, p)
				n += len(p.entries)
			default:
				break gather
			}
		}
		if open && timer != nil && len(batch) < prev && n < j.maxBatch {
			// Other requests were signing alongside the last batch: give
			// them a moment to join this one.
			timer.Reset(j.linger)
		linger:
			for len(batch) < prev && n < j.maxBatch {
				select {
				case p, ok := <-j.reqs:
					if !ok {
						break linger
					}
					batch = append(batch, p)
					n += len(p.entries)
				case <-timer.C:
					break linger
				}
			}
			timer.Stop()
		}
		prev = len(batch)
		j.write(batch, n)
	}
}

// write commits a batch; if the shared transaction fails, each request is
// retried alone so that one bad entry fails only its own request.
func (j *Journal) write(batch []*pending, n int) {
	entries := make([]Entry, 0, n)
	for _, p := range batch {
		entries = append(entries, p.entries...)
	}
	err := j.writeTx(entries)
	if err == nil || len(batch) == 1 {
		for _, p := range batch {
			p.done <- err
		}
		return
	}
	for _, p := range batch {
		p.done <- j.writeTx(p.entries)
	}
}

func (j *Journal) writeTx(entries []Entry) error {
	// The write must not be cut short by one caller's cancellation.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	err := j.w.WriteBatch(ctx, entries)
	j.observe(len(entries), time.Since(start), err)
	if err != nil {
		return fmt.Errorf("journal: commit of %d entries: %w", len(entries), err)
	}
	return nil
}
