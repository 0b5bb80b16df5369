package client

import (
	"context"
	"errors"
	"fmt"
	"log"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gosio/socketio/codec"
)

// Socket is a connection to one namespace of a server, over its Manager's
// connection (the JS client's Socket). Register handlers with On and the
// OnConnect family, then Connect. Emits made while it is not connected
// wait in a bounded offline buffer and are sent once it connects.
//
// A Socket is safe for concurrent use. Handlers run on the Manager's
// dispatching goroutine, one at a time, in the order the events arrived;
// a handler may emit, and may wait for an ack with EmitWithAck (acks are
// read by another goroutine).
type Socket struct {
	m      *Manager
	nsp    string
	cfg    socketConfig
	nextID atomic.Uint64 // ack ids

	mu        sync.Mutex
	active    bool                   // guarded by mu; wants to be connected (the JS client's subscription)
	connected bool                   // guarded by mu
	engine    *engine                // guarded by mu; the connection it is connected on
	connectOn *engine                // guarded by mu; the connection its CONNECT was sent on
	id        string                 // guarded by mu
	pid       string                 // guarded by mu; connection state recovery: private session id
	offset    string                 // guarded by mu; recovery: offset of the last event received
	recovered bool                   // guarded by mu
	acks      map[uint64]*pendingAck // guarded by mu
	sendBuf   []bufferedEmit         // guarded by mu; the offline buffer
	sendBytes int64                  // guarded by mu
	recvBuf   []received             // guarded by mu; events before the CONNECT reply
	recvBytes int64                  // guarded by mu
	waitErr   error                  // guarded by mu; why WaitConnected gives up
	changed   chan struct{}          // guarded by mu; closed on a connection state change
	h         socketHandlers         // guarded by mu; copy-on-write lists
}

type socketHandlers struct {
	events       map[string]*handler
	any          []func(event string, args codec.Args)
	connect      []func()
	connectError []func(error)
	disconnect   []func(reason string)
	err          []func(error)
}

// received is an event held until the CONNECT reply.
type received struct {
	p    *codec.SocketPacket
	size int64
}

func newSocket(m *Manager, nsp string, opts *SocketOptions) *Socket {
	return &Socket{m: m, nsp: nsp, cfg: newSocketConfig(opts)}
}

// Namespace returns the socket's namespace.
func (s *Socket) Namespace() string { return s.nsp }

// Manager returns the socket's Manager.
func (s *Socket) Manager() *Manager { return s.m }

// ID returns the socket id the server gave, or "" while not connected.
func (s *Socket) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// Connected reports whether the socket is connected to its namespace.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// Active reports whether the socket is connected or trying to connect
// (false after Disconnect, a server disconnection or a refusal).
func (s *Socket) Active() bool { return s.isActive() }

func (s *Socket) isActive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// Recovered reports whether the last connection recovered the previous
// session (connection state recovery): the server kept the socket id and
// rooms and replayed the events missed meanwhile.
func (s *Socket) Recovered() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recovered
}

// Connect starts connecting the socket, opening the Manager if needed
// (the JS client's socket.connect()); it does not wait: OnConnect and
// OnConnectError tell the outcome, WaitConnected waits for it. It does
// nothing if the socket is connected.
func (s *Socket) Connect() {
	s.mu.Lock()
	if s.connected {
		s.mu.Unlock()
		return
	}
	s.active = true
	s.waitErr = nil
	s.changedLocked()
	s.mu.Unlock()
	s.m.connectSocket(s)
}

// WaitConnected waits until the socket is connected (nil) or stops trying:
// the server refused it (a *ConnectError), the Manager gave up
// (ErrReconnectFailed, or the connection error when reconnection is
// disabled), or the socket was disconnected (ErrInactive). It returns
// ctx.Err() when ctx ends first; the socket goes on trying.
func (s *Socket) WaitConnected(ctx context.Context) error {
	for {
		s.mu.Lock()
		switch {
		case s.connected:
			s.mu.Unlock()
			return nil
		case s.waitErr != nil:
			err := s.waitErr
			s.mu.Unlock()
			return err
		case !s.active:
			s.mu.Unlock()
			return ErrInactive
		}
		ch := s.changedLocked()
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// changedLocked wakes the WaitConnected calls and returns the channel the
// next change closes.
func (s *Socket) changedLocked() <-chan struct{} {
	if s.changed != nil {
		close(s.changed)
	}
	s.changed = make(chan struct{})
	return s.changed
}

// Disconnect disconnects the socket from its namespace (the JS client's
// socket.disconnect()): a DISCONNECT is sent if it is connected, it stops
// reconnecting, and OnDisconnect handlers get "io client disconnect". The
// Manager closes its connection when no socket of it is active any more.
// The offline buffer is kept for a later Connect.
func (s *Socket) Disconnect() {
	s.mu.Lock()
	if s.connected {
		if pkts, err := s.m.parser.Encode(nil, &codec.SocketPacket{Type: codec.Disconnect, Nsp: s.nsp}); err == nil {
			_ = s.engine.send(pkts...)
		}
		s.closeLocked(ReasonClientDisconnect)
	}
	s.active = false
	s.connectOn = nil
	s.recvBuf, s.recvBytes = nil, 0
	s.changedLocked()
	s.mu.Unlock()
	s.m.destroy(s)
}

// onOpen sends the CONNECT packet on a newly opened connection, once per
// connection. It calls AuthFunc, so no lock is held.
func (s *Socket) onOpen(e *engine) {
	s.mu.Lock()
	if !s.active || s.connected || s.connectOn == e {
		s.mu.Unlock()
		return
	}
	s.connectOn = e
	auth, pid, offset := s.cfg.auth, s.pid, s.offset
	s.mu.Unlock()
	if s.cfg.authFunc != nil {
		auth = s.callAuthFunc()
	}
	var data any
	if pid != "" {
		// Object.assign({pid, offset}, auth): a key of auth wins; an
		// offset never received is left out, as JSON drops undefined.
		m := make(map[string]any, len(auth)+2)
		m["pid"] = pid
		if offset != "" {
			m["offset"] = offset
		}
		for k, v := range auth {
			m[k] = v
		}
		data = m
	} else if auth != nil {
		data = auth
	}
	pkts, err := s.m.parser.Encode(nil, &codec.SocketPacket{Type: codec.Connect, Nsp: s.nsp, Data: data})
	if err != nil {
		s.m.disp.push(func() { s.report(fmt.Errorf("socketio: encoding the auth payload: %w", err)) })
		return
	}
	s.mu.Lock()
	if s.active && s.connectOn == e {
		_ = e.send(pkts...)
	}
	s.mu.Unlock()
}

func (s *Socket) callAuthFunc() (auth map[string]any) {
	defer func() {
		if v := recover(); v != nil {
			err := &PanicError{Event: "AuthFunc", Value: v}
			s.m.disp.push(func() { s.report(err) })
			auth = nil
		}
	}()
	return s.cfg.authFunc()
}

// onPacket handles a packet for this namespace, on the reading goroutine.
func (s *Socket) onPacket(e *engine, p *codec.SocketPacket, size int64) {
	s.mu.Lock()
	if !s.active || s.connectOn != e {
		s.mu.Unlock() // not ours to handle (the JS client is not subscribed)
		return
	}
	switch p.Type {
	case codec.Connect:
		s.onConnectLocked(e, p) // unlocks
	case codec.Event, codec.BinaryEvent:
		s.onEventLocked(e, p, size) // unlocks
	case codec.Ack, codec.BinaryAck:
		a := s.takeAckLocked(p.ID)
		s.mu.Unlock()
		if a != nil {
			a.resolve(s, p.Args)
		}
	case codec.Disconnect:
		s.active = false
		s.closeLocked(ReasonServerDisconnect)
		s.waitErr = ErrInactive
		s.mu.Unlock()
		s.m.destroy(s)
	case codec.ConnectError:
		ce := connectError(p)
		s.active = false
		s.connectOn = nil
		s.recvBuf, s.recvBytes = nil, 0
		s.waitErr = ce
		s.changedLocked()
		notify(s.m.disp, s.h.connectError, func(fn func(error)) { fn(ce) })
		s.mu.Unlock()
		s.m.destroy(s)
	default:
		s.mu.Unlock()
	}
}

// connectError reads a CONNECT_ERROR payload: {"message","data"} from
// Socket.IO v5 servers, a plain string from older ones.
func connectError(p *codec.SocketPacket) *ConnectError {
	ce := &ConnectError{}
	var payload struct {
		Message string `json:"message"`
		Data    any    `json:"data"`
	}
	if p.Args == nil || p.Args.Len() == 0 {
		return ce
	}
	if p.Args.Decode(0, &payload) == nil {
		ce.Message, ce.Data = payload.Message, payload.Data
		return ce
	}
	_ = p.Args.Decode(0, &ce.Message)
	return ce
}

// errV2Server is the JS client's error for a CONNECT reply without a sid.
var errV2Server = errors.New("socketio: it seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible")

// onConnectLocked handles the CONNECT reply; it unlocks s.mu.
func (s *Socket) onConnectLocked(e *engine, p *codec.SocketPacket) {
	var reply struct {
		SID string `json:"sid"`
		PID string `json:"pid"`
	}
	if p.Args == nil || p.Args.Len() == 0 || p.Args.Decode(0, &reply) != nil || reply.SID == "" {
		notify(s.m.disp, s.h.connectError, func(fn func(error)) { fn(errV2Server) })
		s.mu.Unlock()
		return
	}
	if s.connected {
		s.mu.Unlock()
		return
	}
	s.id = reply.SID
	s.recovered = reply.PID != "" && reply.PID == s.pid
	s.pid = reply.PID
	if s.pid == "" {
		s.offset = ""
	}
	s.connected = true
	s.engine = e
	s.waitErr = nil
	// The events held until now run first, then the connect handlers, as
	// in the JS client; the offline buffer is sent.
	for _, r := range s.recvBuf {
		s.m.disp.push(s.eventTaskLocked(e, r.p))
	}
	s.recvBuf, s.recvBytes = nil, 0
	for _, b := range s.sendBuf {
		_ = e.send(b.pkts...)
	}
	s.sendBuf, s.sendBytes = nil, 0
	notify(s.m.disp, s.h.connect, func(fn func()) { fn() })
	s.changedLocked()
	s.mu.Unlock()
}

var (
	errPendingOverflow = errors.New("socketio: too many events pending while an ack is awaited (Options.MaxPendingEvents)")
	errRecvOverflow    = errors.New("socketio: too many events before the CONNECT reply (Options.MaxPendingEvents); not recovering")
)

// onEventLocked handles an EVENT; it unlocks s.mu. Events before the
// CONNECT reply (a recovered session's missed events) are held until it.
func (s *Socket) onEventLocked(e *engine, p *codec.SocketPacket, size int64) {
	if !s.connected {
		hard, hardBytes := s.m.cfg.hardPending, s.m.cfg.hardPendingB
		if over(len(s.recvBuf)+1, hard) || over64(s.recvBytes+size, hardBytes) {
			// Too much to hold: give the session up, so that the next
			// connection does not ask for the same replay.
			s.pid, s.offset = "", ""
			s.recvBuf, s.recvBytes = nil, 0
			s.mu.Unlock()
			s.m.closeEngine(e, ReasonTransportError, errRecvOverflow)
			return
		}
		s.recvBuf = append(s.recvBuf, received{p, size})
		s.recvBytes += size
		s.mu.Unlock()
		return
	}
	fn := s.eventTaskLocked(e, p)
	s.mu.Unlock()
	if s.m.disp.pushRemote(e.quit, size, fn, e.hold, e.release) == overflow {
		s.m.closeEngine(e, ReasonTransportError, errPendingOverflow)
	}
}

// eventTaskLocked prepares the handling of an event: with connection state
// recovery, the offset the server appended as the last argument (to
// events without an ack id) is recorded and removed.
func (s *Socket) eventTaskLocked(e *engine, p *codec.SocketPacket) func() {
	args := p.Args
	if s.pid != "" && !p.HasID && args != nil {
		if n := args.Len(); n > 0 {
			var last any
			if args.Decode(n-1, &last) == nil {
				if off, ok := last.(string); ok {
					s.offset = off
					args = sliceArgs{args, 0, n - 1}
				}
			}
		}
	}
	var ack AckFunc
	if p.HasID {
		ack = s.ackFunc(e, p.ID)
	}
	event := p.Event
	return func() { s.dispatchEvent(event, args, ack) }
}

// dispatchEvent runs the handlers of an event, on the dispatcher.
func (s *Socket) dispatchEvent(event string, args codec.Args, ack AckFunc) {
	s.mu.Lock()
	h, anys := s.h.events[event], s.h.any
	s.mu.Unlock()
	for _, fn := range anys {
		if err := callAny(fn, event, args); err != nil {
			s.report(err)
		}
	}
	if h == nil {
		return
	}
	if err := h.call(event, nil, args, ack); err != nil {
		var ae *ArgumentError
		if ack != nil && errors.As(err, &ae) {
			_ = ack(map[string]any{"message": ae.Error()})
		}
		s.report(err)
	}
}

func callAny(fn func(string, codec.Args), event string, args codec.Args) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Event: event, Value: v}
		}
	}()
	fn(event, args)
	return nil
}

// ackFunc returns the function answering the server's ack request id,
// received on e.
func (s *Socket) ackFunc(e *engine, id uint64) AckFunc {
	var sent atomic.Bool
	return func(args ...any) error {
		if !sent.CompareAndSwap(false, true) {
			return ErrAckAlreadySent
		}
		if args == nil {
			args = []any{} // an ACK carries an array, even empty
		}
		pkts, err := s.m.parser.Encode(nil, &codec.SocketPacket{Type: codec.Ack, Nsp: s.nsp, ID: id, HasID: true, Data: args})
		if err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.connected || s.engine != e {
			return ErrDisconnected
		}
		return e.send(pkts...)
	}
}

// onClose is the Manager's connection closing under an active socket;
// final means no reconnection follows.
func (s *Socket) onClose(reason string, final bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeLocked(reason)
	if final {
		s.waitErr = ErrDisconnected
	}
}

// closeLocked marks the socket disconnected: OnDisconnect handlers run
// (if it was connected), the acks awaited fail with ErrDisconnected, but
// not those of packets still in the offline buffer.
func (s *Socket) closeLocked(reason string) {
	was := s.connected
	s.connected = false
	s.engine = nil
	s.connectOn = nil
	s.id = ""
	s.recvBuf, s.recvBytes = nil, 0
	s.changedLocked()
	for id, a := range s.acks {
		if !s.bufferedLocked(id) {
			delete(s.acks, id)
			a.fail(s, ErrDisconnected)
		}
	}
	if was {
		notify(s.m.disp, s.h.disconnect, func(fn func(string)) { fn(reason) })
	}
}

// onManagerError reports a failed attempt to open the connection to a
// socket that is not connected (connect_error); final means no retry
// follows.
func (s *Socket) onManagerError(err error, final bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.connected {
		return
	}
	if final {
		s.waitErr = err
		s.changedLocked()
	}
	notify(s.m.disp, s.h.connectError, func(fn func(error)) { fn(err) })
}

// onGiveUp tells an active socket that the Manager stopped reconnecting.
func (s *Socket) onGiveUp(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waitErr = err
	s.changedLocked()
}

// report hands an error from a handler to the OnError handlers (logged
// when there is none). It runs on the dispatcher.
func (s *Socket) report(err error) {
	s.mu.Lock()
	fns := s.h.err
	s.mu.Unlock()
	if len(fns) == 0 {
		log.Printf("socketio client %s: %v", s.nsp, err)
		return
	}
	for _, fn := range fns {
		safeCall(func() { fn(err) })
	}
}

// On registers the handler of an event from the server, replacing any
// previous one. fn is a func whose parameters receive the event's
// arguments in order, decoded as encoding/json would ([]byte receives a
// binary attachment); a codec.Args parameter after them receives the
// remaining arguments undecoded, and a trailing AckFunc (or func(...any))
// the ack callback when the server asked for one (nil otherwise). It may
// return an error, which goes to the OnError handlers. Missing arguments
// are zero values; extra ones are ignored; arguments that do not fit are
// reported as an *ArgumentError instead of running the handler.
//
// The signature is checked here: On panics if fn is not such a func or
// event is reserved ("connect", "connect_error", "disconnect", … have
// their own On… methods), which are programming errors.
func (s *Socket) On(event string, fn any) {
	if codec.IsReservedEvent(event) {
		panic(fmt.Sprintf("socketio: %q is a reserved event name: use OnConnect, OnConnectError or OnDisconnect", event))
	}
	h, err := newHandler(fn)
	if err != nil {
		panic(fmt.Sprintf("socketio: handler for %q: %v", event, err))
	}
	if h.errFirst {
		panic(fmt.Sprintf("socketio: handler for %q: an event handler cannot take an error first", event))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.h.events == nil {
		s.h.events = make(map[string]*handler)
	}
	s.h.events[event] = h
}

// Off removes the handler of event.
func (s *Socket) Off(event string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.h.events, event)
}

// OnAny adds a handler called for every event, before the event's own
// handler, with its name and arguments (without the recovery offset).
func (s *Socket) OnAny(fn func(event string, args codec.Args)) { addSocketHandler(s, &s.h.any, fn) }

// OnConnect adds a handler called each time the socket connects (after
// the events the server replayed on a recovered connection).
func (s *Socket) OnConnect(fn func()) { addSocketHandler(s, &s.h.connect, fn) }

// OnConnectError adds a handler called when a connection attempt fails: a
// *ConnectError when the server refused the socket (it then stops
// trying), the transport's error when the Manager could not connect (it
// retries unless reconnection is disabled).
func (s *Socket) OnConnectError(fn func(err error)) { addSocketHandler(s, &s.h.connectError, fn) }

// OnDisconnect adds a handler called when the connected socket
// disconnects, with the reason (ReasonServerDisconnect,
// ReasonTransportClose, …). The socket reconnects by itself unless the
// reason is ReasonServerDisconnect or ReasonClientDisconnect, or
// reconnection is disabled.
func (s *Socket) OnDisconnect(fn func(reason string)) { addSocketHandler(s, &s.h.disconnect, fn) }

// OnError adds a handler for the errors of this socket's handlers and ack
// callbacks (*ArgumentError, *PanicError, returned errors). Without one,
// they are logged.
func (s *Socket) OnError(fn func(err error)) { addSocketHandler(s, &s.h.err, fn) }

func addSocketHandler[F any](s *Socket, list *[]F, fn F) {
	s.mu.Lock()
	*list = append(slices.Clip(*list), fn)
	s.mu.Unlock()
}

// String returns the namespace and the socket id.
func (s *Socket) String() string {
	return s.nsp + "#" + s.ID()
}
