package session

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/transports"
)

// Deferred writes. A broadcast to N sessions written inline costs N
// write(2) calls per packet, on the broadcaster's goroutine; a burst of M
// packets costs N×M, the same as if no two could share a write. Enqueue
// instead appends to each session's queue and lists the session with one of
// the server's flushers, whose goroutine writes every listed session's
// whole queue in one non-blocking write. While it works through the list
// the broadcaster goes on queueing, so under load one write carries many
// packets; when idle, a packet waits for one goroutine hand-off, not for a
// timer.
//
// Nothing here may wait for a peer: the flusher writes only what a socket
// takes at once (TryWritePackets) and leaves the rest to the session's own
// writer goroutine, so one slow client costs the flusher a failed try, not
// its time. A flusher that falls behind (the CPU is saturated, not the
// peer) is helped by the senders themselves: a sender that finds
// assistAt packets already waiting for the flusher writes that session's
// queue at once, which bounds the queue and passes back-pressure to the
// broadcaster as inline writes did.

// assistAt is the queue length at which a sender writes a session's
// deferred packets itself instead of waiting for its flusher.
const assistAt = 64

// flusher writes the queues of the sessions listed with it, on a goroutine
// that runs only while its list is non-empty.
type flusher struct {
	mu      sync.Mutex
	list    []*Session // guarded by mu
	running bool       // guarded by mu; the goroutine is running
}

// flushers is a server's set: one per processor, so that a broadcast's
// writes spread over the cores as inline writes by several senders did.
type flushers struct {
	set  []flusher
	next atomic.Uint32
}

func newFlushers() *flushers {
	return &flushers{set: make([]flusher, runtime.GOMAXPROCS(0))}
}

// pick returns the flusher of a new session, round robin.
func (fs *flushers) pick() *flusher {
	return &fs.set[int(fs.next.Add(1)-1)%len(fs.set)]
}

// add lists s; the caller has set s.deferred.
func (f *flusher) add(s *Session) {
	f.mu.Lock()
	f.list = append(f.list, s)
	start := !f.running
	f.running = true
	f.mu.Unlock()
	if start {
		go f.run()
	}
}

// run writes the listed sessions until the list stays empty.
func (f *flusher) run() {
	var list []*Session
	var buf []codec.Packet
	for {
		f.mu.Lock()
		if len(f.list) == 0 {
			f.running = false
			f.list = list[:0] // keep one backing array, not two
			f.mu.Unlock()
			return
		}
		list, f.list = f.list, list[:0]
		f.mu.Unlock()
		for i, s := range list {
			buf = s.writeDeferred(buf[:0])
			list[i] = nil
		}
	}
}

// Enqueue queues packets like Send, but never writes on the caller's
// goroutine: the session's flusher writes them soon after, together with
// whatever else has been queued for the session by then. Broadcasts use
// it, so that a burst to many sessions costs about one write per session
// per flush rather than one per packet per session. A sender that finds
// the flusher far behind writes the session's queue itself (see assistAt).
// Its contract is otherwise Send's.
func (s *Session) Enqueue(pkts ...codec.Packet) error {
	n, err := s.admit(pkts)
	if err != nil {
		return err
	}
	s.queue = append(s.queue, pkts...)
	s.queueBytes += n
	switch {
	case !s.onWebSocketLocked() || s.flushing || s.writing || s.wsRest:
		// Polling, an upgrade, or a writer already at work: it takes the
		// queue as Send's packets (a running inline write kicks the writer
		// when done).
		s.kickLocked()
	case s.deferred && len(s.queue) >= assistAt:
		s.writeQueue() // releases mu
		return nil
	case !s.deferred:
		s.deferred = true
		s.mu.Unlock()
		s.fl.add(s)
		return nil
	}
	s.mu.Unlock()
	return nil
}

// EnqueueVolatile is SendVolatile for Enqueue: the packets are dropped
// (false) unless the session could write them at once, where packets
// waiting only for the flusher do not count as a backlog. A socket that
// could not take all of an earlier write (the peer is behind) drops them.
func (s *Session) EnqueueVolatile(pkts ...codec.Packet) bool {
	s.mu.Lock()
	if s.state != stateOpen || s.upgrading || s.writing || s.wsRest ||
		(len(s.queue) > 0 && !s.deferred) {
		s.mu.Unlock()
		return false
	}
	s.mu.Unlock()
	return s.Enqueue(pkts...) == nil
}

// writeDeferred is the flusher's part: it writes s's queue unless someone
// else is about to, using buf for the batch, and returns buf.
func (s *Session) writeDeferred(buf []codec.Packet) []codec.Packet {
	s.mu.Lock()
	if !s.deferred {
		s.mu.Unlock() // an assisting sender wrote it, and it was listed again
		return buf
	}
	s.deferred = false
	if s.state == stateClosed || !s.onWebSocketLocked() || s.flushing || s.writing {
		// Closed, or another writer is on it and drains the queue.
		s.mu.Unlock()
		return buf
	}
	if s.wsRest || s.state == stateClosing {
		s.kickLocked() // the writer writes the leftover first, or closes after the queue
		s.mu.Unlock()
		return buf
	}
	batch := s.takeLocked(buf)
	if len(batch) == 0 {
		s.mu.Unlock()
		return buf
	}
	s.writeTaken(batch) // releases mu
	clear(batch)
	return batch
}

// writeQueue writes the whole queue without blocking; mu is held by the
// caller, is released, and nothing else writes (see Enqueue).
func (s *Session) writeQueue() {
	s.deferred = false // its listing with the flusher is now void
	batch := s.takeLocked(nil)
	s.writeTaken(batch)
}

// onWebSocketLocked reports whether the session's packets go out on its
// WebSocket now (not polling, not mid-upgrade).
func (s *Session) onWebSocketLocked() bool {
	return s.ws != nil && s.transport == transports.NameWebSocket
}
