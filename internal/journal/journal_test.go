package journal

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/siglog"
)

// memWriter is an in-memory Writer; the real ones are tested in storetest
// and end to end.
type memWriter struct {
	mu      sync.Mutex
	batches [][]Entry
	gate    chan struct{} // when set, each write waits for a token
	entered chan int      // when set, told the size of each batch before it waits
}

func (m *memWriter) WriteBatch(_ context.Context, b []Entry) error {
	if m.entered != nil {
		m.entered <- len(b)
	}
	if m.gate != nil {
		<-m.gate
	}
	for _, e := range b {
		if e.Signature != nil && e.Signature.ID == "bad" {
			return errors.New("constraint violated")
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.batches = append(m.batches, b)
	return nil
}

func (m *memWriter) count() (batches, entries int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.batches {
		entries += len(b)
	}
	return len(m.batches), entries
}

func entry(id string) Entry { return Entry{Signature: &siglog.Record{ID: id}} }

func TestGroupCommitSharesTransactions(t *testing.T) {
	w := &memWriter{gate: make(chan struct{})}
	j := New(w)
	defer j.Close()
	const n = 50
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() { defer wg.Done(); errc <- j.Commit(context.Background(), entry("x")) }()
	}
	// Let the first write through; the rest queue behind it and share later ones.
	go func() {
		for range n {
			w.gate <- struct{}{}
		}
	}()
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	batches, entries := w.count()
	if entries != n {
		t.Fatalf("wrote %d entries, want %d", entries, n)
	}
	if batches >= n {
		t.Fatalf("%d transactions for %d commits: nothing was grouped", batches, n)
	}
}

func TestBadEntryFailsOnlyItsOwnRequest(t *testing.T) {
	w := &memWriter{gate: make(chan struct{})}
	j := New(w)
	defer j.Close()
	ids := []string{"a", "bad", "b", "c"}
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = j.Commit(context.Background(), entry(id)) }()
	}
	go func() {
		for range 20 {
			w.gate <- struct{}{}
		}
	}()
	wg.Wait()
	for i, id := range ids {
		if (errs[i] != nil) != (id == "bad") {
			t.Errorf("entry %s: err = %v", id, errs[i])
		}
	}
	if _, entries := w.count(); entries != 3 {
		t.Fatalf("wrote %d good entries, want 3", entries)
	}
}

func TestCloseFlushesAndRefuses(t *testing.T) {
	w := &memWriter{}
	j := New(w)
	if err := j.Commit(context.Background(), entry("a"), entry("b")); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if err := j.Commit(context.Background(), entry("c")); !errors.Is(err, ErrClosed) {
		t.Fatalf("commit after close: %v, want ErrClosed", err)
	}
	if b, e := w.count(); b != 1 || e != 2 {
		t.Fatalf("batches=%d entries=%d, want 1 and 2", b, e)
	}
}

func TestLingerFillsBatchToPreviousSize(t *testing.T) {
	w := &memWriter{gate: make(chan struct{}), entered: make(chan int)}
	// A linger far beyond the test: the batch is written when it is full,
	// never because time ran out.
	j := New(w, WithLinger(time.Hour))
	defer j.Close()
	var wg sync.WaitGroup
	commit := func(id string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := j.Commit(context.Background(), entry(id)); err != nil {
				t.Error(err)
			}
		}()
	}
	queued := func(n int) {
		for len(j.reqs) != n {
			runtime.Gosched()
		}
	}
	commit("a")
	if got := <-w.entered; got != 1 {
		t.Fatalf("first batch of %d, want 1", got)
	}
	commit("b")
	commit("c")
	commit("d")
	queued(3)
	w.gate <- struct{}{} // a is written; b, c and d were waiting
	if got := <-w.entered; got != 3 {
		t.Fatalf("second batch of %d, want 3", got)
	}
	w.gate <- struct{}{}
	commit("e") // alone in the queue: the writer waits for two more
	commit("f")
	commit("g")
	if got := <-w.entered; got != 3 {
		t.Fatalf("third batch of %d, want 3: the writer did not wait for a full batch", got)
	}
	w.gate <- struct{}{}
	wg.Wait()
}

func TestCloseEndsLinger(t *testing.T) {
	w := &memWriter{gate: make(chan struct{}), entered: make(chan int, 8)}
	j := New(w, WithLinger(time.Hour))
	var wg sync.WaitGroup
	commit := func() {
		wg.Add(1)
		go func() { defer wg.Done(); _ = j.Commit(context.Background(), entry("x")) }()
	}
	commit()
	<-w.entered // a lone first batch, held at the gate
	commit()
	commit()
	for len(j.reqs) != 2 {
		runtime.Gosched()
	}
	w.gate <- struct{}{}
	if got := <-w.entered; got != 2 { // a batch of two: a later lone commit lingers
		t.Fatalf("second batch of %d, want 2", got)
	}
	w.gate <- struct{}{}
	wg.Wait()
	w.gate = nil
	done := make(chan error, 1)
	go func() { done <- j.Commit(context.Background(), entry("y")) }()
	for len(j.reqs) != 0 {
		runtime.Gosched()
	}
	j.Close() // must not wait out the linger
	if err := <-done; err != nil && !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
}
