package socketio

import (
	"sync"
	"sync/atomic"
	"time"
)

// workerLinger is how long an idle handler worker lingers before it exits
// (about one to two lingers after its last packet, at least minScanGap). A busy connection
// keeps its worker, and the worker its grown stack: a new goroutine per
// burst would copy its stack as it grows (2→4→8 KiB) every time, about a
// tenth of the CPU of a small ack at 1,000 clients with a 20 ms linger.
// An idle connection holds no goroutine.
const workerLinger = 50 * time.Millisecond

// worker is the reaper's view of one running handler worker (client.work).
type worker struct {
	wake  chan struct{} // the worker's wake channel (capacity 1)
	state atomic.Int32  // workerActive, workerIdle or workerQuit
	index int           // position in workerSet.live; guarded by workerSet.mu
}

// A worker's state moves on at each reaper scan, from active to idle and
// from idle to quit, by compare-and-swap; the worker sets it back to active
// with every packet it takes. A packet taken at any moment therefore
// cancels a quit not yet acted on, and quit needs two scans (at least
// minScanGap apart) with no packet in between.
const (
	workerActive int32 = iota
	workerIdle
	workerQuit
)

// workerSet is the process-wide list of running handler workers and the
// reaper that retires the idle ones: one ticker for every worker instead
// of a timer per worker. The reaper goroutine runs only while some worker
// does.
type workerSet struct {
	mu      sync.Mutex
	live    []*worker
	reaping bool // the reaper goroutine runs
}

var workers workerSet

func (s *workerSet) add(w *worker) {
	s.mu.Lock()
	w.index = len(s.live)
	s.live = append(s.live, w)
	if !s.reaping {
		s.reaping = true
		go s.reap()
	}
	s.mu.Unlock()
}

func (s *workerSet) remove(w *worker) {
	s.mu.Lock()
	s.live = removeAt(s.live, w.index, func(m *worker, i int) { m.index = i })
	s.mu.Unlock()
}

// removeAt removes the element at i of a list whose elements know their
// position, by moving the last one into its place (setIndex tells it its
// new position), and gives back the storage of a past burst.
func removeAt[T any](live []T, i int, setIndex func(T, int)) []T {
	last := len(live) - 1
	moved := live[last]
	live[i] = moved
	setIndex(moved, i)
	var zero T
	live[last] = zero
	live = live[:last]
	if cap(live) > 64 && len(live) < cap(live)/4 {
		live = append([]T(nil), live...)
	}
	return live
}

// minScanGap is the least time between two scans: a tick read late (the
// reaper was delayed) is not followed by a scan right after it, so a worker
// lingers at least this long after its last packet. A little under
// workerLinger, so that ordinary scheduling jitter does not skip a tick.
const minScanGap = workerLinger * 9 / 10

// reap scans the workers once per workerLinger and tells those idle since
// the previous scan to exit, which they do once nothing is pending. The
// reaper exits when no worker is left.
func (s *workerSet) reap() {
	t := time.NewTicker(workerLinger)
	defer t.Stop()
	last := time.Now()
	for range t.C {
		now := time.Now()
		if now.Sub(last) < minScanGap {
			continue
		}
		last = now
		s.mu.Lock()
		if len(s.live) == 0 {
			s.reaping = false
			s.mu.Unlock()
			return
		}
		for _, w := range s.live {
			if w.state.CompareAndSwap(workerActive, workerIdle) {
				continue
			}
			if w.state.CompareAndSwap(workerIdle, workerQuit) {
				select {
				case w.wake <- struct{}{}:
				default:
				}
			}
		}
		s.mu.Unlock()
	}
}
