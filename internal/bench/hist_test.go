package bench

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketBounds(t *testing.T) {
	// Every value falls inside its own bucket, buckets are contiguous and
	// no wider than 1/128 of their lower bound.
	for i := 1; i < nBuckets; i++ {
		lo, hi := bounds(i)
		_, prevHi := bounds(i - 1)
		if lo != prevHi+1 {
			t.Fatalf("bucket %d starts at %d, previous ends at %d", i, lo, prevHi)
		}
		if hi < lo || (lo >= 2*sub && float64(hi-lo+1) > float64(lo)/sub) {
			t.Fatalf("bucket %d = [%d, %d] is too wide", i, lo, hi)
		}
		for _, v := range []uint64{lo, hi, lo + (hi-lo)/2} {
			if b := bucket(v); b != i {
				t.Fatalf("value %d in bucket %d, want %d", v, b, i)
			}
		}
	}
	if b := bucket(1<<63 - 1); b != nBuckets-1 {
		t.Fatalf("largest duration in bucket %d, want %d", b, nBuckets-1)
	}
}

func TestPercentileExact(t *testing.T) {
	// Values under 256 ns are exact: nearest rank on 1..100.
	var h Histogram
	for v := 100; v >= 1; v-- {
		h.Record(time.Duration(v))
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{
		{0, 1}, {1, 1}, {1.5, 2}, {50, 50}, {90, 90}, {99, 99}, {99.9, 100}, {100, 100},
	} {
		if got := h.Percentile(c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if h.Count() != 100 || h.Min() != 1 || h.Max() != 100 || h.Mean() != 50 {
		t.Errorf("count %d min %v max %v mean %v", h.Count(), h.Min(), h.Max(), h.Mean())
	}
}

func TestPercentileAgainstSort(t *testing.T) {
	// Random latencies from 50 µs to 2 s: every percentile is the true
	// nearest-rank value or at most 1/128 above it.
	r := rand.New(rand.NewPCG(1, 2))
	var parts [4]Histogram
	var all []time.Duration
	for i := range 100000 {
		d := time.Duration(50e3 * (1 + r.ExpFloat64()*r.ExpFloat64()*200))
		d = min(d, 2*time.Second)
		parts[i%4].Record(d)
		all = append(all, d)
	}
	var h Histogram
	for i := range parts {
		h.Merge(&parts[i])
	}
	slices.Sort(all)
	if h.Count() != uint64(len(all)) || h.Min() != all[0] || h.Max() != all[len(all)-1] {
		t.Fatalf("merged count %d min %v max %v", h.Count(), h.Min(), h.Max())
	}
	for _, p := range []float64{1, 10, 50, 90, 99, 99.9, 99.99, 100} {
		rank := int(float64(len(all))*p/100+0.999999999) - 1
		want := all[max(rank, 0)]
		got := h.Percentile(p)
		if got < want || float64(got-want) > float64(want)/sub {
			t.Errorf("p%v = %v, true value %v", p, got, want)
		}
	}
}

func TestEmptyAndNegative(t *testing.T) {
	var h Histogram
	if h.Percentile(99) != 0 || h.Mean() != 0 || h.Count() != 0 {
		t.Fatal("empty histogram should report zeros")
	}
	h.Record(-time.Second)
	if h.Max() != 0 || h.Percentile(50) != 0 {
		t.Fatalf("negative value recorded as %v", h.Max())
	}
	var o Histogram
	h.Merge(&o) // merging an empty one changes nothing
	if h.Count() != 1 {
		t.Fatalf("count %d after merging empty", h.Count())
	}
}
