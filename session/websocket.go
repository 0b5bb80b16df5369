package session

import (
	"errors"
	"net/http"
	"time"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/transports"
)

// onPacket acts on one packet from the client, whatever the transport.
func (s *Session) onPacket(p codec.Packet) {
	switch p.Type {
	case codec.PacketMessage:
		s.srv.counters.received(&p)
		s.recvMu.Lock()
		s.mu.Lock()
		fns, open := s.onMessage, s.state != stateClosed
		s.mu.Unlock()
		if open {
			deliver(fns, p.Data, p.Binary)
		}
		s.recvMu.Unlock()
	case codec.PacketPong:
		if s.v3 {
			// v3 clients ping, servers pong.
			s.closeNow(ReasonTransportError, errPingDirection, true)
			return
		}
		s.onPong()
	case codec.PacketClose:
		s.closeNow(ReasonTransportClose, nil, false)
	case codec.PacketPing:
		if s.v3 {
			s.onClientPing()
			return
		}
		// v4 servers ping, clients pong; a client ping is a protocol error.
		s.closeNow(ReasonTransportError, errPingDirection, true)
	}
	// open, upgrade and noop from the client are ignored, as the reference
	// server does.
}

// deliver calls the OnMessage callbacks fns with one message. Each owns
// the bytes it gets (see OnMessage): the first gets data itself, the
// others copies made before any call, since the first may already be
// modifying its bytes on another goroutine when the next is called. data
// is capped at its length: in a polling payload it shares its array with
// the packets after it, which an append must not overwrite.
func deliver(fns []func([]byte, bool), data []byte, binary bool) {
	data = data[:len(data):len(data)]
	switch len(fns) {
	case 0:
		return
	case 1:
		fns[0](data, binary)
		return
	}
	copies := make([][]byte, len(fns)-1)
	for i := range copies {
		copies[i] = append(make([]byte, 0, len(data)), data...)
	}
	fns[0](data, binary)
	for i, fn := range fns[1:] {
		fn(copies[i], binary)
	}
}

// readLoop reads the WebSocket carrying the session until it fails, on a
// goroutine of its own (the HTTP request that opened it has returned).
//
// An idle connection may be parked (transports.WebSocket.ParkWhenIdle):
// readLoop then returns and runs again on a new goroutine when bytes
// arrive.
//
// A callback may hand the reading off to a new goroutine (handoff.go):
// readLoop then returns once the callback has.
//
// A reader starts with a small stack; once it has delivered busyAfter
// messages without parking, it goes on reading from below a stack floor
// (see stackFloor), on the same goroutine.
func (s *Session) readLoop(ws *transports.WebSocket) {
	if s.read(ws, busyAfter) {
		s.readBusy(ws)
	}
}

// readBusy is readLoop for a busy connection: the same reading, above
// stackFloor bytes of this frame.
func (s *Session) readBusy(ws *transports.WebSocket) {
	var floor [stackFloor]byte
	keepStack(&floor)
	s.read(ws, 0)
}

// read reads and delivers until the reading ends, parks or is handed
// off. With limit > 0 it returns true instead once it has delivered limit
// messages: the reading is then still this goroutine's, to go on with.
func (s *Session) read(ws *transports.WebSocket, limit int) (busy bool) {
	gen := s.readerGen()
	n := 0
	err := ws.ReadPackets(func(p codec.Packet) bool {
		if p.Type != codec.PacketMessage {
			s.onPacket(p)
			return true
		}
		if !s.deliverOnReader(gen, p) {
			return false // handed off
		}
		if n++; n == limit {
			busy = true
			return false // ReadPackets returns; nobody else reads
		}
		return true
	})
	switch {
	case busy:
	case err == transports.ErrParked:
		s.parked.Add(1) // the resume below may have run already
	case err != nil:
		s.closeNow(readErrorReason(err), err, true)
	}
	return busy
}

// startReading starts the goroutine reading ws for the session, on a
// goroutine of its own so that the request's goroutine ends and net/http
// lets go of its per-connection buffers (8 KB) and stack.
func (s *Session) startReading(ws *transports.WebSocket) {
	if d := s.srv.cfg.idleParkAfter; d > 0 {
		ws.ParkWhenIdle(d, func() {
			s.parked.Add(-1)
			s.readLoop(ws)
		})
	}
	go s.readLoop(ws)
}

func readErrorReason(err error) string {
	switch {
	case errors.Is(err, codec.ErrInvalidPacket):
		return ReasonParseError
	case transports.IsPeerClose(err):
		return ReasonTransportClose
	}
	return ReasonTransportError
}

// writerLinger is how long an idle WebSocket writer waits for more packets
// before it exits.
const writerLinger = 20 * time.Millisecond

// flush is the WebSocket writer: it runs while the queue has packets and
// exits once it has been empty for writerLinger, so an idle session has no
// writer goroutine. It shares the connection with inline writes by Send
// (writeTaken), and with the flusher (writeDeferred): whoever sets writing owns the connection until it clears
// it.
func (s *Session) flush(ws *transports.WebSocket) {
	var batch []codec.Packet
	var idle *time.Timer
	wake := s.flushWake // set by kickLocked before it started this writer
	defer func() {
		if idle != nil {
			idle.Stop()
		}
	}()
	// wait lingers until woken or writerLinger passes: a busy session
	// keeps its writer (and its grown stack) instead of starting one per
	// burst. It reports whether the linger ran out.
	wait := func() bool {
		if idle == nil {
			idle = time.NewTimer(writerLinger)
		} else {
			idle.Reset(writerLinger)
		}
		select {
		case <-wake:
			return false
		case <-idle.C:
			return true
		}
	}
	lingered, mine := false, false
	for {
		s.mu.Lock()
		if mine {
			s.writing, mine = false, false
		}
		if s.writing && s.state != stateClosed {
			// An inline Send is writing; it kicks this writer if it
			// leaves anything behind.
			s.mu.Unlock()
			wait()
			continue
		}
		rest := s.wsRest
		s.wsRest = false
		batch = s.takeLocked(batch[:0])
		if (len(batch) == 0 && !rest) || s.state == stateClosed {
			closing, reason := s.state == stateClosing, s.closeReason
			if lingered || closing || s.state == stateClosed {
				s.flushing = false
				// An idle session keeps no wake channel (about 100
				// bytes); the next writer gets a new one.
				s.flushWake = nil
				s.mu.Unlock()
				if closing {
					s.closeNow(reason, nil, true)
				}
				return
			}
			s.mu.Unlock()
			lingered = wait()
			continue
		}
		lingered = false
		s.writing, mine = true, true
		s.mu.Unlock()
		s.srv.counters.sent(batch)
		err := ws.WritePackets(batch)
		clear(batch)
		if err != nil {
			s.closeNow(ReasonTransportError, err, true)
			s.mu.Lock()
			s.writing = false
			s.flushing = false
			s.flushWake = nil
			s.mu.Unlock()
			return
		}
	}
}

// serveUpgrade takes a WebSocket opened to upgrade a polling session: the
// client sends "2probe", gets "3probe", pauses polling (its pending GET is
// released with a noop) and sends "5"; from then on the WebSocket carries
// the session and the queue, untouched while upgrading, is flushed on it,
// so nothing is lost or reordered. Anything else, or no "5" within
// UpgradeTimeout, closes the WebSocket and leaves the session on polling.
func (s *Session) serveUpgrade(w http.ResponseWriter, r *http.Request) {
	if !s.srv.cfg.upgrades {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "")
		return
	}
	ws, err := transports.Upgrade(w, r, s.srv.cfg.wsConfigFor(s.maxPayload))
	if err != nil {
		return
	}
	if s.v3 {
		ws.SetV3(r.URL.Query().Get("b64") != "")
	}
	s.mu.Lock()
	if s.state != stateOpen || s.transport != transports.NamePolling || s.probe != nil {
		// Already upgraded or upgrading: like the reference server, accept
		// the WebSocket and close it at once; the session is untouched.
		s.mu.Unlock()
		ws.Close(transports.ClosePolicy, "")
		return
	}
	s.probe = ws
	s.mu.Unlock()

	if s.probeUpgrade(ws) {
		s.startReading(ws)
		return
	}
	s.mu.Lock()
	if s.probe == ws {
		s.probe = nil
		s.upgrading = false
	}
	s.mu.Unlock()
	ws.Close(transports.ClosePolicy, "")
}

// probeUpgrade runs the upgrade handshake on ws and reports whether the
// session moved onto it.
func (s *Session) probeUpgrade(ws *transports.WebSocket) bool {
	_ = ws.SetReadDeadline(time.Now().Add(s.srv.cfg.upgradeTimeout))
	for {
		p, err := ws.ReadPacket()
		if err != nil {
			return false
		}
		switch {
		case p.Type == codec.PacketPing && string(p.Data) == "probe":
			if err := ws.WritePackets([]codec.Packet{{Type: codec.PacketPong, Data: []byte("probe")}}); err != nil {
				return false
			}
			s.mu.Lock()
			s.upgrading = s.state == stateOpen
			s.kickLocked() // release a pending GET with a noop
			s.mu.Unlock()
		case p.Type == codec.PacketUpgrade:
			s.mu.Lock()
			if !s.upgrading || s.state == stateClosed {
				s.mu.Unlock()
				return false
			}
			s.upgrading = false
			s.probe = nil
			s.ws = ws
			s.kickLocked() // release a GET that slipped in, with a noop
			s.transport = transports.NameWebSocket
			s.kickLocked() // flush whatever waited during the upgrade
			// Under mu, as closeNow reads the transport under it: the
			// gauges move once, to one side.
			c := &s.srv.counters
			c.openPolling.Add(-1)
			c.openWebSocket.Add(1)
			c.upgrades.Add(1)
			s.mu.Unlock()
			s.srv.logUpgraded(s)
			_ = ws.SetReadDeadline(time.Time{})
			return true
		default:
			return false
		}
	}
}

// stackFloor is stack space a busy reader holds below its wait for bytes.
//
// The Go runtime halves a goroutine's stack at a garbage collection when
// less than a quarter of it is in use, and grows it back (a copy) when a
// call needs more. Waiting for bytes, a reader uses about 1 KiB of stack;
// delivering a message to an inline handler that sends its ack takes it
// to between 4 and 8 KiB (the growth happened in the JSON encoder). With
// about ten collections a second at 1,000 busy clients, every reader's
// stack was halved and grown back each time: 3.4 % of the server's CPU in
// stack copies (pprof of the 1,000-client ack benchmark). With this much
// more in use while waiting, an 8 KiB stack is never under a quarter
// used: the copies went away, and acks per server CPU-second rose by
// about 4 % (docs/architecture.md, "The reader's stack"). Between the
// 1 KiB that sufficed and the 2.5 KiB still below the 8 KiB boundary in
// that benchmark, 1.5 KiB leaves room on both sides.
//
// Only busy readers hold it (busyAfter): on every reader, it kept the
// stacks of the readers of new, idle connections at 8 KiB until they
// parked, and the server's RSS 15 s after connecting 10,000 idle clients
// rose from 11.9–12.5 KiB to 15.0–15.4 KiB per client.
const stackFloor = 1536

// busyAfter is how many messages a reader delivers before it holds
// stackFloor: more than a new connection's CONNECT and first events.
const busyAfter = 16

// keepStack keeps floor on the stack; not inlined, so that the array is
// not optimised away, and not escaping, so that it is not on the heap.
//
//go:noinline
func keepStack(*[stackFloor]byte) {}
