package socketio

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/session"
)

// Handlers on the reading goroutine.
//
// A packet that finds its client with nothing pending and no worker is
// handled right on the goroutine that read it, when that goroutine is a
// WebSocket's reader (session.Session.OnReader): the common case of a
// client that waits for each answer then costs one goroutine wake-up per
// packet instead of two, and touches one stack instead of two (7–25 %
// more acks per server CPU-second at 1,000 clients, measured side by side
// with the worker-only code; no difference at 100).
//
// The reading must still never wait long on a handler: pongs, acks and the
// client's going away are read while a handler blocks. So the reading is
// handed to a new goroutine (session.Session.HandOffReading)
//
//   - when the handler has run for its budget (the inline watchdog
//     below checks every inlineTick), and
//   - at once when a socket of the client starts awaiting an ack (addAck):
//     the answer comes through the reading.
//
// The goroutine inside the handler then becomes the client's worker: it
// handles, in order, whatever the new reader queued meanwhile, and leaves
// as any worker does. Packets are handled one at a time and in order
// either way.

// inlineTick is the inline watchdog's period: a handler running on its
// reading goroutine keeps the reading for at least one tick and at most
// about two (inlineBudgetTicks) before it is handed off.
const inlineTick = 5 * time.Millisecond

// inlineBudgetTicks is how many watchdog ticks apart a handler's start
// and a scan must be for the scan to hand its reading off: at most
// inlineBudgetTicks*inlineTick (10 ms) of reading kept, give or take the
// watchdog's scheduling.
const inlineBudgetTicks = 2

// inlineRun is the watchdog's view of one handler running on its reading
// goroutine: which client, which run, since which tick.
type inlineRun struct {
	index int32  // position in inlineSet.live
	run   uint32 // the client's inline run number
	since uint32 // inlineSet.tick when it started (wrapping: compared by difference)
}

// inlineSet is the process-wide list of handlers running on reading
// goroutines, and the watchdog that hands their reading off when they run
// long. The watchdog goroutine runs only while handlers run inline, and a
// few ticks after.
type inlineSet struct {
	mu       sync.Mutex
	live     []*client
	tick     uint32 // guarded by mu; the watchdog's tick count
	watching bool   // guarded by mu; the watchdog goroutine runs
}

var inlineRuns inlineSet

func (s *inlineSet) add(c *client, run uint32) {
	s.mu.Lock()
	c.watch = inlineRun{index: int32(len(s.live)), run: run, since: s.tick}
	s.live = append(s.live, c)
	if !s.watching {
		s.watching = true
		go s.watchdog()
	}
	s.mu.Unlock()
}

func (s *inlineSet) remove(c *client) {
	s.mu.Lock()
	s.live = removeAt(s.live, int(c.watch.index), func(m *client, i int) { m.watch.index = int32(i) })
	s.mu.Unlock()
}

// inlineLinger is how many ticks without an inline handler the watchdog
// waits before it exits: a busy server keeps it instead of starting one
// per burst.
const inlineLinger = 20

// watchdog hands off the reading of every handler that has run for a
// whole tick or more, once per tick.
func (s *inlineSet) watchdog() {
	t := time.NewTicker(inlineTick)
	defer t.Stop()
	type overdue struct {
		c   *client
		run uint32
	}
	var late []overdue
	quiet := 0
	for range t.C {
		s.mu.Lock()
		s.tick++
		if len(s.live) == 0 {
			if quiet++; quiet >= inlineLinger {
				s.watching = false
				s.mu.Unlock()
				return
			}
		} else {
			quiet = 0
		}
		for _, c := range s.live {
			if s.tick-c.watch.since >= inlineBudgetTicks && !testHookWatchdogOff.Load() {
				late = append(late, overdue{c, c.watch.run})
			}
		}
		s.mu.Unlock()
		// Not under mu: handOff takes the client's qmu and the session's
		// locks, and mu is best kept a leaf.
		for _, o := range late {
			o.c.handOff(o.run)
		}
		clear(late)
		late = late[:0]
	}
}

// tryInline handles p on the reading goroutine if the client has nothing
// pending, no worker and a reader that can be handed off, and reports
// whether it did. size is p's input bytes (see charge).
func (c *client) tryInline(p *codec.SocketPacket, size int) bool {
	sess, ok := c.conn.(*session.Session)
	if !ok || !sess.OnReader() {
		return false
	}
	c.qmu.Lock()
	if c.running || len(c.pending) > 0 || c.qclosed {
		c.qmu.Unlock()
		return false
	}
	// This goroutine is the worker for the length of the handler: a
	// packet the reader queues meanwhile (after a hand-off) waits for it.
	c.running = true
	c.inlineCount++
	if c.inlineCount == 0 {
		c.inlineCount = 1 // 0 means none
	}
	run := c.inlineCount
	c.inline = run
	c.qmu.Unlock()
	c.uncharge(size) // as the worker does when it takes a packet

	inlineRuns.add(c, run)
	released := c.handle(p)
	inlineRuns.remove(c)
	if released && p.Type == codec.Event && !c.v3 {
		// A text EVENT only (the JSON decoder recycles no binary one),
		// and not from a v3 client, whose packets v3Namespace rewrites.
		if r, ok := c.dec.(codec.Recycler); ok {
			r.Recycle(p)
		}
	}

	c.qmu.Lock()
	c.inline = 0
	if c.handedOff {
		// The reading went on elsewhere: stay the worker for what it
		// queued (handOff made the wake channel), then leave.
		c.handedOff = false
		wake := c.wake
		c.qmu.Unlock()
		c.work(wake)
		return true
	}
	c.running = false
	if len(c.pending) > 0 {
		// Only the end of the connection can be queued while the
		// reader runs a handler (onClose): a worker handles it.
		c.startLocked()
	}
	c.qmu.Unlock()
	if h := testHookIdle.Load(); h != nil {
		(*h)(c)
	}
	return true
}

// testHookIdle, set by tests only, runs when a client's handling goes
// idle: an inline run ends on its reader, or a worker exits.
var testHookIdle atomic.Pointer[func(*client)]

// testHookWatchdogOff, set by tests only (before any connection), keeps
// the watchdog from handing anything off, so that a test sees the other
// causes alone.
var testHookWatchdogOff atomic.Bool

// handOff moves the reading of the client's session to a new goroutine if
// a handler runs on the reading goroutine now: run 0 for any, else only
// that inline run (the watchdog's, which may have ended meanwhile). The
// goroutine in the handler becomes the worker when the handler returns.
func (c *client) handOff(run uint32) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.inline == 0 || c.handedOff || (run != 0 && c.inline != run) {
		return
	}
	// HandOffReading takes no lock: calling it under qmu is fine.
	if !c.conn.(*session.Session).HandOffReading() {
		return
	}
	c.handedOff = true
	// The wake channel of the worker this run's goroutine is about to
	// become, made before the new reader can queue a packet (it queues
	// under qmu, held here).
	c.wake = make(chan struct{}, 1)
}
