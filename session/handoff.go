package session

import (
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/transports"
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

// handoff is the session's hand-off state, guarded by its own mutex: a
// leaf lock, taken under the consumer's locks (HandOffReading is called
// from the consumer's bookkeeping) and never the other way round.
type handoff struct {
	gen     uint32                // which read loop is the reader; moved on by HandOffReading
	armed   bool                  // a delivery HandOffReading can free is running on the reader
	readsOn *transports.WebSocket // the WebSocket of the armed delivery
}

func (s *Session) readerGen() uint32 {
	s.handMu.Lock()
	defer s.handMu.Unlock()
	return s.hand.gen
}

// deliverOnReader delivers one message read by the read loop of
// generation gen from ws, and reports whether that loop is still the
// reader. It is not when a callback handed the reading off: recvMu,
// which serialises deliveries, was then released by HandOffReading for
// the new reader, so it is not released here.
func (s *Session) deliverOnReader(ws *transports.WebSocket, gen uint32, p codec.Packet) bool {
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
	if len(fns) == 1 {
		s.handMu.Lock()
		s.hand.armed, s.hand.readsOn = true, ws
		s.handMu.Unlock()
	}
	deliver(fns, p.Data, p.Binary)
	s.handMu.Lock()
	reader := s.hand.gen == gen
	if reader {
		s.hand.armed, s.hand.readsOn = false, nil
	}
	s.handMu.Unlock()
	if reader {
		s.recvMu.Unlock()
	}
	return reader
}

// OnReader reports whether the OnMessage callback now running was called
// by the goroutine reading the session's WebSocket, alone (the session
// has no other OnMessage callback), so that HandOffReading can free that
// goroutine. It is meant to be called from inside the callback: a
// consumer that means to do slow work on the reading goroutine checks it
// first, since on long-polling (the request's goroutine) or with other
// callbacks there is no hand-off.
func (s *Session) OnReader() bool {
	s.handMu.Lock()
	defer s.handMu.Unlock()
	return s.hand.armed
}

// HandOffReading moves the reading of the session's WebSocket to a new
// goroutine while an OnMessage callback for which OnReader was true is
// still running on the old one, and reports whether it did (false when
// no such callback is running, or its reading was already handed off).
// It may be called from any goroutine. The callback's goroutine, once the
// callback returns, reads no more; messages read meanwhile are delivered
// to the callbacks as usual, so the consumer must be ready for a delivery
// before the callback has returned.
func (s *Session) HandOffReading() bool {
	s.handMu.Lock()
	if !s.hand.armed {
		s.handMu.Unlock()
		return false
	}
	ws := s.hand.readsOn
	s.hand.armed, s.hand.readsOn = false, nil
	s.hand.gen++
	s.handMu.Unlock()
	s.srv.counters.handOffs.Add(1)
	// Released for the new reader: the callback holding it no longer
	// delivers for this session once it returns (deliverOnReader).
	s.recvMu.Unlock()
	go s.readLoop(ws)
	return true
}
