package storetest

import (
	"sync"
	"testing"

	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/server"
	"github.com/signet-project/signet/internal/siglog"
)

// testSignatureSeq: signature records are numbered in commit order, from
// 1, without gaps (a failed batch takes no numbers), and listed and paged
// in that order: a record committed after one with a later id comes after
// it, so a consumer paging with the last seq it read (or, as before, the
// last id) misses nothing.
func testSignatureSeq(t *testing.T, s server.Store) {
	ctx := t.Context()
	write := func(recs ...*siglog.Record) error {
		var b []journal.Entry
		for _, r := range recs {
			b = append(b, journal.Entry{Signature: r})
		}
		return s.WriteBatch(ctx, b)
	}
	a, b, c := newSignature(1), newSignature(2), newSignature(3)
	must(t, write(c, a)) // in one batch: numbered in batch order
	same(t, "seqs of a batch", []int64{c.Seq, a.Seq}, []int64{1, 2})
	wantErr(t, "WriteBatch(taken id)", write(newSignature(4), newSignature(1)), errConflict)
	must(t, write(b)) // id before c's, committed after it
	same(t, "seq after a failed batch", b.Seq, int64(3))

	all, err := s.ListSignatures(ctx, siglog.Filter{})
	must(t, err)
	same(t, "listed in commit order", all, []*siglog.Record{c, a, b})
	got, err := s.ListSignatures(ctx, siglog.Filter{AfterSeq: a.Seq})
	must(t, err)
	same(t, "after a's seq", got, []*siglog.Record{b})
	got, err = s.ListSignatures(ctx, siglog.Filter{After: c.ID, Limit: 1})
	must(t, err)
	same(t, "after c's id", got, []*siglog.Record{a})

	// Concurrent batches take distinct numbers, with no gap.
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				r1, r2 := newSignature(100+20*w+2*i), newSignature(101+20*w+2*i)
				if err := write(r1, r2); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	all, err = s.ListSignatures(ctx, siglog.Filter{Limit: 1000})
	must(t, err)
	for i, r := range all {
		if r.Seq != int64(i+1) {
			t.Fatalf("record %d of %d (%s) has seq %d", i, len(all), r.ID, r.Seq)
		}
	}
	if len(all) != 83 {
		t.Fatalf("%d records, want 83", len(all))
	}
}
