package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/signet-project/signet/internal/audit"
	"github.com/signet-project/signet/internal/journal"
	"github.com/signet-project/signet/internal/server"
)

// BenchmarkWriteBatch measures WriteBatch with batches of 1, 16 and 64
// entries, each a signature record and its audit event, and reports
// entries/s. open returns a fresh store, closed when the benchmark ends.
func BenchmarkWriteBatch(b *testing.B, open func(tb testing.TB) server.Store) {
	for _, size := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			s := open(b)
			ctx := context.Background()
			n := 0
			for b.Loop() {
				batch := make([]journal.Entry, size)
				for i := range batch {
					e := entry(n)
					e.Signature.ID, e.Events[0].ID = "", "" // let the store make unique ids
					batch[i] = e
					n++
				}
				if err := s.WriteBatch(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entries/s")
			b.StopTimer()
			if rep, err := audit.Verify(ctx, s); err != nil || rep.Records != int64(n) {
				b.Fatalf("after the benchmark: %d records, %v; want %d", rep.Records, err, n)
			}
		})
	}
}
