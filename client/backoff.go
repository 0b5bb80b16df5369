package client

import (
	"math"
	"math/rand/v2"
	"time"
)

// backoff computes reconnection delays exactly as the JS client's
// (backo2): min·2^attempt, moved up or down by up to jitter of itself,
// capped at max. It is not safe for concurrent use (the Manager's mu
// guards it).
type backoff struct {
	min, max time.Duration
	jitter   float64 // in [0, 1]
	attempts int
	rand     func() float64 // [0, 1); rand.Float64 unless a test sets it
}

// duration returns the next delay and counts the attempt.
func (b *backoff) duration() time.Duration {
	ms := float64(b.min.Milliseconds()) * math.Pow(2, float64(b.attempts))
	b.attempts++
	if b.jitter > 0 {
		r := b.random()
		deviation := math.Floor(r * b.jitter * ms)
		// The JS client picks the direction from the same draw: the
		// parity of its first decimal digit.
		if int(math.Floor(r*10))&1 == 0 {
			ms -= deviation
		} else {
			ms += deviation
		}
	}
	ms = math.Min(ms, float64(b.max.Milliseconds()))
	return time.Duration(math.Trunc(ms)) * time.Millisecond
}

func (b *backoff) random() float64 {
	if b.rand != nil {
		return b.rand()
	}
	return rand.Float64()
}

func (b *backoff) reset() { b.attempts = 0 }
