package session

import (
	"errors"
	"sync/atomic"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/httpx"
	"github.com/gosio/socketio/transports"
)

// Stats is a snapshot of a Server's counters, returned by Server.Stats.
// Counters (the uint64 fields and the maps' values) only grow for the
// life of the Server; gauges (Open*, Parked) go up and down. The fields are
// read one at a time, without stopping the server: a snapshot taken while
// sessions come and go may be off by those in flight (Opened minus the
// closes need not equal Open at that instant). A Stats is a value the
// caller owns: nothing else refers to its maps.
type Stats struct {
	// Opened counts the sessions opened (handshakes accepted).
	Opened uint64
	// OpenPolling and OpenWebSocket are the sessions open now, by the
	// transport carrying them (a session counts as polling until its
	// upgrade completes).
	OpenPolling, OpenWebSocket int64
	// Upgrades counts polling sessions that moved to WebSocket.
	Upgrades uint64
	// Closed counts closed sessions by close reason: every reason of
	// Session.OnClose has a key ("transport close", "transport error",
	// "ping timeout", "parse error", "forced close", "server shutting
	// down"), zero included. A reason outside that set, given to
	// CloseWithReason, is counted under "other", present only when
	// nonzero.
	Closed map[string]uint64
	// QueueOverflows counts the sessions closed because a Send or Enqueue
	// would have exceeded MaxBufferedPackets or MaxBufferedBytes
	// (ErrQueueFull); they are also in Closed["transport error"].
	QueueOverflows uint64
	// HandshakesRefused counts the requests without a session id that
	// were refused instead of opening a session, by cause; every key is
	// present, zero included:
	//   - "unknown_transport": a transport not allowed (code 0);
	//   - "bad_method": not a GET (code 2);
	//   - "bad_request": a WebSocket handshake that failed, a
	//     "websocket" transport without an upgrade, GenerateID failing
	//     (code 3);
	//   - "forbidden": refused by Options.AllowRequest (403, code 4);
	//   - "unsupported_protocol": Engine.IO 3 without AllowEIO3 (code 5);
	//   - "shutting_down": after Shutdown began (503).
	HandshakesRefused map[string]uint64
	// PacketsIn and PacketsOut count Engine.IO message packets received
	// (once decoded, before OnMessage) and sent (when handed to the
	// transport that writes them, just before the write: a polling
	// response, WebSocket frames); a packet broadcast to many sessions
	// counts once per session. Heartbeats and other control packets are
	// not counted, nor are packets still queued when their session
	// closes; a packet whose write fails is.
	PacketsIn, PacketsOut uint64
	// BytesIn and BytesOut are the data bytes of those packets (a text
	// message's UTF-8 bytes, a binary message's bytes), before framing
	// and compression.
	BytesIn, BytesOut uint64
	// Parked is the number of WebSocket sessions whose reading goroutine
	// is parked now (Options.IdleParkAfter).
	Parked int64
	// ReadHandOffs counts the times a message callback running on a
	// WebSocket's reading goroutine had the reading moved to a new
	// goroutine (Session.HandOffReading): with the Socket.IO layer, an
	// event handler that ran past its inline budget or awaited an ack.
	ReadHandOffs uint64
}

// Close reasons and handshake refusal causes, indexed in counters.
const (
	closeTransportClose = iota
	closeTransportError
	closePingTimeout
	closeParseError
	closeForcedClose
	closeShutdown
	closeOther
	numCloseReasons
)

var closeReasonNames = [numCloseReasons]string{
	closeTransportClose: ReasonTransportClose,
	closeTransportError: ReasonTransportError,
	closePingTimeout:    ReasonPingTimeout,
	closeParseError:     ReasonParseError,
	closeForcedClose:    ReasonForcedClose,
	closeShutdown:       ReasonShutdown,
	closeOther:          "other",
}

func closeReasonIndex(reason string) int {
	switch reason {
	case ReasonTransportClose:
		return closeTransportClose
	case ReasonTransportError:
		return closeTransportError
	case ReasonPingTimeout:
		return closePingTimeout
	case ReasonParseError:
		return closeParseError
	case ReasonForcedClose:
		return closeForcedClose
	case ReasonShutdown:
		return closeShutdown
	}
	return closeOther
}

type refusal uint8

const (
	refusedUnknownTransport refusal = iota
	refusedBadMethod
	refusedBadRequest
	refusedForbidden
	refusedUnsupportedProtocol
	refusedShuttingDown
	numRefusals
)

var refusalNames = [numRefusals]string{
	refusedUnknownTransport:    "unknown_transport",
	refusedBadMethod:           "bad_method",
	refusedBadRequest:          "bad_request",
	refusedForbidden:           "forbidden",
	refusedUnsupportedProtocol: "unsupported_protocol",
	refusedShuttingDown:        "shutting_down",
}

// counters are a Server's statistics, kept with atomic adds where the
// events happen. Those of the packet paths sit on cache lines of their
// own: every session's reader adds to the first pair, every writer to the
// second.
type counters struct {
	packetsIn, bytesIn   atomic.Uint64
	_                    [48]byte
	packetsOut, bytesOut atomic.Uint64
	_                    [48]byte

	opened        atomic.Uint64
	openPolling   atomic.Int64
	openWebSocket atomic.Int64
	upgrades      atomic.Uint64
	queueFull     atomic.Uint64
	handOffs      atomic.Uint64
	closed        [numCloseReasons]atomic.Uint64
	refused       [numRefusals]atomic.Uint64
}

// received counts one message packet read from a client.
func (c *counters) received(p *codec.Packet) {
	c.packetsIn.Add(1)
	c.bytesIn.Add(uint64(len(p.Data)))
}

// sent counts the message packets of a batch handed to a transport, just
// before the write.
func (c *counters) sent(pkts []codec.Packet) {
	if n, b := messages(pkts); n > 0 {
		c.packetsOut.Add(n)
		c.bytesOut.Add(b)
	}
}

// unsent takes back sent(pkts): the transport did not take them.
func (c *counters) unsent(pkts []codec.Packet) {
	if n, b := messages(pkts); n > 0 {
		c.packetsOut.Add(-n)
		c.bytesOut.Add(-b)
	}
}

// messages returns the number of message packets in pkts and their bytes.
func messages(pkts []codec.Packet) (n, bytes uint64) {
	for i := range pkts {
		if pkts[i].Type == codec.PacketMessage {
			n++
			bytes += uint64(len(pkts[i].Data))
		}
	}
	return n, bytes
}

// openGauge returns the gauge of sessions open on transport.
func (c *counters) openGauge(transport string) *atomic.Int64 {
	if transport == transports.NameWebSocket {
		return &c.openWebSocket
	}
	return &c.openPolling
}

// Stats returns a snapshot of the server's counters. It costs a walk of
// the open sessions (for Parked) under the server's read lock: call it
// when metrics are scraped, not per packet.
func (s *Server) Stats() Stats {
	c := &s.counters
	st := Stats{
		Opened:            c.opened.Load(),
		OpenPolling:       c.openPolling.Load(),
		OpenWebSocket:     c.openWebSocket.Load(),
		Upgrades:          c.upgrades.Load(),
		QueueOverflows:    c.queueFull.Load(),
		ReadHandOffs:      c.handOffs.Load(),
		PacketsIn:         c.packetsIn.Load(),
		BytesIn:           c.bytesIn.Load(),
		PacketsOut:        c.packetsOut.Load(),
		BytesOut:          c.bytesOut.Load(),
		Closed:            make(map[string]uint64, numCloseReasons),
		HandshakesRefused: make(map[string]uint64, numRefusals),
	}
	for i := range c.closed {
		if n := c.closed[i].Load(); n > 0 || i != closeOther {
			st.Closed[closeReasonNames[i]] = n
		}
	}
	for i := range c.refused {
		st.HandshakesRefused[refusalNames[i]] = c.refused[i].Load()
	}
	s.mu.RLock()
	for _, sess := range s.sessions {
		if sess.parked.Load() > 0 {
			st.Parked++
		}
	}
	s.mu.RUnlock()
	return st
}

// isLimitError reports whether err is one of the limits the Engine.IO
// layer enforces on a client (logged as warnings).
func isLimitError(err error) bool {
	return err != nil && (errors.Is(err, ErrQueueFull) || errors.Is(err, transports.ErrMessageTooBig) ||
		errors.Is(err, httpx.ErrBodyTooLarge) || errors.Is(err, httpx.ErrBodyTimeout))
}
