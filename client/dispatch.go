package client

import (
	"log"
	"sync"
)

// dispatcher runs the user's code of one Manager — event handlers, ack
// callbacks, connection events — one call at a time, in the order the
// events happened, on a goroutine that exists only while there is work
// (the JS client's single thread, without making the network wait for
// handlers).
//
// What the server sends is bounded: remote tasks (events, ack callbacks)
// count against a soft limit, past which pushRemote blocks the reading
// goroutine until the handlers catch up, and a hard limit (4× the soft
// one), which applies instead while an EmitWithAck is waiting: its ack may
// sit behind the events that would otherwise wait. Local tasks (connect,
// disconnect and manager events) are bounded by the state changes that
// produce them and never wait.
//
// Safe for concurrent use.
type dispatcher struct {
	gor                 *tracker
	soft, hard          int   // remote tasks; 0: no limit
	softBytes, hardByte int64 // remote bytes; 0: no limit

	mu       sync.Mutex
	q        []task        // guarded by mu
	count    int           // remote tasks in q; guarded by mu
	bytes    int64         // their sizes; guarded by mu
	running  bool          // a goroutine drains q; guarded by mu
	awaiting int           // EmitWithAck calls waiting; guarded by mu
	room     chan struct{} // closed when room may have appeared; guarded by mu
}

type task struct {
	fn     func()
	remote bool
	size   int64
}

func newDispatcher(gor *tracker, c *config) *dispatcher {
	return &dispatcher{gor: gor, soft: c.maxPending, hard: c.hardPending,
		softBytes: c.maxPendingB, hardByte: c.hardPendingB}
}

// push queues a local task; it never blocks.
func (d *dispatcher) push(fn func()) {
	d.mu.Lock()
	d.q = append(d.q, task{fn: fn})
	d.startLocked()
	d.mu.Unlock()
}

// pushResult is what pushRemote did with a task.
type pushResult int

const (
	pushed   pushResult = iota
	stopped             // done was closed while waiting: the task was dropped
	overflow            // the hard limit was reached: the task was dropped
)

// pushRemote queues a task fed by the server, waiting for room while the
// soft limit is reached. hold and release bracket any wait (the engine's
// heartbeat pauses meanwhile). It gives up when done is closed.
func (d *dispatcher) pushRemote(done <-chan struct{}, size int64, fn func(), hold, release func()) pushResult {
	held := false
	defer func() {
		if held {
			release()
		}
	}()
	for {
		d.mu.Lock()
		switch {
		case d.count == 0 || (!over(d.count+1, d.soft) && !over64(d.bytes+size, d.softBytes)):
		case d.awaiting > 0 && !over(d.count+1, d.hard) && !over64(d.bytes+size, d.hardByte):
		case d.awaiting > 0:
			d.mu.Unlock()
			return overflow
		default:
			if d.room == nil {
				d.room = make(chan struct{})
			}
			room := d.room
			d.mu.Unlock()
			if !held {
				held = true
				hold()
			}
			select {
			case <-room:
				continue
			case <-done:
				return stopped
			}
		}
		d.q = append(d.q, task{fn: fn, remote: true, size: size})
		d.count++
		d.bytes += size
		d.startLocked()
		d.mu.Unlock()
		return pushed
	}
}

func over(n, limit int) bool     { return limit > 0 && n > limit }
func over64(n, limit int64) bool { return limit > 0 && n > limit }

// await marks an EmitWithAck as waiting (+1) or done (-1). A reader
// waiting for room re-evaluates the limits.
func (d *dispatcher) await(delta int) {
	d.mu.Lock()
	d.awaiting += delta
	d.wakeLocked()
	d.mu.Unlock()
}

func (d *dispatcher) wakeLocked() {
	if d.room != nil {
		close(d.room)
		d.room = nil
	}
}

func (d *dispatcher) startLocked() {
	if !d.running {
		d.running = true
		d.gor.Go(d.run)
	}
}

func (d *dispatcher) run() {
	for {
		d.mu.Lock()
		if len(d.q) == 0 {
			d.running = false
			d.q = nil // a burst's backing array is not kept
			d.mu.Unlock()
			return
		}
		t := d.q[0]
		d.q[0] = task{}
		d.q = d.q[1:]
		if t.remote {
			d.count--
			d.bytes -= t.size
			d.wakeLocked()
		}
		d.mu.Unlock()
		d.call(t.fn)
	}
}

// call runs fn; the tasks recover their user code's panics themselves
// (and report them), so a panic here is a bug of this package: it is
// logged and the dispatcher goes on.
func (d *dispatcher) call(fn func()) {
	defer func() {
		if v := recover(); v != nil {
			log.Printf("socketio client: panic in dispatched task: %v", v)
		}
	}()
	fn()
}
