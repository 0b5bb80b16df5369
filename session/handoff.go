package session

import (
	"github.com/gosio/socketio/codec"
)

// Handing off the WebSocket reading.
//
// A message read from a WebSocket is delivered on the reading goroutine.
// A consumer that acts on it right there (the Socket.IO layer runs the
// event handler on it when nothing else is pending: one goroutine and one
// stack per message instead of two) stops the reading while it does; when
// that takes too long, or the consumer is about to wait for something
// only the reading can bring (an ack), it calls HandOffReading: a new
// goroutine reads the WebSocket from then on, and the goroutine inside the
// callback, once the callback returns, leaves without reading again.
//
// Which goroutine reads is told by a generation number: a read loop takes
// the current one when it starts and stops when, after a delivery, the
// number has moved on. A parked reader resumed later takes the current
// number too.

// The hand-off state is one atomic word, Session.hand: the reader's
// generation shifted left by one, and in the low bit whether a delivery
// HandOffReading can free is running on the reader (armed). Only the
// reader arms and disarms it; HandOffReading moves an armed state to the
// next generation. The reader's disarming and a hand-off are both
// compare-and-swaps of the armed state, so exactly one of them happens.

func (s *Session) readerGen() uint64 { return s.hand.Load() >> 1 }

// deliverOnReader delivers one message read by the read loop of
// generation gen, and reports whether that loop is still the reader. It
// is not when a callback handed the reading off: recvMu, which
// serialises deliveries, was then released by HandOffReading for the new
// reader, so it is not released here.
func (s *Session) deliverOnReader(gen uint64, p codec.Packet) bool {
	s.srv.counters.received(&p)
	s.recvMu.Lock()
	s.mu.Lock()
	fns, open := s.onMessage, s.state != stateClosed
	s.mu.Unlock()
	if !open {
		s.recvMu.Unlock()
		return true
	}
	// Only a single callback may be freed: with more, the ones after it
	// would run alongside the next reader's deliveries.
	if len(fns) != 1 {
		deliver(fns, p.Data, p.Binary)
		s.recvMu.Unlock()
		return true
	}
	s.hand.Store(gen<<1 | 1)
	deliver(fns, p.Data, p.Binary)
	if !s.hand.CompareAndSwap(gen<<1|1, gen<<1) {
		return false // handed off
	}
	s.recvMu.Unlock()
	return true
}

// OnReader reports whether the OnMessage callback now running was called
// by the goroutine reading the session's WebSocket, alone (the session
// has no other OnMessage callback), so that HandOffReading can free that
// goroutine. It is meant to be called from inside the callback: a
// consumer that means to do slow work on the reading goroutine checks it
// first, since on long-polling (the request's goroutine) or with other
// callbacks there is no hand-off.
func (s *Session) OnReader() bool { return s.hand.Load()&1 != 0 }

// HandOffReading moves the reading of the session's WebSocket to a new
// goroutine while an OnMessage callback for which OnReader was true is
// still running on the old one, and reports whether it did (false when
// no such callback is running, or its reading was already handed off).
// It may be called from any goroutine. The callback's goroutine, once the
// callback returns, reads no more; messages read meanwhile are delivered
// to the callbacks as usual, so the consumer must be ready for a delivery
// before the callback has returned.
func (s *Session) HandOffReading() bool {
	for {
		v := s.hand.Load()
		if v&1 == 0 {
			return false
		}
		if s.hand.CompareAndSwap(v, (v>>1+1)<<1) {
			break
		}
	}
	s.srv.counters.handOffs.Add(1)
	// Released for the new reader: the callback holding it no longer
	// delivers for this session once it returns (deliverOnReader).
	s.recvMu.Unlock()
	go s.readOn()
	return true
}

// readOn is the new reader after a hand-off. The WebSocket carrying the
// session is the one the old reader read (deliveries come from the read
// loop of s.ws only); it is looked up here rather than by
// HandOffReading, which may be called under its caller's locks.
func (s *Session) readOn() {
	s.mu.Lock()
	ws := s.ws
	s.mu.Unlock()
	if ws != nil {
		s.readLoop(ws)
	}
}
