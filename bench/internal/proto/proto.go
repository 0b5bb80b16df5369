// Package proto holds what the bench programs agree on: the load
// generator's result record, the broadcast payload layout and the control
// endpoints' replies.
package proto

import (
	"strconv"

	"github.com/gosio/socketio/bench/internal/hist"
)

// Result is what one load generator run prints on stdout, as one JSON
// object.
type Result struct {
	Scenario  string `json:"scenario"`
	Mode      string `json:"mode"` // "sio", "raw" or "eio" (Engine.IO polling)
	Clients   int    `json:"clients"`
	Connected int    `json:"connected"`
	Errors    int64  `json:"errors"`
	// Seconds is the measurement window; Ops what completed in it (acks,
	// deliveries, echoes, connections) and Rate = Ops / Seconds.
	Seconds float64 `json:"seconds"`
	Ops     int64   `json:"ops"`
	Rate    float64 `json:"rate"`
	// Lat is the latency of each op in the window, in nanoseconds.
	Lat hist.Summary `json:"lat"`
	// Hist is Lat's histogram (sparse), so shards can be merged.
	Hist [][2]uint64 `json:"hist,omitempty"`
	// Extra holds scenario-specific figures (see each scenario).
	Extra map[string]float64 `json:"extra,omitempty"`
	// LoadgenCPU and ServerCPU are CPU use over the window in percent of
	// one core (ServerCPU is -1 when no server pid was given).
	LoadgenCPU float64 `json:"loadgen_cpu"`
	ServerCPU  float64 `json:"server_cpu"`
	// MachineCPU is the whole machine's busy CPU over the window, same
	// unit: what it has beyond the two is other processes and the kernel.
	MachineCPU float64 `json:"machine_cpu"`
}

// RSSReply is the body of GET /control/rss.
type RSSReply struct {
	RSS   int64 `json:"rss"`   // VmRSS, bytes
	Heap  int64 `json:"heap"`  // live heap, bytes (after a GC when gc=1)
	Conns int   `json:"conns"` // connected clients
	// Go is the Go runtime's breakdown of its memory (the Go servers
	// only): where the RSS goes.
	Go *GoMem `json:"go,omitempty"`
}

// GoMem is a Go server's memory breakdown from runtime.MemStats and
// runtime/metrics, bytes unless named otherwise.
type GoMem struct {
	HeapAlloc    uint64 `json:"heap_alloc"`    // live + not yet collected garbage
	HeapLive     uint64 `json:"heap_live"`     // marked live by the last GC (/gc/heap/live:bytes)
	HeapInuse    uint64 `json:"heap_inuse"`    // in-use spans
	HeapFree     uint64 `json:"heap_free"`     // HeapIdle - HeapReleased: free, still mapped (RSS unless never touched)
	HeapReleased uint64 `json:"heap_released"` // returned to the OS
	HeapGoal     uint64 `json:"heap_goal"`     // NextGC
	StackInuse   uint64 `json:"stack_inuse"`   // goroutine stacks, including free G's cached stacks
	StackSys     uint64 `json:"stack_sys"`
	MSpanSys     uint64 `json:"mspan_sys"`
	MCacheSys    uint64 `json:"mcache_sys"`
	GCSys        uint64 `json:"gc_sys"`
	OtherSys     uint64 `json:"other_sys"`
	BuckHashSys  uint64 `json:"buckhash_sys"`
	Sys          uint64 `json:"sys"`
	NumGC        uint32 `json:"num_gc"`
	Goroutines   int    `json:"goroutines"`
}

// BroadcastReply is the body of POST /control/broadcast, sent when the
// broadcast run ends.
type BroadcastReply struct {
	Sent    int64   `json:"sent"`    // broadcasts emitted
	Seconds float64 `json:"seconds"` // how long the run took
}

// Broadcast payloads carry the send time (CLOCK_MONOTONIC ns) and a
// sequence number, padded to a fixed size:
//
//	Socket.IO packet:  42["bcast",<ts>,<seq>,"xxx…"]
//	raw message:       b,<ts>,<seq>,xxx…
const (
	SIOBroadcastPrefix = `42["bcast",`
	RawBroadcastPrefix = `b,`
	// RawCredit starts the raw client's "broadcasts done" message:
	// "!d<n>". Any other raw message is echoed.
	RawCredit = "!d"
)

// PadLen is the padding that makes a broadcast of ts and seq exactly size
// bytes, given the bytes the framing adds around the two numbers and the
// pad (at least 1).
func PadLen(size, framing int, ts, seq int64) int {
	n := size - framing - digits(ts) - digits(seq)
	return max(n, 1)
}

// SIOFraming is what 42["bcast",<ts>,<seq>,"<pad>"] adds to the numbers
// and the pad.
const SIOFraming = len(SIOBroadcastPrefix) + len(`,`) + len(`,"`) + len(`"]`)

// RawFraming is what b,<ts>,<seq>,<pad> adds.
const RawFraming = len(RawBroadcastPrefix) + 2

func digits(v int64) int { return len(strconv.FormatInt(v, 10)) }

// Pad returns n filler bytes.
func Pad(n int) string {
	if n <= len(filler) {
		return filler[:n]
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = 'x'
	}
	return string(b)
}

const filler = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

// ParseTwoInts reads "<a>,<b>" at the start of b (after a prefix): the
// broadcast timestamp and sequence number.
func ParseTwoInts(b []byte) (a, c int64, ok bool) {
	i := 0
	a, i, ok = parseInt(b, i)
	if !ok || i >= len(b) || b[i] != ',' {
		return 0, 0, false
	}
	c, _, ok = parseInt(b, i+1)
	return a, c, ok
}

func parseInt(b []byte, i int) (int64, int, bool) {
	start := i
	var v int64
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		v = v*10 + int64(b[i]-'0')
		i++
	}
	return v, i, i > start
}
