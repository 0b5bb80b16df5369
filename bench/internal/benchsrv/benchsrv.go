//go:build linux

// Package benchsrv is the control plane shared by the Go bench servers
// (ours and raw): the broadcast driver with its credit window, and the
// memory report. The Node server (bench/node/server.js) implements the
// same endpoints.
package benchsrv

import (
	"encoding/json"
	"net/http"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/socketio/bench/internal/proc"
	"github.com/gosio/socketio/bench/internal/proto"
)

// RaiseFileLimit raises RLIMIT_NOFILE as far as this process may.
func RaiseFileLimit() uint64 { return proc.RaiseFileLimit() }

// Credits paces an as-fast-as-possible broadcast run: each broadcast takes
// a credit, and the load generator returns one when every client has
// received a broadcast, so at most window broadcasts are in flight and no
// client's queue grows without bound.
type Credits struct {
	seq atomic.Int64
	mu  sync.Mutex
	ch  chan struct{} // the current run's credits; nil outside a max-rate run
	run sync.Mutex    // one broadcast run at a time
}

// NewCredits returns an idle credit pool.
func NewCredits() *Credits { return &Credits{} }

// NextSeq numbers broadcasts, from 1.
func (c *Credits) NextSeq() int64 { return c.seq.Add(1) }

// Release returns n credits to the running max-rate broadcast, if any.
func (c *Credits) Release(n int) {
	c.mu.Lock()
	ch := c.ch
	c.mu.Unlock()
	if ch == nil {
		return
	}
	for range n {
		select {
		case ch <- struct{}{}:
		default:
			return
		}
	}
}

// BroadcastHandler serves POST /control/broadcast?rate=&size=&duration=&window=:
// it calls bcast(size) rate times a second (rate 0: whenever a credit is
// available, window credits at first) for duration, then answers with a
// proto.BroadcastReply.
func BroadcastHandler(c *Credits, bcast func(size int)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		rate, _ := strconv.ParseFloat(q.Get("rate"), 64)
		size := atoiOr(q.Get("size"), 100)
		window := atoiOr(q.Get("window"), 8)
		dur, err := time.ParseDuration(q.Get("duration"))
		if err != nil || dur <= 0 {
			dur = 10 * time.Second
		}
		if !c.run.TryLock() {
			http.Error(w, "a broadcast run is in progress", http.StatusConflict)
			return
		}
		defer c.run.Unlock()

		start := time.Now()
		deadline := time.NewTimer(dur)
		defer deadline.Stop()
		var sent int64
		if rate > 0 {
			t := time.NewTicker(time.Duration(float64(time.Second) / rate))
		fixed:
			for {
				select {
				case <-t.C:
					bcast(size)
					sent++
				case <-deadline.C:
					break fixed
				}
			}
			t.Stop()
		} else {
			ch := make(chan struct{}, window)
			for range window {
				ch <- struct{}{}
			}
			c.mu.Lock()
			c.ch = ch
			c.mu.Unlock()
		max:
			for {
				select {
				case <-ch:
					bcast(size)
					sent++
				case <-deadline.C:
					break max
				}
			}
			c.mu.Lock()
			c.ch = nil
			c.mu.Unlock()
		}
		writeJSON(w, proto.BroadcastReply{Sent: sent, Seconds: time.Since(start).Seconds()})
	}
}

// RSSHandler serves GET /control/rss[?gc=1] with a proto.RSSReply; gc=1
// collects garbage and returns free memory to the OS first.
func RSSHandler(conns func() int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("gc") == "1" {
			debug.FreeOSMemory()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		rss, _ := proc.RSS(0)
		writeJSON(w, proto.RSSReply{RSS: rss, Heap: int64(ms.HeapAlloc), Conns: conns(), Go: goMem(&ms)})
	}
}

// goMem breaks the Go runtime's memory down, so that an RSS reading says
// how much is live heap, uncollected garbage, free heap not yet returned
// to the OS, stacks and the rest.
func goMem(ms *runtime.MemStats) *proto.GoMem {
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	var heapLive uint64
	if live[0].Value.Kind() == metrics.KindUint64 {
		heapLive = live[0].Value.Uint64()
	}
	return &proto.GoMem{
		HeapAlloc:    ms.HeapAlloc,
		HeapLive:     heapLive,
		HeapInuse:    ms.HeapInuse,
		HeapFree:     ms.HeapIdle - ms.HeapReleased,
		HeapReleased: ms.HeapReleased,
		HeapGoal:     ms.NextGC,
		StackInuse:   ms.StackInuse,
		StackSys:     ms.StackSys,
		MSpanSys:     ms.MSpanSys,
		MCacheSys:    ms.MCacheSys,
		GCSys:        ms.GCSys,
		OtherSys:     ms.OtherSys,
		BuckHashSys:  ms.BuckHashSys,
		Sys:          ms.Sys,
		NumGC:        ms.NumGC,
		Goroutines:   runtime.NumGoroutine(),
	}
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return n
	}
	return def
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
