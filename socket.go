package socketio

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/session"
)

// Disconnect reasons, as the reference server names them.
const (
	ReasonTransportClose            = session.ReasonTransportClose
	ReasonTransportError            = session.ReasonTransportError
	ReasonPingTimeout               = session.ReasonPingTimeout
	ReasonParseError                = session.ReasonParseError
	ReasonForcedClose               = session.ReasonForcedClose
	ReasonServerShutdown            = session.ReasonShutdown
	ReasonServerNamespaceDisconnect = "server namespace disconnect"
	ReasonClientNamespaceDisconnect = "client namespace disconnect"
)

// Socket is one client's membership of one namespace.
//
// Concurrency: all methods are safe for concurrent use. Event handlers of
// one socket run one at a time, in the order the client sent the events;
// emitting never blocks on the network.
type Socket struct {
	id     string
	nsp    *Namespace
	client *client

	// The Handshake is built by the first Handshake call, from the
	// session's request, the CONNECT payload and the creation time kept
	// here: most sockets never ask for it, and built at once it cost each
	// of them about 700 bytes (the struct, its parsed query, its date
	// string and auth map) for their whole life.
	handshake atomic.Pointer[Handshake]
	auth      codec.Args // the CONNECT payload; nil when none (or empty)
	created   int64      // creation time, ns since the Unix epoch

	pid  string        // private id for connection state recovery; "" without it
	gone chan struct{} // with a pid: closed when onClose is done (see Namespace.restore)

	mu           sync.Mutex
	connected    bool                    // guarded by mu
	recovered    bool                    // set before the socket is connected (beside connected: one word for both)
	closedReason string                  // guarded by mu; set once disconnected
	data         any                     // guarded by mu
	handlers     []eventHandler          // guarded by mu; see eventHandler
	onDisconnect []func(string)          // guarded by mu
	hooks        *socketHooks            // guarded by mu; nil until one is added
	acks         map[uint64]*pendingAck  // guarded by mu
	ctx          context.Context         // guarded by mu; nil until Context is called
	cancel       context.CancelCauseFunc // guarded by mu; with ctx
	ctxEnd       string                  // guarded by mu; why ctx is, or is to be, cancelled
}

// eventHandler is the handler of one event. A socket has a few handlers,
// so Socket.handlers is a slice searched linearly: a map costs a few
// hundred bytes per socket even for two entries, and every connected
// socket holds its handlers for its whole life.
type eventHandler struct {
	event string
	handler
}

// socketHooks holds the listeners most sockets never register. They live
// out of line, allocated by the first registration, so that a Socket
// costs less for the common case (event handlers and OnDisconnect only).
type socketHooks struct {
	anyIn           []func(string, codec.Args)
	anyOut          []func(string, []any)
	middlewares     []func(string, codec.Args) error
	onDisconnecting []func(string)
	onError         []func(error)
}

// hooksLocked returns s.hooks, allocating it if needed. mu must be held.
func (s *Socket) hooksLocked() *socketHooks {
	if s.hooks == nil {
		s.hooks = new(socketHooks)
	}
	return s.hooks
}

func newSocket(n *Namespace, c *client, id string, auth codec.Args, now time.Time) *Socket {
	s := &Socket{id: id, nsp: n, client: c, created: now.UnixNano()}
	if auth != nil && auth.Len() > 0 {
		// Kept only when there is a payload: Handshake treats nil and empty
		// alike, and an empty Args would cost every socket its allocation
		// for nothing.
		s.auth = auth
	}
	return s
}

// ID returns the socket id: distinct from the Engine.IO session id, except
// for socket.io-client 2.x (AllowEIO3), where it is, as in the reference
// server, the Engine.IO id for "/" and "<nsp>#<engine id>" otherwise.
func (s *Socket) ID() string { return s.id }

// String returns the socket id, so a *Socket prints as its id.
func (s *Socket) String() string { return s.id }

// Namespace returns the socket's namespace.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake returns how the socket connected. Every call returns the same
// Handshake, made by the first one.
func (s *Socket) Handshake() *Handshake {
	if h := s.handshake.Load(); h != nil {
		return h
	}
	h := newHandshake(s.client.conn.Request(), s.auth, time.Unix(0, s.created))
	if !s.handshake.CompareAndSwap(nil, h) {
		return s.handshake.Load() // another caller's, made from the same data
	}
	return h
}

// Session returns the Engine.IO session carrying the socket (shared by the
// socket's other namespaces), or nil for a Socket.IO 0.6 client, which has
// no Engine.IO session (see Options.Legacy06 and LegacyConn).
func (s *Socket) Session() *session.Session {
	sess, _ := s.client.conn.(*session.Session)
	return sess
}

// Context returns the socket's context: it carries the handshake
// request's values (such as an identity set by HTTP auth middleware) and
// is cancelled when the socket disconnects, before its disconnecting and
// disconnect listeners run; context.Cause then returns an error wrapping
// ErrDisconnected that names the reason. Per-socket work (a subscription,
// a database watch) can hang off it. It is not cancelled when the
// handshake request ends. The context is made by the first call, so a
// socket whose handlers never ask for it costs nothing more.
func (s *Socket) Context() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil {
		s.ctx, s.cancel = context.WithCancelCause(s.client.conn.Request().Context())
		if s.ctxEnd != "" {
			s.cancel(disconnectCause(s.ctxEnd))
		}
	}
	return s.ctx
}

// abandon cancels the context of a socket that never connected: refused
// by a middleware, or its connection gone first. Only a context already
// asked for is cancelled; a later Context call gets it cancelled too.
func (s *Socket) abandon(why string) {
	s.mu.Lock()
	if s.ctxEnd == "" {
		s.ctxEnd = why
	}
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel(disconnectCause(why))
	}
}

// disconnectCause is the cause of a socket context's cancellation.
func disconnectCause(reason string) error {
	return fmt.Errorf("%w: %s", ErrDisconnected, reason)
}

// Recovered reports whether the socket is a recovered one: with
// Options.ConnectionStateRecovery, a client that came back in time got
// back its id, rooms and Data, and the events it missed are sent to it
// right after its CONNECT reply.
func (s *Socket) Recovered() bool { return s.recovered }

// Connected reports whether the socket is connected.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// Data returns the value set by SetData (nil by default). It is included
// in FetchSockets results.
func (s *Socket) Data() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data
}

// SetData attaches an arbitrary value to the socket.
func (s *Socket) SetData(v any) {
	s.mu.Lock()
	s.data = v
	s.mu.Unlock()
}

// markConnected makes a socket that passed the middleware connected; it
// is counted and logged before its CONNECT reply is queued.
func (s *Socket) markConnected() {
	s.mu.Lock()
	s.connected = true
	s.mu.Unlock()
	srv := s.nsp.srv
	srv.counters.connects.Add(1)
	srv.logSocket(slog.LevelDebug, "socket.io socket connected", s, "")
}

// On registers the handler for an event; it replaces any previous handler
// of that event. fn is a func whose parameters receive the event's
// arguments, decoded like encoding/json would (a []byte parameter receives
// a binary attachment); an Args parameter receives the remaining
// arguments undecoded; a trailing AckFunc or func(...any) parameter
// receives the acknowledgement callback (nil when the client asked for
// none). fn may return an error, which is reported to the error handler.
//
// On("disconnect", func(reason string)) and On("disconnecting", ...) are
// the same as OnDisconnect and OnDisconnecting. On panics if fn is not a
// func or event is another reserved name: that is a programming error.
func (s *Socket) On(event string, fn any) {
	switch event {
	case "disconnect", "disconnecting":
		f, ok := fn.(func(string))
		if !ok {
			panic("socketio: On(" + event + ") needs a func(reason string)")
		}
		if event == "disconnect" {
			s.OnDisconnect(f)
		} else {
			s.OnDisconnecting(f)
		}
		return
	}
	if codec.IsReservedEvent(event) {
		panic("socketio: On(" + event + "): reserved event name")
	}
	h := mustHandler(event, fn)
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.handlerIndexLocked(event); i >= 0 {
		s.handlers[i].handler = h
		return
	}
	s.handlers = append(s.handlers, eventHandler{event: event, handler: h})
}

// Off removes the handler of an event.
func (s *Socket) Off(event string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.handlerIndexLocked(event); i >= 0 {
		s.handlers = slices.Delete(s.handlers, i, i+1)
		if len(s.handlers) == 0 {
			s.handlers = nil
		}
	}
}

// handlerIndexLocked returns the index of event's handler in s.handlers,
// or -1. mu must be held.
func (s *Socket) handlerIndexLocked(event string) int {
	for i := range s.handlers {
		if s.handlers[i].event == event {
			return i
		}
	}
	return -1
}

// OnAny adds a listener called for every incoming event, before the
// event's handler.
func (s *Socket) OnAny(fn func(event string, args Args)) {
	s.mu.Lock()
	h := s.hooksLocked()
	h.anyIn = append(h.anyIn, fn)
	s.mu.Unlock()
}

// OnAnyOutgoing adds a listener called for every event sent to this
// socket, by Emit or by a broadcast.
func (s *Socket) OnAnyOutgoing(fn func(event string, args []any)) {
	s.mu.Lock()
	h := s.hooksLocked()
	h.anyOut = append(h.anyOut, fn)
	s.mu.Unlock()
}

// Use adds packet middleware: it runs for every incoming event, in order,
// before the handler. A non-nil error drops the event and is passed to
// the socket's OnError listeners (or the server's error handler); a panic
// drops it too and is reported to the server's error handler as a
// *PanicError.
func (s *Socket) Use(fn func(event string, args Args) error) {
	s.mu.Lock()
	h := s.hooksLocked()
	h.middlewares = append(h.middlewares, fn)
	s.mu.Unlock()
}

// OnError adds a listener for errors about this socket: middleware
// refusals, payloads that do not fit a handler, panics in handlers.
func (s *Socket) OnError(fn func(error)) {
	s.mu.Lock()
	h := s.hooksLocked()
	h.onError = append(h.onError, fn)
	s.mu.Unlock()
}

// OnDisconnect adds a listener called once the socket has disconnected,
// with the reason. On a socket already disconnected (the connection can
// close while connection handlers still run) fn is called at once.
func (s *Socket) OnDisconnect(fn func(reason string)) {
	s.mu.Lock()
	if r := s.closedReason; r != "" {
		s.mu.Unlock()
		s.nsp.srv.safeCall("disconnect", func() { fn(r) })
		return
	}
	s.onDisconnect = append(s.onDisconnect, fn)
	s.mu.Unlock()
}

// OnDisconnecting adds a listener called when the socket is about to
// disconnect, while it is still in its rooms.
func (s *Socket) OnDisconnecting(fn func(reason string)) {
	s.mu.Lock()
	h := s.hooksLocked()
	h.onDisconnecting = append(h.onDisconnecting, fn)
	s.mu.Unlock()
}

// Join adds the socket to rooms.
//
// Joining races with disconnection safely: a socket that disconnects
// meanwhile is in no room afterwards.
func (s *Socket) Join(rooms ...string) {
	if !s.Connected() {
		return
	}
	before, observed := s.roomsBefore(false)
	s.nsp.adapter.AddAll(s.id, rooms)
	// onClose clears connected before it removes the socket from every
	// room: if it did so after the check above, its DelAll may have run
	// before AddAll, so undo AddAll here.
	if !s.Connected() {
		s.nsp.adapter.DelAll(s.id)
		return
	}
	if observed {
		s.observeJoin(before, rooms)
	}
}

// Leave removes the socket from rooms (Join's counterpart; one room as
// in Node's socket.leave, or several).
func (s *Socket) Leave(rooms ...string) {
	before, observed := s.roomsBefore(true)
	for _, room := range rooms {
		s.nsp.adapter.Del(s.id, room)
	}
	if observed {
		s.observeLeave(before, rooms)
	}
}

// Rooms returns the rooms the socket is in, its own id room included.
func (s *Socket) Rooms() []string { return s.nsp.adapter.SocketRooms(s.id) }

// Disconnect disconnects the socket from its namespace (the client gets
// "io server disconnect"); with close, the whole connection is closed and
// the socket's other namespaces disconnect too.
func (s *Socket) Disconnect(close bool) {
	if !s.Connected() {
		return
	}
	if close {
		for _, o := range s.client.socketList() {
			o.disconnect()
		}
		_ = s.client.conn.Close()
		return
	}
	s.disconnect()
}

func (s *Socket) disconnect() {
	// The socket is marked closed before the DISCONNECT is written: a
	// client that closes its connection as soon as it reads the packet
	// (socket.io-client does, when it was its last socket) must find the
	// socket closed with this reason, not close it as "transport close".
	c, ok := s.beginClose(ReasonServerNamespaceDisconnect)
	if !ok {
		return
	}
	_ = s.client.sendPacket(&codec.SocketPacket{Type: codec.Disconnect, Nsp: s.nsp.name})
	if testHookDisconnectSent != nil {
		testHookDisconnectSent(s)
	}
	s.endClose(ReasonServerNamespaceDisconnect, c)
}

// testHookDisconnectSent, set by tests only, runs between the DISCONNECT
// written and the rest of the disconnection.
var testHookDisconnectSent func(*Socket)

// onClose disconnects the socket locally: disconnecting listeners (rooms
// still joined), leave every room, fail pending acks, disconnect
// listeners. Only the first call has an effect.
func (s *Socket) onClose(reason string) {
	if c, ok := s.beginClose(reason); ok {
		s.endClose(reason, c)
	}
}

// closing is what beginClose takes from the socket for endClose.
type closing struct {
	before, after []func(string)
	acks          map[uint64]*pendingAck
}

// beginClose marks the socket disconnected with reason; it reports false
// when it already was. The rest of the work is endClose's.
func (s *Socket) beginClose(reason string) (closing, bool) {
	s.mu.Lock()
	if !s.connected {
		s.mu.Unlock()
		return closing{}, false
	}
	s.connected = false
	s.closedReason = reason
	s.ctxEnd = reason
	if s.cancel != nil {
		s.cancel(disconnectCause(reason))
	}
	var before []func(string)
	if s.hooks != nil {
		before = s.hooks.onDisconnecting
	}
	after := s.onDisconnect
	acks := s.acks
	s.acks = nil
	s.mu.Unlock()
	return closing{before: before, after: after, acks: acks}, true
}

// endClose runs the disconnection beginClose started: disconnecting
// listeners (rooms still joined), leave every room, fail pending acks,
// disconnect listeners.
func (s *Socket) endClose(reason string, c closing) {
	before, after, acks := c.before, c.after, c.acks
	srv := s.nsp.srv
	srv.counters.disconnects[disconnectIndex(reason)].Add(1)
	srv.logSocket(slog.LevelDebug, "socket.io socket disconnected", s, reason)
	for _, fn := range before {
		s.nsp.srv.safeCall("disconnecting", func() { fn(reason) })
	}
	if s.pid != "" && recoverableReason(reason) {
		if sa, ok := s.nsp.adapter.(SessionAwareAdapter); ok {
			ps := &PersistedSession{SID: s.id, PID: s.pid, Rooms: s.Rooms(), Data: s.Data()}
			if err := sa.PersistSession(context.Background(), ps); err != nil {
				s.nsp.srv.reportError(err)
			}
		}
	}
	joined, observed := s.roomsBefore(true)
	s.nsp.adapter.DelAll(s.id)
	if observed {
		s.observeLeaveAll(joined)
	}
	s.nsp.remove(s)
	s.client.detach(s)
	for _, a := range acks {
		a.fail(s, ErrDisconnected)
	}
	for _, fn := range after {
		s.nsp.srv.safeCall("disconnect", func() { fn(reason) })
	}
	if s.gone != nil {
		close(s.gone)
	}
}

// reportError passes err to the socket's error listeners, or to the
// server's error handler when there are none.
func (s *Socket) reportError(err error) {
	var ls []func(error)
	s.mu.Lock()
	if s.hooks != nil {
		ls = s.hooks.onError
	}
	s.mu.Unlock()
	if len(ls) == 0 {
		s.nsp.srv.reportError(err)
		return
	}
	for _, fn := range ls {
		s.nsp.srv.safeCall("error", func() { fn(err) })
	}
}

// onPacket handles a packet for this socket, on the client's worker (or
// inline, on the reader). It reports whether nothing refers to p or its
// Args any longer (see onEvent).
func (s *Socket) onPacket(p *codec.SocketPacket) (released bool) {
	switch p.Type {
	case codec.Event, codec.BinaryEvent:
		return s.onEvent(p)
	case codec.Disconnect:
		s.onClose(ReasonClientNamespaceDisconnect)
	}
	return false
}

// onEvent runs the event's listeners and handler. It reports whether p's
// Args went to none of them but a handler that takes copies (decoded
// values; not a codec.Args parameter): then, once it has returned,
// nothing refers to p or its Args, and the decoder may reuse them.
func (s *Socket) onEvent(p *codec.SocketPacket) (released bool) {
	var ack AckFunc
	if p.HasID {
		ack = s.ackFunc(p.ID)
	}
	var (
		anyIn []func(string, codec.Args)
		mws   []func(string, codec.Args) error
		h     handler
		found bool
	)
	s.mu.Lock()
	connected := s.connected
	if s.hooks != nil {
		anyIn, mws = s.hooks.anyIn, s.hooks.middlewares
	}
	if i := s.handlerIndexLocked(p.Event); i >= 0 {
		h, found = s.handlers[i].handler, true
	}
	s.mu.Unlock()
	for _, fn := range anyIn {
		s.nsp.srv.safeCall(p.Event, func() { fn(p.Event, p.Args) })
	}
	for _, mw := range mws {
		var err error
		returned := false
		s.nsp.srv.safeCall(p.Event, func() { err = mw(p.Event, p.Args); returned = true })
		if !returned {
			return false // the middleware panicked (reported by safeCall): fail closed
		}
		if err != nil {
			s.reportError(err)
			return false
		}
	}
	released = len(anyIn) == 0 && len(mws) == 0
	if found && !released {
		// Listeners and middleware ran meanwhile: one may have
		// disconnected the socket. Without them, the state read with
		// the handler is as fresh (one lock per event, not two).
		connected = s.Connected()
	}
	if !found || !connected {
		return released
	}
	if err := h.call(s.nsp.srv, p.Event, p.Args, ack); err != nil {
		s.reportError(err)
	}
	return released && !h.keepsArgs()
}

// ackFunc returns the callback answering the client's ack request id: at
// most once, whatever the caller does.
func (s *Socket) ackFunc(id uint64) AckFunc {
	// A flag, not a sync.Once: Once.Do takes a closure that escapes with
	// the arguments, two more allocations for every event with an ack.
	sent := new(atomic.Bool)
	return func(args ...any) error {
		if !sent.CompareAndSwap(false, true) {
			return ErrAckAlreadySent
		}
		return s.client.sendPacket(&codec.SocketPacket{Type: codec.Ack, Nsp: s.nsp.name, ID: id, HasID: true, Data: nonNilArgs(args)})
	}
}

func nonNilArgs(args []any) []any {
	if args == nil {
		return []any{}
	}
	return args
}

// Emit sends an event to the client. If the last argument is a func it
// is the ack callback, typed like an event handler (its parameters
// receive the client's ack arguments). The ack is awaited for Timeout, or
// Options.AckTimeout (60 s by default) without one; if the callback's
// first parameter is an error, it is called with ErrAckTimeout or
// ErrDisconnected when no answer comes, else it is dropped then.
func (s *Socket) Emit(event string, args ...any) error {
	return s.emit(event, args, 0, false)
}

// Send emits the "message" event (what the JS client's socket.send and
// the seed API's Conn.Send do).
func (s *Socket) Send(args ...any) error { return s.Emit("message", args...) }

// Timeout returns an emitter whose acks time out after d.
func (s *Socket) Timeout(d time.Duration) *SocketEmitter {
	return &SocketEmitter{s: s, timeout: d}
}

// Compress(false) returns an emitter whose events are sent uncompressed
// (no per-message deflate, no HTTP compression asked for), as Node's
// socket.compress(false). Compression is on by default.
func (s *Socket) Compress(v bool) *SocketEmitter {
	return &SocketEmitter{s: s, noCompress: !v}
}

// SocketEmitter emits to one socket with flags: an ack timeout
// (Socket.Timeout) and compression (Socket.Compress). It is a value the
// methods copy, safe to share between goroutines.
type SocketEmitter struct {
	s          *Socket
	timeout    time.Duration
	noCompress bool
}

// Timeout returns a copy of e whose acks time out after d.
func (e *SocketEmitter) Timeout(d time.Duration) *SocketEmitter {
	c := *e
	c.timeout = d
	return &c
}

// Compress returns a copy of e with compression on or off.
func (e *SocketEmitter) Compress(v bool) *SocketEmitter {
	c := *e
	c.noCompress = !v
	return &c
}

// Emit is Socket.Emit with the emitter's flags.
func (e *SocketEmitter) Emit(event string, args ...any) error {
	return e.s.emit(event, args, e.timeout, e.noCompress)
}

// EmitWithAck is Socket.EmitWithAck with the emitter's flags, bounded by
// its timeout when it has one.
func (e *SocketEmitter) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	return e.s.emitWithAck(ctx, event, args, e.noCompress)
}

// EmitWithAck sends an event and waits for the client's ack, until ctx is
// done (then it returns ErrAckTimeout, which also wraps ctx's error) or the
// socket disconnects (ErrDisconnected).
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	return s.emitWithAck(ctx, event, args, false)
}

func (s *Socket) emitWithAck(ctx context.Context, event string, args []any, noCompress bool) (codec.Args, error) {
	if codec.IsReservedEvent(event) {
		return nil, ErrReservedEvent
	}
	ch := make(chan ackResult, 1)
	id := s.nsp.nextAckID()
	if err := s.addAck(id, &pendingAck{ch: ch}, 0); err != nil {
		return nil, err
	}
	if err := s.write(event, args, id, true, noCompress); err != nil {
		if s.takeAck(id) != nil {
			s.nsp.srv.counters.acks.Add(^uint64(0)) // never asked for after all
		}
		return nil, err
	}
	select {
	case r := <-ch:
		return r.args, r.err
	case <-ctx.Done():
		if s.takeAck(id) == nil {
			// Answered (or failed) meanwhile: the result is in ch.
			r := <-ch
			return r.args, r.err
		}
		s.nsp.srv.counters.ackTimeouts.Add(1)
		return nil, ackTimeoutError(ctx.Err())
	}
}

func (s *Socket) emit(event string, args []any, timeout time.Duration, noCompress bool) error {
	if codec.IsReservedEvent(event) {
		return ErrReservedEvent
	}
	if n := len(args); n > 0 && isFunc(args[n-1]) {
		h, err := newHandler(args[n-1])
		if err != nil {
			return err
		}
		if timeout == 0 {
			timeout = s.nsp.srv.opts.AckTimeout // negative: none
		}
		id := s.nsp.nextAckID()
		if err := s.addAck(id, &pendingAck{h: h, event: event}, timeout); err != nil {
			return err
		}
		if err := s.write(event, args[:n-1], id, true, noCompress); err != nil {
			if a := s.takeAck(id); a != nil {
				s.nsp.srv.counters.acks.Add(^uint64(0)) // never asked for after all
				if a.timer != nil {
					a.timer.Stop()
				}
			}
			return err
		}
		return nil
	}
	return s.write(event, args, 0, false, noCompress)
}

// write encodes and queues one event packet.
func (s *Socket) write(event string, args []any, id uint64, hasID, noCompress bool) error {
	if !s.Connected() {
		return ErrDisconnected
	}
	data := make([]any, 0, len(args)+1)
	data = append(data, event)
	data = append(data, args...)
	p := &codec.SocketPacket{Type: codec.Event, Nsp: s.nsp.name, ID: id, HasID: hasID, Data: data}
	if s.pid != "" && !hasID {
		if _, ok := s.nsp.adapter.(SessionAwareAdapter); ok {
			// Recorded with an offset, as Node does: a broadcast to
			// the socket's own room (this node only).
			return s.nsp.adapter.Broadcast(ownEmit, p, BroadcastOptions{Rooms: []string{s.id}, Flags: BroadcastFlags{Local: true, NoCompress: noCompress}})
		}
	}
	s.notifyOutgoing(event, args)
	return s.client.send(p, noCompress)
}

// deliver queues an encoded broadcast packet on the socket's session;
// deferred leaves the writing to the session's flusher.
func (s *Socket) deliver(pkts []codec.Packet, volatile, deferred bool, event string, args []any) {
	if !s.Connected() {
		return
	}
	s.notifyOutgoing(event, args)
	s.hand(pkts, volatile, deferred)
}

// deliverQuiet is deliver without the outgoing listeners, for a caller
// holding a lock they must not run under (they are user code); it
// reports whether the socket has listeners to notify afterwards.
func (s *Socket) deliverQuiet(pkts []codec.Packet, volatile, deferred bool) (notify bool) {
	s.mu.Lock()
	connected, hooked := s.connected, s.hooks != nil && len(s.hooks.anyOut) > 0
	s.mu.Unlock()
	if !connected {
		return false
	}
	s.hand(pkts, volatile, deferred)
	return hooked
}

// hand gives encoded packets to the socket's session.
func (s *Socket) hand(pkts []codec.Packet, volatile, deferred bool) {
	conn := s.client.conn
	switch {
	case volatile && deferred:
		conn.EnqueueVolatile(pkts...)
	case volatile:
		conn.SendVolatile(pkts...)
	case deferred:
		_ = conn.Enqueue(pkts...)
	default:
		_ = conn.Send(pkts...)
	}
}

func (s *Socket) notifyOutgoing(event string, args []any) {
	var ls []func(string, []any)
	s.mu.Lock()
	if s.hooks != nil {
		ls = s.hooks.anyOut
	}
	s.mu.Unlock()
	for _, fn := range ls {
		s.nsp.srv.safeCall(event, func() { fn(event, args) })
	}
}

// To returns a broadcast operator that targets rooms and excludes this
// socket (what socket.to(room).emit does in the reference).
func (s *Socket) To(rooms ...string) *BroadcastOperator {
	return s.nsp.op().Except(s.id).To(rooms...)
}

// In is an alias of To.
func (s *Socket) In(rooms ...string) *BroadcastOperator { return s.To(rooms...) }

// Except returns a broadcast operator excluding rooms and this socket.
func (s *Socket) Except(rooms ...string) *BroadcastOperator {
	return s.nsp.op().Except(s.id).Except(rooms...)
}

// Broadcast returns a broadcast operator to every other socket of the
// namespace.
func (s *Socket) Broadcast() *BroadcastOperator { return s.nsp.op().Except(s.id) }
