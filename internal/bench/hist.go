package bench

import (
	"math"
	"math/bits"
	"time"
)

// Histogram records durations in log-linear buckets, HDR style: values
// under 256 ns are exact, larger ones fall in buckets whose width is at most
// 1/128 of their lower bound, so every percentile is within 0.8% above the
// true value. The zero value is ready; it is not safe for concurrent use
// (give each client its own and Merge them).
type Histogram struct {
	counts   [nBuckets]uint64
	n        uint64
	sum      time.Duration
	min, max time.Duration
}

const (
	subBits  = 7
	sub      = 1 << subBits // buckets per power of two
	nBuckets = 2*sub + (64-subBits-2)*sub
)

// bucket returns the index of v's bucket.
func bucket(v uint64) int {
	if v < 2*sub {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1 // leaves v>>shift in [sub, 2*sub)
	return 2*sub + (shift-1)*sub + int(v>>shift) - sub
}

// bounds returns the smallest and largest value of bucket i.
func bounds(i int) (lo, hi uint64) {
	if i < 2*sub {
		return uint64(i), uint64(i)
	}
	shift := (i-2*sub)/sub + 1
	m := uint64((i-2*sub)%sub + sub)
	return m << shift, (m+1)<<shift - 1
}

// Record adds one value; negative values count as zero.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucket(uint64(d))]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += d
}

// Merge adds every value recorded in o.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// Count is the number of values recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest value recorded (exact).
func (h *Histogram) Max() time.Duration { return h.max }

// Min is the smallest value recorded (exact).
func (h *Histogram) Min() time.Duration { return h.min }

// Mean is the average value (exact).
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Percentile returns the value at or below which p percent of the values
// lie (the nearest-rank definition: the ceil(p/100*n)-th smallest value),
// as the upper bound of its bucket clamped to the exact min and max. It
// returns 0 for an empty histogram.
func (h *Histogram) Percentile(p float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(p / 100 * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			_, hi := bounds(i)
			return min(max(time.Duration(hi), h.min), h.max)
		}
	}
	return h.max
}
