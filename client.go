package socketio

import (
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/session"
)

// client is the Socket.IO side of one Engine.IO session: it decodes the
// session's messages into packets and hands them to the namespace
// sockets multiplexed over it.
//
// Packets are handled in order, one at a time: on the WebSocket's reading
// goroutine when nothing else is pending (inline.go, which hands the
// reading to a new goroutine when a handler runs long or awaits an ack),
// else by a worker that runs only while packets are pending (no idle
// goroutine), so a slow handler never stops the session from reading
// pongs for long; the pending list is bounded by MaxPendingPackets and
// MaxPendingBytes and a full list pauses reading (input.go).
type client struct {
	srv  *Server
	conn conn
	dec  codec.Decoder // used by the session's reading goroutine only
	v3   bool          // Socket.IO protocol 4 over Engine.IO 3 (socket.io-client 2.x): see eio3.go

	inPartial bool // reading goroutine only; a binary packet is missing attachments (partial may be nonzero)

	mu sync.Mutex
	// sockets are the joined namespaces' sockets, one per namespace. A
	// client joins one or a few namespaces: a slice searched linearly
	// costs 8 bytes a socket where a map costs a few hundred. The first
	// socket's slot is sock0, inside the client: the usual single socket
	// costs no array of its own, and finding it (every packet) reads no
	// memory beyond the client's (often not in cache when a connection
	// wakes: docs/architecture.md, "Where the ack gap to raw is").
	sockets    []*Socket   // guarded by mu; sock0[:] or a heap array beyond one socket
	sock0      [1]*Socket  // guarded by mu
	connecting int         // guarded by mu; CONNECTs in middleware (0 or 1: see connect)
	closed     bool        // guarded by mu; the session is closing: no new socket may attach
	timer      *time.Timer // guarded by mu; connect timeout

	qmu          sync.Mutex
	qcond        *sync.Cond    // guarded by qmu; signalled when the pending list shrinks or an ack is awaited; nil until a reader first waits
	pending      []item        // guarded by qmu
	pendingBytes int           // guarded by qmu; the input bytes of pending's packets
	partial      int           // guarded by qmu; the input bytes of a binary packet still missing attachments
	qclosed      bool          // guarded by qmu; onClose has run: input is dropped, not counted
	running      bool          // guarded by qmu; the worker goroutine exists
	handedOff    bool          // guarded by qmu; the inline run's reading was handed off: its goroutine becomes the worker
	inline       uint32        // guarded by qmu; the run number of the handler running on the reading goroutine, 0 if none (inline.go)
	inlineCount  uint32        // guarded by qmu; numbers the inline runs (wrapping past 0)
	wake         chan struct{} // guarded by qmu; capacity 1: wakes the lingering worker; nil when there is none
	watch        inlineRun     // guarded by inlineRuns.mu
	attTimer     *time.Timer   // guarded by qmu; AttachmentTimeout of the partial packet; nil until the first binary packet
}

// conn is what a client needs of the connection carrying it: an Engine.IO
// *session.Session, or a Socket.IO 0.6 connection translated by
// legacyConn (legacy06.go). Its methods are Session's, with its contract.
type conn interface {
	OnMessage(fn func(data []byte, binary bool))
	OnClose(fn func(reason string, err error))
	Send(pkts ...codec.Packet) error
	SendVolatile(pkts ...codec.Packet) bool
	Enqueue(pkts ...codec.Packet) error
	EnqueueVolatile(pkts ...codec.Packet) bool
	Close() error
	CloseWithReason(reason string, err error)
	HoldReading() (release func())
	Request() *http.Request
	Protocol() int // the Engine.IO protocol: 4, or 3 (AllowEIO3); 0 for a 0.6 connection
	ID() string    // the connection's id (Engine.IO sid, 0.6 session id)
}

var _ conn = (*session.Session)(nil)

func (s *Server) onEngineConnection(sess *session.Session) { s.newClient(sess) }

// newClient starts the Socket.IO side of a connection.
func (s *Server) newClient(conn conn) *client {
	c := &client{
		srv:  s,
		conn: conn,
		dec:  s.parser.NewDecoder(codec.DecoderLimits{MaxAttachments: s.opts.MaxAttachments}),
		v3:   conn.Protocol() == 3,
	}
	// Until its sockets have disconnected (the end of the connection is
	// handled on the worker, see onClose), Shutdown waits for it.
	s.inflight.add()
	c.timer = time.AfterFunc(s.opts.ConnectTimeout, c.onConnectTimeout)
	conn.OnMessage(c.onMessage)
	conn.OnClose(func(reason string, _ error) { c.onClose(reason) })
	if c.v3 {
		// Protocol 4 clients are connected to "/" without asking, as the
		// reference server does (its middleware runs as for a CONNECT).
		c.enqueue(&codec.SocketPacket{Type: codec.Connect, Nsp: "/"}, 0)
	}
	return c
}

func (c *client) onConnectTimeout() {
	c.mu.Lock()
	idle := len(c.sockets) == 0 && c.connecting == 0 && !c.closed
	c.mu.Unlock()
	if idle {
		_ = c.conn.Close()
	}
}

// item is a pending packet, or the end of the connection (p nil): sockets
// disconnect only after the packets received before the close are handled,
// as with the reference server (a client's last events before it leaves
// are not lost).
type item struct {
	p      *codec.SocketPacket
	size   int // input bytes, counted in pendingBytes and Server.buffered
	reason string
}

// onMessage runs on the session's reading goroutine. Every message is
// counted against MaxBufferedInput until its packet is handled (input.go).
func (c *client) onMessage(data []byte, binary bool) {
	if !c.charge(len(data)) {
		return
	}
	p, err := c.dec.Add(codec.Packet{Type: codec.PacketMessage, Data: data, Binary: binary})
	if err != nil {
		c.uncharge(c.takePartial(len(data)))
		c.closeWith(ReasonParseError, err)
		return
	}
	if p == nil {
		c.addPartial(len(data)) // waiting for attachments
		return
	}
	if c.v3 {
		v3Namespace(p)
	}
	size := c.takePartial(len(data))
	// Acks to server emits resolve at once: a handler blocked in
	// EmitWithAck must not wait behind itself in the pending list.
	if p.Type == codec.Ack || p.Type == codec.BinaryAck {
		c.uncharge(size)
		if sock := c.socket(p.Nsp); sock != nil {
			sock.onAck(p)
		}
		return
	}
	if c.tryInline(p, size) {
		return
	}
	c.enqueue(p, size)
}

// startLocked starts the worker if it is not running. qmu must be held.
func (c *client) startLocked() {
	if !c.running {
		c.running = true
		// Each worker gets its own wake channel, dropped when it exits
		// (see work): an idle connection keeps none, and starting a
		// worker already costs more than this allocation.
		c.wake = make(chan struct{}, 1)
		go c.work(c.wake)
		return
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// work handles pending packets in order and exits once it has been idle
// for a whole tick of the worker reaper (about one to two workerLinger
// after its last packet). wake is c.wake while this worker runs.
//
// It waits on wake alone: a timer in the same select is added to and
// removed from the runtime's timer heap every time the worker blocks and
// wakes (select and timer-heap work were about a tenth of the server's CPU
// in a profile of 1,000 clients doing small acks). The shared reaper (worker_reaper.go) tells it when to
// go instead.
func (c *client) work(wake chan struct{}) {
	w := &worker{wake: wake}
	workers.add(w)
	for {
		c.qmu.Lock()
		if len(c.pending) == 0 {
			if w.state.Load() == workerQuit {
				c.running = false
				c.wake = nil
				// Drop the drained list's array too: an idle connection
				// keeps no pending storage.
				c.pending = nil
				c.qmu.Unlock()
				workers.remove(w)
				if h := testHookIdle.Load(); h != nil {
					(*h)(c)
				}
				return
			}
			c.qmu.Unlock()
			<-wake
			continue
		}
		it := c.pending[0]
		c.pending[0] = item{}
		c.pendingBytes -= it.size
		c.srv.buffered.Add(-int64(it.size))
		if len(c.pending) == 1 {
			// Keep the array for the next packet: one at a time is the
			// common case, and slicing past it would allocate anew each time.
			c.pending = c.pending[:0]
		} else {
			c.pending = c.pending[1:]
		}
		if c.qcond != nil {
			c.qcond.Signal()
		}
		c.qmu.Unlock()
		// Active again: a quit decided just before this packet came is
		// withdrawn, and the worker lingers again.
		w.state.Store(workerActive)
		if it.p == nil {
			c.disconnectAll(it.reason)
			c.srv.inflight.done() // onClose queues this item once
			continue
		}
		c.handle(it.p)
	}
}

func (c *client) socket(nsp string) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.socketLocked(nsp)
}

// socketLocked returns the socket of namespace nsp, or nil. mu must be
// held.
func (c *client) socketLocked(nsp string) *Socket {
	for _, s := range c.sockets {
		if s.nsp.name == nsp {
			return s
		}
	}
	return nil
}

// socketList returns a copy of c.sockets.
func (c *client) socketList() []*Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sockets)
}

// handle acts on one packet, as the reference client.ts ondecoded does: a
// CONNECT for a namespace not joined yet, anything else for a joined one;
// every other combination is a protocol violation that closes the
// connection.
// handle handles one packet; it reports whether nothing refers to p or
// its Args any longer (Socket.onEvent).
func (c *client) handle(p *codec.SocketPacket) (released bool) {
	sock := c.socket(p.Nsp)
	switch {
	case p.Type == codec.Connect && sock == nil:
		c.connect(p)
	case p.Type != codec.Connect && p.Type != codec.ConnectError && sock != nil:
		return sock.onPacket(p)
	default:
		c.closeWith(ReasonParseError, nil)
	}
	return false
}

func (c *client) connect(p *codec.SocketPacket) {
	var auth map[string]any
	if p.Args != nil && p.Args.Len() > 0 {
		_ = p.Args.Decode(0, &auth)
	}
	if c.srv.isClosed() {
		// Shutdown is closing this connection. No CONNECT_ERROR: the
		// official client gives up on a namespace that refused it, while
		// a closed transport makes it reconnect (to another node, say).
		return
	}
	nsp, err := c.srv.lookup(p.Nsp, auth)
	if err != nil {
		c.srv.reportError(err)
		c.srv.connectRefused(c, p.Nsp, refusedNamespaceUnavailable, err)
		c.sendPacket(&codec.SocketPacket{Type: codec.ConnectError, Nsp: p.Nsp,
			Data: connectErrorPayload{Message: "namespace unavailable"}})
		return
	}
	if nsp == nil {
		c.srv.connectRefused(c, p.Nsp, refusedInvalidNamespace, nil)
		// The same object for protocol 4 clients, as the reference server
		// sends it.
		c.sendPacket(&codec.SocketPacket{Type: codec.ConnectError, Nsp: p.Nsp,
			Data: connectErrorPayload{Message: "Invalid namespace"}})
		return
	}
	// A count, not a set of names: connect runs on the worker, which
	// handles one packet at a time, so no other packet (a second CONNECT
	// for this namespace included) is handled until add returns. The count
	// only tells the connect timeout that a CONNECT is in middleware; a
	// map here would stay allocated, emptied, for the connection's life.
	c.mu.Lock()
	c.connecting++
	c.mu.Unlock()
	nsp.add(c, p.Args)
	c.mu.Lock()
	c.connecting--
	c.mu.Unlock()
	nsp.release()
}

type connectErrorPayload struct {
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// attach registers a socket that passed middleware; false if the
// connection closed meanwhile.
func (c *client) attach(sock *Socket) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	// Replaces, as the map this slice replaced did (handle only connects
	// namespaces not joined, so this is defensive).
	if i := slices.IndexFunc(c.sockets, func(o *Socket) bool { return o.nsp.name == sock.nsp.name }); i >= 0 {
		c.sockets[i] = sock
	} else {
		if c.sockets == nil {
			c.sockets = c.sock0[:0:1]
		}
		c.sockets = append(c.sockets, sock)
		if len(c.sockets) > 1 {
			// Moved to a heap array: sock0 must not keep a socket alive.
			c.sock0[0] = nil
		}
	}
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	return true
}

func (c *client) detach(sock *Socket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i := slices.Index(c.sockets, sock); i >= 0 {
		c.sockets = slices.Delete(c.sockets, i, i+1)
		if len(c.sockets) == 0 {
			c.sockets = nil
		}
	}
}

// sendPacket encodes p and queues it on the session.
func (c *client) sendPacket(p *codec.SocketPacket) error { return c.send(p, false) }

// send encodes p and queues it on the session; noCompress marks its
// messages to be sent uncompressed.
func (c *client) send(p *codec.SocketPacket, noCompress bool) error {
	var (
		one  [1]codec.Packet // the usual outcome, without a binary attachment
		pkts []codec.Packet
		err  error
	)
	if jp, ok := c.srv.parser.(codec.JSONParser); ok {
		// The default parser, called directly: neither p nor one escape
		// (Send does not keep its slice), which saves two allocations on
		// every emit and ack.
		pkts, err = jp.Encode(one[:0], p)
	} else {
		q := *p // a parser behind the interface may keep p
		pkts, err = c.srv.parser.Encode(nil, &q)
	}
	if err != nil {
		return err
	}
	if noCompress {
		markNoCompress(pkts)
	}
	if sess, ok := c.conn.(*session.Session); ok {
		// Called directly for the same reason: a slice passed through
		// the interface escapes, and one with it.
		return sess.Send(pkts...)
	}
	// Other connections (Socket.IO 0.6) get a copy, so that one stays on
	// the stack on the common path.
	return c.conn.Send(slices.Clone(pkts)...)
}

// markNoCompress flags freshly encoded messages to be sent uncompressed.
func markNoCompress(pkts []codec.Packet) {
	for i := range pkts {
		pkts[i].NoCompress = true
	}
}

// closeWith disconnects every socket with reason and closes the session
// at once, as the Engine.IO layer closes for its own faults (a parse error
// closes a WebSocket with status 1002).
func (c *client) closeWith(reason string, err error) {
	c.onClose(reason)
	c.conn.CloseWithReason(reason, err)
}

// onClose runs once the session is closing. Acks the server waits for
// fail at once (a handler blocked in EmitWithAck returns), then the
// sockets disconnect with reason on the worker, after the packets already
// received; a reader waiting for room in the pending list is released.
func (c *client) onClose(reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	socks := slices.Clone(c.sockets)
	c.mu.Unlock()
	for _, s := range socks {
		s.failAcks(ErrDisconnected)
	}
	c.qmu.Lock()
	c.qclosed = true
	c.dropPartialLocked()
	c.pending = append(c.pending, item{reason: reason}) // not bounded: one per connection
	c.startLocked()
	if c.qcond != nil {
		c.qcond.Broadcast()
	}
	c.qmu.Unlock()
}

// disconnectAll disconnects every socket of the connection.
func (c *client) disconnectAll(reason string) {
	for _, s := range c.socketList() {
		s.onClose(reason)
	}
}
