package socketio

import (
	"testing"
	"time"
)

// The ack latency histogram puts each observation in the first bucket
// whose bound it does not exceed; beyond the last bound it is only in
// Count.
func TestAckLatencyBuckets(t *testing.T) {
	s := NewServer(nil)
	for _, d := range []time.Duration{0, time.Millisecond, time.Millisecond + 1, 7 * time.Millisecond, 10 * time.Second, time.Minute} {
		s.counters.ackAnswered(d)
	}
	h := s.Stats().AckLatency
	want := map[time.Duration]uint64{
		time.Millisecond:        2, // 0 and 1ms (bounds are inclusive)
		2500 * time.Microsecond: 3,
		5 * time.Millisecond:    3,
		10 * time.Millisecond:   4,
		5 * time.Second:         4,
		10 * time.Second:        5,
	}
	if len(h.Buckets) != 13 {
		t.Fatalf("%d buckets, want 13", len(h.Buckets))
	}
	for _, b := range h.Buckets {
		if w, ok := want[b.UpperBound]; ok && b.Count != w {
			t.Errorf("bucket le %v: %d, want %d", b.UpperBound, b.Count, w)
		}
	}
	if h.Count != 6 {
		t.Errorf("Count %d, want 6", h.Count)
	}
	if wantSum := 9*time.Millisecond + 1 + 10*time.Second + time.Minute; h.Sum != wantSum {
		t.Errorf("Sum %v, want %v", h.Sum, wantSum)
	}
}
