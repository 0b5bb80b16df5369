package session

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/wire"
	"github.com/gosio/socketio/transports"
)

type state uint8

const (
	stateOpen    state = iota
	stateClosing       // graceful close: flushing the queue, then closing
	stateClosed
)

// Session is one Engine.IO connection, whichever transport carries it.
//
// Concurrency: all methods are safe for concurrent use. The OnMessage
// callbacks are called from one goroutine at a time, in arrival order;
// each OnClose callback is called exactly once, after the session has left
// the server. Add them from the server's connection callback.
type Session struct {
	id  string
	srv *Server
	// What the session keeps of its handshake request (nil when req was
	// set at the handshake: see newSession), and the request Request
	// returns, made from it by the first call: most sessions never ask
	// for it, and net/http's request with its header map and parsed URL,
	// kept for the session's life, was about a kilobyte of every idle
	// session's memory.
	hreq *handshakeRequest
	req  atomic.Pointer[http.Request]

	maxPayload int64 // set at the handshake; see WithMaxPayload

	// Engine.IO v3 (AllowEIO3), set at the handshake.
	v3         bool   // protocol 3: the client pings, v3 framing
	b64        bool   // polling: the client takes no binary payload (b64 query)
	jsonp      bool   // polling: JSONP (j query)
	jsonpIndex string // digits of the j query

	recvMu sync.Mutex // held while delivering a message: keeps OnMessage serial across transports

	hand atomic.Uint64 // which goroutine reads the WebSocket, and whether it may be handed off (handoff.go)

	mu        sync.Mutex
	state     state                 // guarded by mu
	transport string                // guarded by mu; "polling" or "websocket"
	ws        *transports.WebSocket // guarded by mu; the WebSocket carrying the session, if any
	probe     *transports.WebSocket // guarded by mu; a WebSocket being upgraded to
	upgrading bool                  // guarded by mu; probe answered, waiting for the upgrade packet

	queue      []codec.Packet // guarded by mu; accepted by Send, not yet handed to a transport
	queueBytes int64          // guarded by mu
	pingDue    bool           // guarded by mu; a ping (v3: a pong) goes out ahead of the queue
	flushing   bool           // guarded by mu; a WebSocket writer goroutine is running
	flushWake  chan struct{}  // guarded by mu; capacity 1: wakes a lingering writer; nil while none runs
	writing    bool           // guarded by mu; a batch is being written (by the writer or inline by Send)
	wsRest     bool           // guarded by mu; the WebSocket holds frames an inline write left over
	deferred   bool           // guarded by mu; listed with fl, which writes the queue (see Enqueue)
	fl         *flusher

	// Polling state, guarded by mu.
	getActive  bool
	postActive bool
	wake       chan struct{}    // capacity 1: wakes the pending GET
	getArrived chan struct{}    // closed when a GET arrives; see closeFromPoll
	finalPoll  codec.PacketType // what a pending GET answers once the session is closed

	// Heartbeat, guarded by mu.
	timer        *time.Timer
	timerAt      time.Time // when the timer is due; an earlier (stale) firing re-arms
	awaitingPong bool
	readHeld     int // HoldReading calls not yet released: the pong deadline waits

	closeReason string // guarded by mu; the reason of a graceful close in progress, then (closed) the final reason
	endErr      error  // guarded by mu; set by closeNow with closeReason, for an OnClose added afterwards

	onMessage []func(data []byte, binary bool) // guarded by mu; copied on write (a delivery in progress keeps its list)
	onClose   []func(reason string, err error) // guarded by mu; copied on write
	// done is made by the first Done call (most sessions never have one
	// asked for: about 100 bytes each) and closed once the session has
	// left the server; doneClosed says that point has passed, and then a
	// Done call gets closedChan. Both guarded by mu.
	done       chan struct{}
	doneClosed bool

	// parked is 1 while the WebSocket reader is parked (see readLoop); a
	// resume that runs before the park is counted leaves it at -1 for a
	// moment, hence a count rather than a flag.
	parked atomic.Int32
}

func newSession(srv *Server, id string, r *http.Request, transport string, ws *transports.WebSocket) *Session {
	s := &Session{id: id, srv: srv, transport: transport, ws: ws, fl: srv.flushers.pick()}
	if r.Body != nil && r.Body != http.NoBody {
		// A handshake with a body (the client's GET has none): detached
		// now, so that the session keeps no reference to the body (and
		// the connection's buffers behind it).
		s.req.Store(detachRequest(r))
	} else {
		s.hreq = newHandshakeRequest(r)
	}
	if ws == nil {
		s.wake = make(chan struct{}, 1)
	}
	return s
}

// detachRequest returns a copy of r with no body and a context that is
// not cancelled when the request ends. A shallow copy: the URL and header
// maps are shared with r, not cloned. net/http builds both anew for every
// request and never touches them once the handler has returned, and the
// session only reads them; a deep clone cost every connection about half a
// kilobyte for nothing.
func detachRequest(r *http.Request) *http.Request {
	req := r.WithContext(context.WithoutCancel(r.Context()))
	req.Body = http.NoBody
	req.GetBody = nil
	return req
}

// setV3 makes a new session speak Engine.IO v3, with the options of its
// handshake request r: b64 (no binary payloads or frames) and j (JSONP).
func (s *Session) setV3(r *http.Request, ws *transports.WebSocket) {
	q := r.URL.Query()
	s.v3 = true
	s.b64 = q.Get("b64") != ""
	if ws != nil {
		ws.SetV3(s.b64)
		return
	}
	if j, ok := q["j"]; ok {
		s.jsonp = true
		s.jsonpIndex = wire.JSONPIndex(j[0])
	}
}

// Protocol returns the Engine.IO protocol revision of the session: 4, or 3
// for a client accepted by Options.AllowEIO3.
func (s *Session) Protocol() int {
	if s.v3 {
		return 3
	}
	return 4
}

// ID returns the session id ("sid").
func (s *Session) ID() string { return s.id }

// Request returns the handshake request. Its body is empty and its context
// is not cancelled when the handshake request ends. It must not be
// modified. Every call returns the same request, made by the first one.
func (s *Session) Request() *http.Request {
	if r := s.req.Load(); r != nil {
		return r
	}
	r := s.hreq.request()
	if !s.req.CompareAndSwap(nil, r) {
		return s.req.Load() // another caller's copy of the same request
	}
	return r
}

// Transport returns the name of the transport carrying the session now:
// "polling" or "websocket".
func (s *Session) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transport
}

// Done returns a channel closed once the session is closed.
func (s *Session) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		if s.doneClosed {
			return closedChan
		}
		s.done = make(chan struct{})
	}
	return s.done
}

// closedChan is the Done channel of a session closed before anyone asked
// for it.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// OnMessage adds a function receiving the client's messages: text as
// UTF-8 bytes, binary with binary set. Calls are serial and in order; a
// callback that blocks delays this session's reading (and so its pongs),
// never other sessions. Functions run in the order they were added, each
// on every message delivered after it was added; adding one never removes
// another (the Socket.IO server adds its own: a second one, to count or
// log messages say, runs beside it). A nil fn is ignored.
//
// Each callback owns the data it is given: it may keep it, modify it or
// hand it to another goroutine. The session does not touch it after the
// call, and when several callbacks are added the second and later ones
// get copies, made before the first is called, so what one does with its
// bytes is never seen by another (the Socket.IO server hands binary
// attachments to event handlers as they arrived). A session with one
// callback therefore copies nothing; each further callback costs one
// copy of every message.
func (s *Session) OnMessage(fn func(data []byte, binary bool)) {
	if fn == nil {
		return
	}
	s.mu.Lock()
	s.onMessage = append(s.onMessage[:len(s.onMessage):len(s.onMessage)], fn)
	s.mu.Unlock()
}

// OnClose adds a function called once when the session closes, with the
// reason ("transport close", "transport error", "ping timeout", "parse
// error", "forced close", "server shutting down") and the underlying
// error, if any. Functions added before the session closes run in the
// order they were added; adding one never removes another. A nil fn is
// ignored.
//
// Added after the session has closed (it can close before the server's
// OnConnection callbacks return), fn is called at once, on the caller's
// goroutine, once the session has left the server.
func (s *Session) OnClose(fn func(reason string, err error)) {
	if fn == nil {
		return
	}
	s.mu.Lock()
	if s.state == stateClosed {
		// closeNow took its list of callbacks when it set stateClosed:
		// fn is not in it.
		reason, err := s.closeReason, s.endErr
		s.mu.Unlock()
		<-s.Done() // closeNow is removing it from the server, without blocking
		fn(reason, err)
		return
	}
	s.onClose = append(s.onClose[:len(s.onClose):len(s.onClose)], fn)
	s.mu.Unlock()
}

// SendText queues a text message. Ill-formed UTF-8 in msg is replaced by
// U+FFFD (as a JS string would hold it): a WebSocket client fails the
// connection on a text frame that is not valid UTF-8.
func (s *Session) SendText(msg string) error {
	return s.Send(codec.Packet{Type: codec.PacketMessage, Data: wire.ToValidUTF8([]byte(msg))})
}

// SendBinary queues a binary message. data must not be modified afterwards.
func (s *Session) SendBinary(data []byte) error {
	return s.Send(codec.Packet{Type: codec.PacketMessage, Data: data, Binary: true})
}

// Send queues packets to be written in order, with nothing queued by
// another caller in between; it returns without waiting for the network.
// The data of text packets must be valid UTF-8 (see SendText).
// Packet data is shared, not copied: it must not be modified afterwards.
// The pkts slice itself is not kept: the same slice may be passed to the
// Send of many sessions (a broadcast does).
// It fails with ErrClosed once the session is closing, and with
// ErrQueueFull (closing the session) when the queue limits would be
// exceeded.
func (s *Session) Send(pkts ...codec.Packet) error {
	n, err := s.admit(pkts)
	if err != nil {
		return err
	}
	if s.canWriteInlineLocked() {
		s.writeTaken(pkts)
		return nil
	}
	s.queue = append(s.queue, pkts...)
	s.queueBytes += n
	if !s.deferred {
		s.kickLocked() // else the flusher writes them with the rest
	}
	s.mu.Unlock()
	return nil
}

// admit locks mu and checks that the session takes pkts: it is open and
// its queue limits hold. It returns their size, with mu held, or an error
// without it (closing the session when a limit is broken).
func (s *Session) admit(pkts []codec.Packet) (int64, error) {
	var n int64
	for _, p := range pkts {
		n += int64(len(p.Data)) + 1
	}
	cfg := &s.srv.cfg
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return 0, ErrClosed
	}
	if (cfg.maxPackets > 0 && len(s.queue)+len(pkts) > cfg.maxPackets) ||
		(cfg.maxBytes > 0 && s.queueBytes+n > cfg.maxBytes) {
		s.mu.Unlock()
		s.closeNow(ReasonTransportError, ErrQueueFull, true)
		return 0, ErrQueueFull
	}
	return n, nil
}

// canWriteInlineLocked reports whether Send may write on the caller's
// goroutine: a WebSocket with nothing queued, leftover or being written,
// so that order is kept.
func (s *Session) canWriteInlineLocked() bool {
	return s.onWebSocketLocked() && !s.writing && !s.wsRest && len(s.queue) == 0 && !s.pingDue
}

// writeTaken writes pkts without blocking (see
// transports.WebSocket.TryWritePackets): a small ack or event reaches the
// socket without waking the writer goroutine. Whatever the socket does
// not take at once, and anything queued meanwhile, goes to the writer.
// pkts are not in the queue (Send's own, or taken from it by takeLocked);
// they are put back at its head if not written. It is called with mu held,
// nothing being written, and releases mu.
func (s *Session) writeTaken(pkts []codec.Packet) {
	s.writing = true
	ws := s.ws
	s.mu.Unlock()
	// Counted before the write, so that a client never sees a packet the
	// counters do not show yet; taken back if the socket does not take
	// them (they are counted again when written).
	c := &s.srv.counters
	c.sent(pkts)
	taken, pending, err := ws.TryWritePackets(pkts)
	if !taken {
		c.unsent(pkts)
	}
	s.mu.Lock()
	s.writing = false
	if err != nil {
		s.mu.Unlock()
		s.closeNow(ReasonTransportError, err, true)
		return // accepted, as if queued, then lost with the connection
	}
	if !taken && s.state != stateClosed {
		// Queued ahead of anything sent meanwhile: they were accepted
		// first. Always into a fresh slice: pkts belongs to the caller (a
		// broadcast hands the same slice to every recipient), and
		// takeLocked clears the queue in place once it is taken.
		s.queue = slices.Concat(pkts, s.queue)
		for _, p := range pkts {
			s.queueBytes += int64(len(p.Data)) + 1
		}
	}
	s.wsRest = pending
	if s.wsRest || s.pingDue || s.state == stateClosing || (len(s.queue) > 0 && !s.deferred) {
		s.kickLocked() // (a deferred queue is the flusher's to write)
	}
	s.mu.Unlock()
}

// SendVolatile queues packets only if the session can take them at once:
// it is open, nothing is waiting in its queue or being written, and it is
// not upgrading.
// Otherwise the packets are dropped and it returns false. Volatile events
// (positions, typing indicators) use it: a slow client skips them instead
// of accumulating them.
func (s *Session) SendVolatile(pkts ...codec.Packet) bool {
	s.mu.Lock()
	if s.state != stateOpen || len(s.queue) > 0 || s.upgrading || s.writing {
		s.mu.Unlock()
		return false
	}
	s.mu.Unlock()
	return s.Send(pkts...) == nil
}

// Close closes the session gracefully with reason "forced close": packets
// already queued are written first. It returns immediately.
func (s *Session) Close() error {
	s.closeGracefully(ReasonForcedClose)
	return nil
}

// CloseWithReason closes the session at once with reason, as if the
// Engine.IO layer had found the fault itself: ReasonParseError for input
// the layer above could not decode (the WebSocket is closed with status
// 1002), ReasonTransportError for a limit the client broke. Queued packets
// are dropped. It returns immediately.
func (s *Session) CloseWithReason(reason string, err error) {
	s.end(reason, err, true, reason == ReasonTransportError)
}

// takeLocked moves what is ready to be written into buf: a due ping first,
// then the queue. It returns buf unchanged when nothing is ready.
func (s *Session) takeLocked(buf []codec.Packet) []codec.Packet {
	if s.pingDue {
		s.pingDue = false
		t := codec.PacketPing
		if s.v3 {
			t = codec.PacketPong
		}
		buf = append(buf, codec.Packet{Type: t})
	}
	if len(s.queue) > 0 {
		buf = append(buf, s.queue...)
		clear(s.queue) // drop references so sent data can be collected
		s.queue = s.queue[:0]
		s.queueBytes = 0
	}
	return buf
}

// kickLocked gets queued packets moving: it wakes the pending poll, or
// starts the WebSocket writer if none is running.
func (s *Session) kickLocked() {
	if s.transport == transports.NamePolling {
		select {
		case s.wake <- struct{}{}:
		default:
		}
		return
	}
	if s.ws == nil {
		return
	}
	if !s.flushing {
		s.flushing = true
		if s.flushWake == nil {
			s.flushWake = make(chan struct{}, 1)
		}
		go s.flush(s.ws)
		return
	}
	select {
	case s.flushWake <- struct{}{}:
	default:
	}
}

// closeGracefully flushes what is queued, then closes with reason. On
// polling the client is told with a close packet in its next poll.
func (s *Session) closeGracefully(reason string) {
	s.mu.Lock()
	if s.state != stateOpen {
		s.mu.Unlock()
		return
	}
	s.state = stateClosing
	s.closeReason = reason
	if s.transport == transports.NamePolling {
		// The queue is delivered first, then the close packet in a poll of
		// its own (see poll). Like the reference server, give up on a
		// client that does not come back for it.
		s.armTimerLocked(min(s.srv.cfg.pingTimeout, pollCloseTimeout))
		s.kickLocked()
		s.mu.Unlock()
		return
	}
	if !s.flushing && !s.writing {
		if len(s.queue) > 0 || s.wsRest {
			s.kickLocked() // deferred packets: the writer flushes them, then closes
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		s.closeNow(reason, nil, false)
		return
	}
	// The running writer closes the session once the queue is empty; an
	// inline write in progress starts it when done.
	s.mu.Unlock()
}

// closeNow closes the session at once: the transports are closed, a
// pending poll is answered (with a close packet when serverSide, else a
// noop), the session leaves the server and OnClose runs. Only the first
// call has an effect.
func (s *Session) closeNow(reason string, err error, serverSide bool) {
	s.end(reason, err, serverSide, false)
}

// end is closeNow; limit says the close enforces a limit on the client
// (for the log level, see closeLevel).
func (s *Session) end(reason string, err error, serverSide, limit bool) {
	s.mu.Lock()
	if s.state == stateClosed {
		s.mu.Unlock()
		return
	}
	s.state = stateClosed
	s.finalPoll = codec.PacketNoop
	if serverSide {
		s.finalPoll = codec.PacketClose
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	ws, probe := s.ws, s.probe
	clear(s.queue)
	s.queue, s.queueBytes = nil, 0
	if s.wake != nil {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	if s.flushWake != nil {
		select {
		case s.flushWake <- struct{}{}:
		default:
		}
	}
	onClose := s.onClose
	s.closeReason, s.endErr = reason, err
	transport := s.transport
	s.mu.Unlock()

	c := &s.srv.counters
	c.openGauge(transport).Add(-1)
	c.closed[closeReasonIndex(reason)].Add(1)
	if err == ErrQueueFull {
		c.queueFull.Add(1)
	}
	s.srv.logClosed(s, transport, reason, err, limit)

	code, text := transports.CloseNormal, ""
	if reason == ReasonParseError {
		code, text = transports.CloseProtocolError, reason
	} else if err == transports.ErrMessageTooBig {
		code = transports.CloseTooBig
	}
	if ws != nil {
		ws.Close(code, text)
	}
	if probe != nil {
		probe.Close(transports.CloseNormal, "")
	}
	s.srv.remove(s)
	s.mu.Lock()
	s.doneClosed = true
	if s.done != nil {
		close(s.done)
	}
	s.mu.Unlock()
	for _, fn := range onClose {
		fn(reason, err)
	}
}
