package socketio

import (
	"sync"
	"sync/atomic"
	"time"
)

// workerLinger is how long an idle handler worker lingers before it exits
// (between one and two lingers after its last packet). A busy connection
// keeps its worker, and the worker its grown stack: a new goroutine per
// burst would copy its stack as it grows (2→4→8 KiB) every time, about a
// tenth of the CPU of a small ack at 1,000 clients with a 20 ms linger.
// An idle connection holds no goroutine.
const workerLinger = 50 * time.Millisecond

// worker is the reaper's view of one running handler worker (client.work).
type worker struct {
	wake    chan struct{} // the worker's wake channel (capacity 1)
	handled atomic.Uint64 // packets handled; written by the worker
	quit    atomic.Bool   // set by the reaper: exit once nothing is pending

	// Reaper state, guarded by workerSet.mu.
	index int    // position in workerSet.live
	seen  uint64 // handled at the previous tick
}

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
	last := len(s.live) - 1
	moved := s.live[last]
	s.live[w.index] = moved
	moved.index = w.index
	s.live[last] = nil
	s.live = s.live[:last]
	if cap(s.live) > 64 && len(s.live) < cap(s.live)/4 {
		s.live = append([]*worker(nil), s.live...) // give back the storage of a past burst
	}
	s.mu.Unlock()
}

// reap runs once per workerLinger: a worker that handled nothing during a
// whole tick is told to exit (it does once nothing is pending). The
// reaper exits when no worker is left.
func (s *workerSet) reap() {
	t := time.NewTicker(workerLinger)
	defer t.Stop()
	for range t.C {
		s.mu.Lock()
		if len(s.live) == 0 {
			s.reaping = false
			s.mu.Unlock()
			return
		}
		for _, w := range s.live {
			if n := w.handled.Load(); n != w.seen {
				w.seen = n
				continue
			}
			if !w.quit.Load() {
				w.quit.Store(true)
				select {
				case w.wake <- struct{}{}:
				default:
				}
			}
		}
		s.mu.Unlock()
	}
}
