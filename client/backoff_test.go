package client

import (
	"testing"
	"time"
)

// The delays of socket.io-client 4.8.4's backoff (contrib/backo2.js), run
// in Node with Math.random stubbed to return, for attempt i,
// backoffRands[i % 10].
var backoffRands = []float64{0, 0.05, 0.15, 0.25, 0.5, 0.55, 0.73, 0.99, 0.999, 0.3333}

var backoffCases = []struct {
	min, max int64 // ms
	jitter   float64
	want     []int64 // ms, attempts 0..9
}{
	{1000, 5000, 0.5, []int64{1000, 1950, 4300, 5000, 5000, 5000, 5000, 5000, 5000, 5000}},
	{100, 10000, 0.5, []int64{100, 195, 430, 700, 2000, 4080, 8736, 10000, 10000, 10000}},
	{1000, 5000, 0, []int64{1000, 2000, 4000, 5000, 5000, 5000, 5000, 5000, 5000, 5000}},
	{1000, 5000, 1, []int64{1000, 1900, 4600, 5000, 5000, 5000, 5000, 5000, 5000, 5000}},
	{300, 60000, 0.2, []int64{300, 594, 1236, 2280, 5280, 10656, 22003, 46003, 60000, 60000}},
}

func TestBackoffMatchesJS(t *testing.T) {
	for _, tc := range backoffCases {
		i := 0
		b := backoff{
			min: time.Duration(tc.min) * time.Millisecond, max: time.Duration(tc.max) * time.Millisecond,
			jitter: tc.jitter,
			rand:   func() float64 { return backoffRands[i%len(backoffRands)] },
		}
		for a, want := range tc.want {
			i = a
			if got := b.duration(); got != time.Duration(want)*time.Millisecond {
				t.Errorf("min %d max %d jitter %v attempt %d: %v, want %dms", tc.min, tc.max, tc.jitter, a, got, want)
			}
		}
		if b.attempts != len(tc.want) {
			t.Errorf("attempts %d", b.attempts)
		}
		b.reset()
		if b.attempts != 0 {
			t.Error("reset")
		}
	}
	// Many attempts: the cap holds (no overflow).
	b := backoff{min: time.Second, max: 5 * time.Second, jitter: 0.5}
	for range 2000 {
		if d := b.duration(); d < 0 || d > 5*time.Second {
			t.Fatalf("delay %v", d)
		}
	}
}

func TestBackoffDefaults(t *testing.T) {
	for _, tc := range []struct {
		opts   *Options
		delay  time.Duration
		max    time.Duration
		jitter float64
	}{
		{nil, time.Second, 5 * time.Second, 0.5},
		{&Options{RandomizationFactor: -1}, time.Second, 5 * time.Second, 0},
		{&Options{RandomizationFactor: 2}, time.Second, 5 * time.Second, 0},
		{&Options{ReconnectionDelay: 10 * time.Millisecond, ReconnectionDelayMax: time.Minute, RandomizationFactor: 0.1}, 10 * time.Millisecond, time.Minute, 0.1},
	} {
		c := newConfig(tc.opts)
		if c.delay != tc.delay || c.delayMax != tc.max || c.jitter != tc.jitter || !c.reconnection || c.attempts != 0 {
			t.Errorf("%+v: delay %v max %v jitter %v reconnection %v attempts %d", tc.opts, c.delay, c.delayMax, c.jitter, c.reconnection, c.attempts)
		}
	}
}
