package ca

import (
	"context"
	"testing"
	"time"

	"github.com/signet-project/signet/internal/guard"
)

// listGate is a store whose ListAuthorities waits for the test.
type listGate struct {
	Store
	listed, release chan struct{}
}

func (g *listGate) ListAuthorities(context.Context) ([]*Authority, error) {
	close(g.listed)
	<-g.release
	return nil, nil
}

// TestReloadWhileForgotten: a reload that finds the hierarchy forgotten
// meanwhile (this node made a CA) still answers its caller with what it
// read, and leaves the next use to load afresh.
func TestReloadWhileForgotten(t *testing.T) {
	gate := &listGate{listed: make(chan struct{}), release: make(chan struct{})}
	s := &Service{Store: gate, Guard: &guard.Guard{Now: time.Now}}
	h := &hierarchy{byName: map[string]*loaded{}, byID: map[string]*loaded{}}
	s.h = h
	type result struct {
		h   *hierarchy
		err error
	}
	done := make(chan result, 1)
	go func() {
		got, err := s.reload(context.Background(), h, true)
		done <- result{got, err}
	}()
	<-gate.listed
	s.forget()
	close(gate.release)
	r := <-done
	if r.err != nil || r.h == nil {
		t.Fatalf("reload = %v, %v; want a hierarchy", r.h, r.err)
	}
	if _, ok := r.h.byName["x"]; ok {
		t.Fatal("a CA from nowhere")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.h != nil {
		t.Error("the reload replaced a forgotten hierarchy with what it read before")
	}
}
