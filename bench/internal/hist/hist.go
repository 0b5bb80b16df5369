// Package hist is a log-linear latency histogram (about 1.6% worst-case
// relative error, 1 ns to 18 minutes) with cheap recording, sharded for
// concurrent writers, and mergeable across processes.
package hist

import (
	"math"
	"math/bits"
	"sync"
)

// subBits is the number of significant bits kept: 64 sub-buckets per
// power of two above 128.
const subBits = 7

// NumBuckets covers values up to 2^40 ns (about 18 minutes).
const NumBuckets = (40-subBits+1)*64 + 128

func bucketOf(v int64) int {
	if v < 0 {
		v = 0
	}
	u := uint64(v)
	if u < 1<<subBits {
		return int(u)
	}
	e := bits.Len64(u) - subBits
	i := e*64 + int(u>>uint(e))
	if i >= NumBuckets {
		return NumBuckets - 1
	}
	return i
}

// bucketValue is the middle of bucket i.
func bucketValue(i int) int64 {
	if i < 1<<subBits {
		return int64(i)
	}
	e := i/64 - 1
	m := int64(i%64 + 64)
	return m<<uint(e) + (int64(1)<<uint(e))/2
}

// H is a histogram for one writer at a time.
type H struct {
	Buckets [NumBuckets]uint64
	Count   uint64
	Sum     float64
	Max     int64
}

// Record adds one value (nanoseconds).
func (h *H) Record(v int64) {
	h.Buckets[bucketOf(v)]++
	h.Count++
	h.Sum += float64(v)
	if v > h.Max {
		h.Max = v
	}
}

// Merge adds o into h.
func (h *H) Merge(o *H) {
	for i, c := range o.Buckets {
		h.Buckets[i] += c
	}
	h.Count += o.Count
	h.Sum += o.Sum
	if o.Max > h.Max {
		h.Max = o.Max
	}
}

// Quantile returns the value at quantile q in [0, 1].
func (h *H) Quantile(q float64) int64 {
	if h.Count == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.Count)))
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.Buckets {
		seen += c
		if seen >= rank {
			return min(bucketValue(i), h.Max)
		}
	}
	return h.Max
}

// Summary is what a report needs from a histogram, in nanoseconds.
type Summary struct {
	Count uint64  `json:"count"`
	Mean  float64 `json:"mean_ns"`
	P50   int64   `json:"p50_ns"`
	P90   int64   `json:"p90_ns"`
	P99   int64   `json:"p99_ns"`
	P999  int64   `json:"p999_ns"`
	Max   int64   `json:"max_ns"`
}

// Summary computes the summary of h.
func (h *H) Summary() Summary {
	s := Summary{Count: h.Count, Max: h.Max}
	if h.Count == 0 {
		return s
	}
	s.Mean = h.Sum / float64(h.Count)
	s.P50, s.P90, s.P99, s.P999 = h.Quantile(0.50), h.Quantile(0.90), h.Quantile(0.99), h.Quantile(0.999)
	return s
}

// Sparse is h's non-empty buckets as (index, count) pairs, for JSON.
func (h *H) Sparse() [][2]uint64 {
	var out [][2]uint64
	for i, c := range h.Buckets {
		if c != 0 {
			out = append(out, [2]uint64{uint64(i), c})
		}
	}
	return out
}

// AddSparse adds buckets produced by Sparse (count, sum and max are
// approximated from the bucket values).
func (h *H) AddSparse(sp [][2]uint64) {
	for _, p := range sp {
		i := int(p[0])
		if i < 0 || i >= NumBuckets {
			continue
		}
		v := bucketValue(i)
		h.Buckets[i] += p[1]
		h.Count += p[1]
		h.Sum += float64(v) * float64(p[1])
		if v > h.Max {
			h.Max = v
		}
	}
}

// Sharded is a histogram many goroutines record into: each picks a shard
// (say, its connection index), so writers rarely share a lock.
type Sharded struct {
	shards [64]shard
}

type shard struct {
	mu sync.Mutex
	h  H
	_  [64]byte // keep neighbouring shards' locks off one cache line
}

// NewSharded returns an empty sharded histogram.
func NewSharded() *Sharded { return &Sharded{} }

// Record adds v to the shard chosen by key.
func (s *Sharded) Record(key int, v int64) {
	sh := &s.shards[uint(key)%uint(len(s.shards))]
	sh.mu.Lock()
	sh.h.Record(v)
	sh.mu.Unlock()
}

// Merge returns the union of every shard.
func (s *Sharded) Merge() *H {
	out := &H{}
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		out.Merge(&sh.h)
		sh.mu.Unlock()
	}
	return out
}
