package socketio

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/session"
)

// Namespace is a communication channel multiplexed over the connections,
// with its own middleware, connection handlers, sockets and rooms.
//
// Concurrency: all methods are safe for concurrent use. Add middleware and
// connection handlers before clients connect; a handler added later only
// sees later connections.
type Namespace struct {
	name    string
	srv     *Server
	adapter Adapter
	ackID   atomic.Uint64 // ack ids of server emits, per namespace as in the reference

	mu          sync.RWMutex
	sockets     map[string]*Socket    // guarded by mu; by socket id
	byPID       map[string]*Socket    // guarded by mu; by private id (connection state recovery)
	middlewares []func(*Socket) error // guarded by mu
	onConnect   []func(*Socket)       // guarded by mu
	serverSide  map[string]*handler   // guarded by mu; ServerSideEmit receivers
	parent      *parentNamespace      // set once at creation for the template of dynamic namespaces
	hadSocket   bool                  // guarded by mu; a socket has joined (dynamic children)

	// Dynamic children only (see parentNamespace.child):
	owner  *parentNamespace // set once at creation
	refs   atomic.Int32     // CONNECTs in progress; changed under srv.mu (read lock is enough)
	pinned bool             // guarded by srv.mu; returned by Server.Of: never removed
}

// newNamespace creates a namespace and its adapter. It must not be called
// under the server's lock: a cluster adapter's factory may do network I/O.
func newNamespace(s *Server, name string) (*Namespace, error) {
	n := &Namespace{name: name, srv: s, sockets: make(map[string]*Socket)}
	if s.opts.Adapter == nil {
		n.adapter = NewMemoryAdapter(n)
		return n, nil
	}
	a, err := s.opts.Adapter(n)
	if err != nil {
		return nil, fmt.Errorf("socketio: adapter of namespace %q: %w", name, err)
	}
	if a == nil {
		return nil, fmt.Errorf("socketio: adapter of namespace %q: factory returned nil", name)
	}
	n.adapter = a
	return n, nil
}

// Name returns the namespace name, such as "/" or "/admin".
func (n *Namespace) Name() string { return n.name }

// Server returns the server the namespace belongs to.
func (n *Namespace) Server() *Server { return n.srv }

// Adapter returns the namespace's adapter.
func (n *Namespace) Adapter() Adapter { return n.adapter }

// Use adds connection middleware. Middleware runs in order for every
// CONNECT, before the socket joins the namespace; it can read
// s.Handshake() (headers, query, auth) and set s.SetData. A non-nil error
// refuses the connection: the client's connect_error receives the error's
// message (and data, with *ConnectError). Middleware may block (a database
// lookup, say); it delays only that connection's packets.
func (n *Namespace) Use(fn func(*Socket) error) {
	n.mu.Lock()
	n.middlewares = append(n.middlewares, fn)
	n.mu.Unlock()
}

// OnConnection adds a handler called for each socket that joins the
// namespace, after the CONNECT reply is queued. Install the socket's event
// handlers here: events from the client are handled only after all
// connection handlers have returned.
func (n *Namespace) OnConnection(fn func(*Socket)) {
	n.mu.Lock()
	n.onConnect = append(n.onConnect, fn)
	n.mu.Unlock()
}

// Sockets returns the sockets connected to this namespace on this node.
func (n *Namespace) Sockets() []*Socket { return n.socketList() }

func (n *Namespace) socketList() []*Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*Socket, 0, len(n.sockets))
	for _, s := range n.sockets {
		out = append(out, s)
	}
	return out
}

// Socket returns the socket with the given id connected on this node, or
// nil.
func (n *Namespace) Socket(id string) *Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.sockets[id]
}

// add runs the middleware for a CONNECT and, if it passes, connects the
// socket: CONNECT reply, then the connection handlers.
func (n *Namespace) add(c *client, auth codec.Args) {
	id, err := session.NewID()
	if c.v3 {
		id = v3SocketID(n.name, c.conn.ID())
	}
	if err != nil {
		c.closeWith(ReasonTransportError, err)
		return
	}
	sock := newSocket(n, c, id, auth, time.Now())
	n.mu.RLock()
	mws := n.middlewares
	handlers := n.onConnect
	n.mu.RUnlock()

	// Connection state recovery: a client back with its pid and offset.
	var sa SessionAwareAdapter
	var pid, offset string
	if csr := n.srv.opts.ConnectionStateRecovery; csr != nil && !c.v3 {
		if sock.pid, err = session.NewID(); err != nil {
			c.closeWith(ReasonTransportError, err)
			return
		}
		sock.gone = make(chan struct{})
		var ok bool
		if pid, offset, ok = recoveryAuth(auth); ok {
			sa, _ = n.adapter.(SessionAwareAdapter)
		}
		if sa != nil && !csr.RunMiddlewares {
			if n.restore(c, sock, sa, pid, offset) {
				n.connected(sock, handlers)
				return
			}
			sa = nil // connects as a new socket
		}
		if sa != nil {
			// The middleware sees the socket as it would be restored.
			if rs, err := sa.RestoreSession(context.Background(), pid, offset, nil); err == nil && rs != nil {
				sock.id, sock.recovered, sock.data = rs.SID, true, rs.Data
			} else {
				sa = nil
			}
		}
	}

	for _, mw := range mws {
		if err := n.runMiddleware(mw, sock); err != nil {
			n.srv.connectRefused(c, n.name, refusedByMiddleware, err)
			payload := connectErrorPayload{Message: err.Error()}
			var ce *ConnectError
			if errors.As(err, &ce) {
				payload.Data = ce.Data
			}
			var data any = payload
			if c.v3 {
				data = v3ConnectError(payload)
			}
			_ = c.sendPacket(&codec.SocketPacket{Type: codec.ConnectError, Nsp: n.name, Data: data})
			sock.abandon("refused by middleware: " + err.Error())
			return
		}
	}
	if sa != nil {
		if n.restore(c, sock, sa, pid, offset) {
			n.connected(sock, handlers)
			return
		}
		// Gone while the middleware ran: a new socket after all.
		sock.mu.Lock()
		sock.id, sock.recovered = id, false
		sock.mu.Unlock()
	}
	if !c.attach(sock) {
		sock.abandon("connection closed before the socket connected")
		return
	}
	n.addSocket(sock)
	if r, ok := n.adapter.(interface{ recordingFrom(string) }); ok && sock.pid != "" {
		r.recordingFrom(sock.id)
	}
	n.adapter.AddAll(sock.id, []string{sock.id})
	sock.markConnected()
	if c.v3 {
		_ = c.sendPacket(&codec.SocketPacket{Type: codec.Connect, Nsp: n.name}) // no payload in protocol 4
	} else {
		_ = c.sendPacket(&codec.SocketPacket{Type: codec.Connect, Nsp: n.name, Data: connectPayload{SID: sock.id, PID: sock.pid}})
	}
	n.connected(sock, handlers)
}

// connected runs the connection handlers of a socket just connected.
func (n *Namespace) connected(sock *Socket, handlers []func(*Socket)) {
	n.srv.observeConnect(sock)
	for _, h := range handlers {
		n.srv.safeCall("connection", func() { h(sock) })
	}
}

// connectPayload is the CONNECT reply; PID only with connection state
// recovery.
type connectPayload struct {
	SID string `json:"sid"`
	PID string `json:"pid,omitempty"`
}

func (n *Namespace) runMiddleware(mw func(*Socket) error, s *Socket) (err error) {
	defer func() {
		if v := recover(); v != nil {
			n.srv.reportError(&PanicError{Event: "middleware", Value: v})
			err = errors.New("middleware failure")
		}
	}()
	return mw(s)
}

// safeCall runs user code, turning a panic into a reported error.
func (s *Server) safeCall(event string, fn func()) {
	defer func() {
		if v := recover(); v != nil {
			s.reportError(&PanicError{Event: event, Value: v})
		}
	}()
	fn()
}

// addSocket lists a socket just connected.
func (n *Namespace) addSocket(s *Socket) {
	n.mu.Lock()
	n.sockets[s.id] = s
	if s.pid != "" {
		if n.byPID == nil {
			n.byPID = make(map[string]*Socket)
		}
		n.byPID[s.pid] = s
	}
	n.hadSocket = true
	n.mu.Unlock()
}

func (n *Namespace) remove(s *Socket) {
	n.mu.Lock()
	if n.sockets[s.id] == s {
		delete(n.sockets, s.id)
	}
	if s.pid != "" && n.byPID[s.pid] == s {
		delete(n.byPID, s.pid)
	}
	empty := len(n.sockets) == 0
	n.mu.Unlock()
	if empty && n.owner != nil && n.srv.opts.CleanupEmptyChildNamespaces {
		n.removeIfUnused()
	}
}

func (n *Namespace) nextAckID() uint64 { return n.ackID.Add(1) - 1 }

// Broadcasting shorthands: each starts a BroadcastOperator.

func (n *Namespace) op() *BroadcastOperator { return &BroadcastOperator{nsp: n} }

// To selects rooms for a broadcast (union of all rooms given).
func (n *Namespace) To(rooms ...string) *BroadcastOperator { return n.op().To(rooms...) }

// In is an alias of To.
func (n *Namespace) In(rooms ...string) *BroadcastOperator { return n.op().To(rooms...) }

// Except excludes the sockets in rooms from a broadcast.
func (n *Namespace) Except(rooms ...string) *BroadcastOperator { return n.op().Except(rooms...) }

// Volatile marks a broadcast as droppable for clients not ready to take it.
func (n *Namespace) Volatile() *BroadcastOperator { return n.op().Volatile() }

// Local restricts a broadcast to this node.
func (n *Namespace) Local() *BroadcastOperator { return n.op().Local() }

// Compress sets the compress flag of a broadcast.
func (n *Namespace) Compress(c bool) *BroadcastOperator { return n.op().Compress(c) }

// Timeout sets the ack timeout of a broadcast with ack.
func (n *Namespace) Timeout(d time.Duration) *BroadcastOperator { return n.op().Timeout(d) }

// Emit sends an event to every socket of the namespace.
func (n *Namespace) Emit(event string, args ...any) error { return n.op().Emit(event, args...) }

// Send emits the "message" event to every socket of the namespace.
func (n *Namespace) Send(args ...any) error { return n.op().Emit("message", args...) }

// EmitWithAck broadcasts an event and collects one ack per socket; see
// BroadcastOperator.EmitWithAck.
func (n *Namespace) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	return n.op().EmitWithAck(ctx, event, args...)
}

// FetchSockets returns the sockets of the namespace, on every node.
func (n *Namespace) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return n.op().FetchSockets(ctx)
}

// SocketsJoin makes every socket of the namespace join rooms.
func (n *Namespace) SocketsJoin(rooms ...string) error { return n.op().SocketsJoin(rooms...) }

// SocketsLeave makes every socket of the namespace leave rooms.
func (n *Namespace) SocketsLeave(rooms ...string) error { return n.op().SocketsLeave(rooms...) }

// DisconnectSockets disconnects every socket of the namespace; with close
// the underlying connections are closed too.
func (n *Namespace) DisconnectSockets(close bool) error { return n.op().DisconnectSockets(close) }

// OnServerSideEmit registers a handler for events sent with ServerSideEmit
// by other nodes of a cluster. The handler is typed like a socket event
// handler; a trailing func parameter receives the ack.
func (n *Namespace) OnServerSideEmit(event string, fn any) {
	h := mustHandler(event, fn)
	n.mu.Lock()
	if n.serverSide == nil {
		n.serverSide = make(map[string]*handler)
	}
	n.serverSide[event] = &h
	n.mu.Unlock()
}

// ServerSideEmit sends an event to the other nodes of the cluster (never
// to this node, nor to clients). With the in-memory adapter there are no
// other nodes and nothing is sent.
func (n *Namespace) ServerSideEmit(event string, args ...any) error {
	if isReservedNamespaceEvent(event) {
		return ErrReservedEvent
	}
	return n.adapter.ServerSideEmit(context.Background(), append([]any{event}, args...), nil)
}

// ServerSideEmitWithAck sends an event to the other nodes and waits for one
// ack from each of them, until ctx is done.
func (n *Namespace) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	if isReservedNamespaceEvent(event) {
		return nil, ErrReservedEvent
	}
	var (
		mu        sync.Mutex
		responses []codec.Args
	)
	err := n.adapter.ServerSideEmit(ctx, append([]any{event}, args...), func(a codec.Args) {
		mu.Lock()
		responses = append(responses, a)
		mu.Unlock()
	})
	mu.Lock()
	defer mu.Unlock()
	return responses, err
}

// onServerSideEvent is DeliverServerSideEvent (adapter.go).
func (n *Namespace) onServerSideEvent(event string, args codec.Args, ack func(args ...any)) {
	n.mu.RLock()
	h := n.serverSide[event]
	n.mu.RUnlock()
	if h == nil {
		return
	}
	var af AckFunc
	if ack != nil {
		af = func(a ...any) error { ack(a...); return nil }
	}
	if err := h.call(n.srv, event, args, af); err != nil {
		n.srv.reportError(err)
	}
}

func isReservedNamespaceEvent(e string) bool {
	return e == "connect" || e == "connection" || e == "new_namespace"
}
