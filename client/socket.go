package client

import (
	"context"
	"fmt"
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
	// The Manager's lock first, held until the connection is asked for:
	// the Manager closing because no socket was active (destroy, after a
	// refusal, say) then either finishes before this socket is active, and
	// the Manager opens again, or sees it active and stays open. Without
	// it, a close could find the socket active halfway through Connect and
	// fail it with ErrDisconnected though a new connection was coming.
	s.m.mu.Lock()
	s.mu.Lock()
	if s.connected {
		s.mu.Unlock()
		s.m.mu.Unlock()
		return
	}
	s.active = true
	s.waitErr = nil
	s.changedLocked()
	s.mu.Unlock()
	s.m.connectSocketLocked(s) // unlocks m.mu
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

// String returns the namespace and the socket id.
func (s *Socket) String() string {
	return s.nsp + "#" + s.ID()
}
