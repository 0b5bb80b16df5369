package hist

import (
	"math"
	"testing"
)

func TestBucketsAreContiguousAndTight(t *testing.T) {
	prev := -1
	for _, v := range []int64{0, 1, 127, 128, 129, 255, 256, 1000, 1e6, 123456789, 1 << 39} {
		i := bucketOf(v)
		if i < prev {
			t.Fatalf("bucketOf(%d) = %d, below the previous %d", v, i, prev)
		}
		prev = i
		if got := bucketValue(i); math.Abs(float64(got-v)) > float64(v)/64+1 {
			t.Errorf("bucketValue(bucketOf(%d)) = %d: more than 1/64 off", v, got)
		}
	}
	if i := bucketOf(1 << 50); i != NumBuckets-1 {
		t.Errorf("a huge value goes to bucket %d, want the last (%d)", i, NumBuckets-1)
	}
}

func TestQuantilesAndMerge(t *testing.T) {
	var a, b H
	for v := int64(1); v <= 1000; v++ {
		a.Record(v * 1000) // 1µs … 1ms
	}
	b.AddSparse(a.Sparse())
	b.Merge(&a)
	s := b.Summary()
	if s.Count != 2000 {
		t.Fatalf("count %d, want 2000", s.Count)
	}
	for _, c := range []struct {
		got, want int64
	}{{s.P50, 500_000}, {s.P99, 990_000}, {s.Max, 1_000_000}} {
		if math.Abs(float64(c.got-c.want)) > float64(c.want)/50 {
			t.Errorf("got %d, want about %d", c.got, c.want)
		}
	}
}

func TestSharded(t *testing.T) {
	s := NewSharded()
	for i := range 1000 {
		s.Record(i, int64(i))
	}
	if h := s.Merge(); h.Count != 1000 || h.Max != 999 {
		t.Fatalf("count %d max %d", h.Count, h.Max)
	}
}
