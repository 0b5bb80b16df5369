package client

import (
	"context"
	"log"
	"sync"
	"time"

	"github.com/gosio/socketio/codec"
)

// Manager is one connection to a Socket.IO server (the JS client's
// Manager): an Engine.IO connection over polling and/or WebSocket that the
// sockets of any number of namespaces share, and that reconnects with
// exponential backoff when it is lost. Sockets are made with Socket.
//
// A Manager is safe for concurrent use. Its handlers (OnOpen, OnClose,
// …) run on the same goroutine as its sockets' handlers, one at a time,
// in the order of the events.
type Manager struct {
	cfg    config
	ep     endpoint
	gor    tracker // engine and open goroutines: Close waits for them
	dgor   tracker // the dispatcher's goroutine: nobody waits for it
	disp   *dispatcher
	parser codec.JSONParser

	mu            sync.Mutex
	state         managerState       // guarded by mu
	engine        *engine            // guarded by mu; set while open
	decoder       codec.Decoder      // guarded by mu (used by the engine's reader only)
	sockets       map[string]*Socket // guarded by mu
	openSeq       uint64             // guarded by mu; identifies the open attempt in progress
	openCancel    context.CancelFunc // guarded by mu
	reconnecting  bool               // guarded by mu; a reconnection timer or attempt is pending
	skipReconnect bool               // guarded by mu
	backoff       backoff            // guarded by mu
	timerGen      uint64             // guarded by mu; invalidates earlier reconnection timers
	timer         *time.Timer        // guarded by mu
	maxPayload    int64              // guarded by mu; the last handshake's
	pingQueued    bool               // guarded by mu; a ping notification waits to run
	h             managerHandlers    // guarded by mu
}

type managerState uint8

const (
	managerClosed managerState = iota
	managerOpening
	managerOpen
)

type managerHandlers struct {
	open             []func()
	close            []func(reason string, err error)
	err              []func(error)
	ping             []func()
	upgrade          []func(transport string)
	reconnectAttempt []func(attempt int)
	reconnect        []func(attempt int)
	reconnectError   []func(error)
	reconnectFailed  []func()
}

// NewManager returns a Manager for the server at rawURL (http, https, ws
// or wss; the URL's path is ignored: the Engine.IO path is Options.Path,
// and namespaces are chosen with Socket; its query is sent with every
// request). Nothing is opened until a socket connects.
func NewManager(rawURL string, opts *Options) (*Manager, error) {
	m := &Manager{cfg: newConfig(opts), sockets: make(map[string]*Socket)}
	ep, _, err := parseEndpoint(rawURL, &m.cfg)
	if err != nil {
		return nil, err
	}
	m.ep = ep
	m.disp = newDispatcher(&m.dgor, &m.cfg)
	m.backoff = backoff{min: m.cfg.delay, max: m.cfg.delayMax, jitter: m.cfg.jitter}
	return m, nil
}

// New returns a socket, not yet connected, for the namespace named by
// rawURL's path ("/" when none) on a new Manager: the JS client's
// io(url, opts). Register handlers, then call Connect.
func New(rawURL string, opts *Options, sopts *SocketOptions) (*Socket, error) {
	m, err := NewManager(rawURL, opts)
	if err != nil {
		return nil, err
	}
	_, nsp, _ := parseEndpoint(rawURL, &m.cfg)
	return m.Socket(nsp, sopts), nil
}

// Socket returns the Manager's socket for the namespace nsp ("/" when
// empty; a missing leading "/" is added), creating it with opts if it
// does not exist yet (opts is ignored otherwise). The socket is not
// connected: register handlers, then call Connect.
func (m *Manager) Socket(nsp string, opts *SocketOptions) *Socket {
	if nsp == "" || nsp[0] != '/' {
		nsp = "/" + nsp
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s := m.sockets[nsp]; s != nil {
		return s
	}
	s := newSocket(m, nsp, opts)
	m.sockets[nsp] = s
	return s
}

// Transport returns the name of the transport in use ("polling" or
// "websocket"), or "" when the Manager is not open.
func (m *Manager) Transport() string {
	m.mu.Lock()
	e := m.engine
	m.mu.Unlock()
	if e == nil {
		return ""
	}
	return e.transportName()
}

// Close closes the connection (the JS client's manager.disconnect()): no
// reconnection is attempted, connected sockets get OnDisconnect with
// "forced close", and what was already queued is written first (at most
// for 2 s). Close returns once the Manager's network goroutines have
// ended; it does not wait for handlers still running. A socket's Connect
// opens the Manager again.
func (m *Manager) Close() error {
	m.mu.Lock()
	m.closeLocked()
	m.mu.Unlock()
	m.gor.Wait()
	if m.cfg.ownTransport != nil {
		m.cfg.ownTransport.CloseIdleConnections()
	}
	return nil
}

// closeLocked is the JS client's _close: no more reconnection, and the
// connection closed with "forced close".
func (m *Manager) closeLocked() {
	m.skipReconnect = true
	m.reconnecting = false
	m.stopTimerLocked()
	m.oncloseLocked(ReasonForcedClose, nil)
}

func (m *Manager) stopTimerLocked() {
	m.timerGen++
	if m.timer != nil {
		m.timer.Stop()
		m.timer = nil
	}
}

// connectSocketLocked opens the Manager for s if needed, and sends s's CONNECT
// if it is open (the JS client's socket.connect()).
//
// m.mu must be held; connectSocketLocked unlocks it.
func (m *Manager) connectSocketLocked(s *Socket) {
	if !m.reconnecting {
		m.openLocked(false)
	}
	var e *engine
	if m.state == managerOpen {
		e = m.engine
	}
	m.mu.Unlock()
	if e != nil {
		s.onOpen(e)
	}
}

// openLocked starts an attempt to open the connection, unless one is
// open or opening.
func (m *Manager) openLocked(reconnect bool) {
	if m.state != managerClosed {
		return
	}
	m.state = managerOpening
	m.skipReconnect = false
	m.openSeq++
	seq := m.openSeq
	ctx, cancel := context.WithCancel(context.Background())
	if m.cfg.timeout > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), m.cfg.timeout)
	}
	m.openCancel = cancel
	hooks := engineHooks{
		message:  m.onEngineMessage,
		close:    m.onEngineClose,
		ping:     m.onEnginePing,
		upgraded: m.onEngineUpgrade,
	}
	m.gor.Go(func() {
		defer cancel()
		e, err := dialEngine(ctx, &m.cfg, m.ep, &m.gor, hooks)
		m.opened(seq, reconnect, e, err)
	})
}

// opened ends an open attempt.
func (m *Manager) opened(seq uint64, reconnect bool, e *engine, err error) {
	m.mu.Lock()
	if seq != m.openSeq || m.state != managerOpening {
		m.mu.Unlock()
		if e != nil {
			e.closeNow(ReasonForcedClose, nil) // unwanted now; the hook ignores it
		}
		return
	}
	m.openCancel = nil
	if err != nil {
		m.state = managerClosed
		notify(m.disp, m.h.err, func(fn func(error)) { fn(err) })
		socks := m.activeLocked()
		for _, s := range socks {
			s.onManagerError(err, !m.cfg.reconnection)
		}
		if reconnect {
			m.reconnecting = false
			m.reconnectLocked()
			notify(m.disp, m.h.reconnectError, func(fn func(error)) { fn(err) })
		} else if m.cfg.reconnection && !m.reconnecting && m.backoff.attempts == 0 {
			m.reconnectLocked() // the JS client's maybeReconnectOnOpen
		}
		m.mu.Unlock()
		return
	}
	m.state = managerOpen
	m.engine = e
	m.decoder = m.parser.NewDecoder(codec.DecoderLimits{MaxAttachments: m.cfg.maxAttachments})
	m.maxPayload = e.hs.MaxPayload
	notify(m.disp, m.h.open, func(fn func()) { fn() })
	if reconnect {
		attempt := m.backoff.attempts
		m.reconnecting = false
		m.backoff.reset()
		notify(m.disp, m.h.reconnect, func(fn func(int)) { fn(attempt) })
	}
	socks := m.activeLocked()
	e.start()
	m.mu.Unlock()
	for _, s := range socks {
		s.onOpen(e)
	}
}

// activeLocked returns the sockets that want to be connected.
func (m *Manager) activeLocked() []*Socket {
	var socks []*Socket
	for _, s := range m.sockets {
		if s.isActive() {
			socks = append(socks, s)
		}
	}
	return socks
}

// onEngineMessage decodes a message and routes the packet to its
// namespace's socket. It runs on the engine's reading goroutine.
func (m *Manager) onEngineMessage(e *engine, p codec.Packet) {
	m.mu.Lock()
	if m.engine != e {
		m.mu.Unlock()
		return
	}
	dec := m.decoder
	m.mu.Unlock()
	sp, err := dec.Add(p)
	if err != nil {
		m.closeEngine(e, ReasonParseError, err)
		return
	}
	if sp == nil {
		return
	}
	size := int64(0)
	if !p.Binary {
		size = int64(len(p.Data))
	}
	for _, a := range sp.Attachments {
		size += int64(len(a))
	}
	m.mu.Lock()
	s := m.sockets[sp.Nsp]
	m.mu.Unlock()
	if s != nil {
		s.onPacket(e, sp, size)
	}
}

// closeEngine closes the connection because of something the Manager saw
// (a parse error, a limit): the JS client's onclose(reason).
func (m *Manager) closeEngine(e *engine, reason string, err error) {
	m.mu.Lock()
	if m.engine == e {
		m.oncloseLocked(reason, err)
	}
	m.mu.Unlock()
}

// onEngineClose is the engine's close hook.
func (m *Manager) onEngineClose(e *engine, reason string, err error) {
	m.mu.Lock()
	if m.engine == e {
		m.oncloseLocked(reason, err)
	}
	m.mu.Unlock()
	if m.cfg.ownTransport != nil {
		m.cfg.ownTransport.CloseIdleConnections()
	}
}

// oncloseLocked is the JS client's onclose: the connection (open or
// opening) is dropped and closed gracefully, the sockets are told, and a
// reconnection is scheduled unless it is disabled or skipped.
func (m *Manager) oncloseLocked(reason string, err error) {
	if m.openCancel != nil {
		m.openCancel()
		m.openCancel = nil
	}
	m.openSeq++
	if e := m.engine; e != nil {
		m.engine = nil
		m.decoder = nil
		e.shutdown()
	}
	m.backoff.reset()
	m.state = managerClosed
	retry := m.cfg.reconnection && !m.skipReconnect
	// The sockets first: when the close handlers run, they are
	// disconnected.
	for _, s := range m.activeLocked() {
		s.onClose(reason, !retry)
	}
	notify(m.disp, m.h.close, func(fn func(string, error)) { fn(reason, err) })
	if retry {
		m.reconnectLocked()
	}
}

// reconnectLocked schedules the next reconnection attempt, or gives up.
func (m *Manager) reconnectLocked() {
	if m.reconnecting || m.skipReconnect {
		return
	}
	if m.cfg.attempts > 0 && m.backoff.attempts >= m.cfg.attempts {
		m.backoff.reset()
		m.reconnecting = false
		notify(m.disp, m.h.reconnectFailed, func(fn func()) { fn() })
		for _, s := range m.activeLocked() {
			s.onGiveUp(ErrReconnectFailed)
		}
		return
	}
	delay := m.backoff.duration()
	m.reconnecting = true
	m.stopTimerLocked()
	gen := m.timerGen
	m.timer = time.AfterFunc(delay, func() { m.reconnectNow(gen) })
}

// reconnectNow is a reconnection timer firing.
func (m *Manager) reconnectNow(gen uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen != m.timerGen || m.skipReconnect || !m.reconnecting {
		return
	}
	m.timer = nil
	attempt := m.backoff.attempts
	notify(m.disp, m.h.reconnectAttempt, func(fn func(int)) { fn(attempt) })
	m.openLocked(true)
}

// destroy is called when s stops wanting a connection: the Manager closes
// when no socket wants one any more (the JS client's _destroy).
func (m *Manager) destroy(*Socket) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.activeLocked()) == 0 {
		m.closeLocked()
	}
}

// onEnginePing notifies the OnPing handlers; a notification not yet run
// stands for the pings that follow it, so a flood of pings queues
// nothing.
func (m *Manager) onEnginePing() {
	m.mu.Lock()
	defer m.mu.Unlock()
	fns := m.h.ping
	if len(fns) == 0 || m.pingQueued {
		return
	}
	m.pingQueued = true
	m.disp.push(func() {
		m.mu.Lock()
		m.pingQueued = false
		m.mu.Unlock()
		for _, fn := range fns {
			safeCall(fn)
		}
	})
}

func (m *Manager) onEngineUpgrade() {
	m.mu.Lock()
	notify(m.disp, m.h.upgrade, func(fn func(string)) { fn(WebSocket) })
	m.mu.Unlock()
}

// currentMaxPayload is the maxPayload of the last handshake (0: unknown).
func (m *Manager) currentMaxPayload() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.maxPayload
}

// notify queues a call of each handler in fns on the dispatcher. fns is
// never modified afterwards (handlers are added copy-on-write).
func notify[F any](d *dispatcher, fns []F, call func(F)) {
	if len(fns) == 0 {
		return
	}
	d.push(func() {
		for _, fn := range fns {
			safeCall(func() { call(fn) })
		}
	})
}

// safeCall runs a handler of a connection event; a panic is logged (there
// is no socket to report it to).
func safeCall(fn func()) {
	defer func() {
		if v := recover(); v != nil {
			log.Printf("socketio client: panic in handler: %v", v)
		}
	}()
	fn()
}
