// Package session is the Engine.IO v4 server (and, with
// Options.AllowEIO3, v3): the handshake, the session state machine,
// heartbeats, the polling → WebSocket upgrade and each session's bounded
// outgoing queue. Server is an http.Handler usable on its
// own, like Node's engine.io package; the Socket.IO server is built on it.
//
// # Concurrency
//
// Server and Session methods are safe for concurrent use. Each session
// delivers incoming messages to its OnMessage callback one at a time, in
// order. Send never blocks on the network: it writes at once what the
// socket takes without waiting, and the rest goes to the session's bounded
// queue and a writer goroutine, running only while the queue is non-empty.
// Enqueue (for broadcasts) only queues: a flusher shared by many sessions
// writes each session's whole queue at once. No lock is held across
// network I/O.
//
// # Heartbeat
//
// Each session has one timer (no goroutine) that schedules pings. A due
// ping is written ahead of any queued data, so heavy traffic cannot delay
// it, and a missing pong closes the session with reason "ping timeout".
package session

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/transports"
)

// Server is the Engine.IO server. Mount it where the clients' path points
// (by default "/engine.io/"); it serves every request it is given and
// does not look at the URL path, so it works under any router prefix.
//
// Concurrency: all methods are safe for concurrent use. Add the connection
// callbacks with OnConnection before serving.
type Server struct {
	cfg      config
	flushers *flushers // write the queues filled by Enqueue
	counters counters  // see Stats

	onConnMu     sync.Mutex                       // serialises OnConnection
	onConnection atomic.Pointer[[]func(*Session)] // copied on write

	mu       sync.RWMutex
	sessions map[string]*Session // guarded by mu
	closing  bool                // guarded by mu; set by Shutdown
	drained  chan struct{}       // guarded by mu; closed when closing and no session is left
}

// NewServer returns a Server configured by opts (nil means defaults).
func NewServer(opts *Options) *Server {
	s := &Server{cfg: newConfig(opts), sessions: make(map[string]*Session), flushers: newFlushers()}
	return s
}

// OnConnection adds a function called for each new session, before any
// of its packets is read, so it can install OnMessage and OnClose without
// missing anything. It runs on the handshake request's goroutine: it should
// return promptly. Functions run in the order they were added, and apply
// to sessions opened after the call; adding one never removes another
// (the Socket.IO server registers its own here: a second one, to log new
// sessions say, runs beside it).
func (s *Server) OnConnection(fn func(*Session)) {
	if fn == nil {
		return
	}
	s.onConnMu.Lock()
	defer s.onConnMu.Unlock()
	var fns []func(*Session)
	if old := s.onConnection.Load(); old != nil {
		fns = append(fns, *old...)
	}
	fns = append(fns, fn)
	s.onConnection.Store(&fns)
}

// QueueLimits returns the bounds of each session's outgoing queue
// (Options.MaxBufferedPackets and MaxBufferedBytes, defaults applied;
// zero means no bound).
func (s *Server) QueueLimits() (packets int, bytes int64) {
	return max(s.cfg.maxPackets, 0), max(s.cfg.maxBytes, 0)
}

// Count returns the number of open sessions.
func (s *Server) Count() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.sessions)
}

// Session returns the open session with the given id, or nil.
func (s *Server) Session(id string) *Session {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sessions[id]
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serve(w, r) }

// serve routes a request the way the reference server's verify() does:
// transport first, then the session (or the handshake checks).
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	transport := q.Get("transport")
	sid := q.Get("sid")
	if !s.transportAllowed(transport) {
		if sid == "" {
			s.refuse(w, r, refusedUnknownTransport, http.StatusBadRequest, CodeUnknownTransport, "")
		} else {
			writeError(w, http.StatusBadRequest, CodeUnknownTransport, "")
		}
		return
	}
	isWS := transports.IsWebSocketRequest(r)
	// As in the reference server, anything but EIO=4 is protocol 3.
	v3 := q.Get("EIO") != "4"
	if sid != "" {
		sess := s.Session(sid)
		if sess != nil && sess.pongOverdue() {
			sess.closeNow(ReasonPingTimeout, nil, true)
			sess = nil
		}
		if sess == nil {
			writeError(w, http.StatusBadRequest, CodeUnknownSID, "")
			return
		}
		if sess.v3 != v3 {
			// A request of the other protocol on this session.
			writeError(w, http.StatusBadRequest, CodeBadRequest, "")
			return
		}
		if transport == transports.NameWebSocket {
			if !isWS {
				writeError(w, http.StatusBadRequest, CodeBadRequest, "")
				return
			}
			sess.serveUpgrade(w, r)
			return
		}
		sess.servePolling(w, r)
		return
	}
	if r.Method != http.MethodGet {
		s.refuse(w, r, refusedBadMethod, http.StatusBadRequest, CodeBadHandshakeMethod, "")
		return
	}
	if v3 && !s.cfg.allowEIO3 {
		s.refuse(w, r, refusedUnsupportedProtocol, http.StatusBadRequest, CodeUnsupportedVersion, "")
		return
	}
	if transport == transports.NameWebSocket && !isWS {
		s.refuse(w, r, refusedBadRequest, http.StatusBadRequest, CodeBadRequest, "")
		return
	}
	if s.cfg.allowRequest != nil {
		if err := s.cfg.allowRequest(r); err != nil {
			s.refuse(w, r, refusedForbidden, http.StatusForbidden, CodeForbidden, err.Error())
			return
		}
	}
	s.handshake(w, r, transport, v3)
}

func (s *Server) transportAllowed(t string) bool {
	switch t {
	case transports.NamePolling:
		return s.cfg.polling
	case transports.NameWebSocket:
		return s.cfg.websocket
	}
	return false
}

// handshake opens a session. The open packet is queued first, then the
// connection callback runs (so whatever it sends follows the open packet),
// then the request goes on as the session's first poll or as the
// WebSocket reader.
func (s *Server) handshake(w http.ResponseWriter, r *http.Request, transport string, v3 bool) {
	id, err := s.cfg.generateID(r)
	if err != nil || id == "" {
		s.refuse(w, r, refusedBadRequest, http.StatusBadRequest, CodeBadRequest, "")
		return
	}
	maxPayload := s.cfg.maxPayloadFor(r.Context())
	var ws *transports.WebSocket
	if transport == transports.NameWebSocket {
		// On failure Upgrade has answered the request already.
		if ws, err = transports.Upgrade(w, r, s.cfg.wsConfigFor(maxPayload)); err != nil {
			s.refused(r, refusedBadRequest, slog.String("transport", transport), slog.Any("err", err))
			return
		}
	}
	sess := newSession(s, id, r, transport, ws)
	sess.maxPayload = maxPayload
	if v3 {
		sess.setV3(r, ws)
	}
	if err := s.add(sess); err != nil {
		status, msg, cause := http.StatusBadRequest, "", refusedBadRequest
		if err == ErrServerClosed {
			status, msg, cause = http.StatusServiceUnavailable, "Server shutting down", refusedShuttingDown
		}
		if ws != nil {
			ws.Close(transports.CloseGoingAway, msg)
			s.refused(r, cause, slog.String("transport", transport), slog.Any("err", err))
		} else {
			s.refuse(w, r, cause, status, CodeBadRequest, msg)
		}
		return
	}
	s.logOpened(sess, r, transport)
	// The open packet is the session's own: it is queued outside the
	// limits, which bound what the application sends.
	sess.mu.Lock()
	sess.queue = append(sess.queue, codec.Packet{Type: codec.PacketOpen, Data: s.openPayload(id, transport, maxPayload, v3)})
	sess.kickLocked()
	sess.mu.Unlock()
	if fns := s.onConnection.Load(); fns != nil {
		for _, fn := range *fns {
			fn(sess)
		}
	}
	sess.startHeartbeat()
	if ws != nil {
		sess.startReading(ws)
		return
	}
	sess.servePolling(w, r)
}

func (s *Server) openPayload(id, transport string, maxPayload int64, v3 bool) []byte {
	upgrades := []string{}
	if transport == transports.NamePolling && s.cfg.upgrades {
		upgrades = append(upgrades, transports.NameWebSocket)
	}
	if v3 {
		// The v3 handshake has no maxPayload (engine.io 6 sends it to v3
		// clients too; socket.io-client 2.x ignores it).
		b, _ := json.Marshal(struct {
			SID          string   `json:"sid"`
			Upgrades     []string `json:"upgrades"`
			PingInterval int64    `json:"pingInterval"`
			PingTimeout  int64    `json:"pingTimeout"`
		}{id, upgrades, s.cfg.pingInterval.Milliseconds(), s.cfg.pingTimeout.Milliseconds()})
		return b
	}
	b, _ := json.Marshal(struct {
		SID          string   `json:"sid"`
		Upgrades     []string `json:"upgrades"`
		PingInterval int64    `json:"pingInterval"`
		PingTimeout  int64    `json:"pingTimeout"`
		MaxPayload   int64    `json:"maxPayload"`
	}{id, upgrades, s.cfg.pingInterval.Milliseconds(), s.cfg.pingTimeout.Milliseconds(), maxPayload})
	return b
}

// add registers a new session: ErrServerClosed once Shutdown has begun,
// errDuplicateID if the id is taken (a broken GenerateID).
func (s *Server) add(sess *Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return ErrServerClosed
	}
	if _, dup := s.sessions[sess.id]; dup {
		return errDuplicateID
	}
	// Counted before anyone can close it (Shutdown finds it in the map);
	// its transport is the handshake's until then.
	s.counters.opened.Add(1)
	s.counters.openGauge(sess.transport).Add(1)
	s.sessions[sess.id] = sess
	return nil
}

func (s *Server) remove(sess *Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions[sess.id] == sess {
		delete(s.sessions, sess.id)
	}
	if s.closing && len(s.sessions) == 0 {
		select {
		case <-s.drained:
		default:
			close(s.drained)
		}
	}
}

// Shutdown refuses new sessions, closes every open session with reason
// "server shutting down" (queued packets are flushed first) and waits until
// all are closed or ctx is done, whichever comes first.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	if s.drained == nil {
		s.drained = make(chan struct{})
	}
	done := s.drained
	if len(s.sessions) == 0 {
		select {
		case <-done:
		default:
			close(done)
		}
	}
	all := make([]*Session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		all = append(all, sess)
	}
	s.mu.Unlock()
	for _, sess := range all {
		sess.closeGracefully(ReasonShutdown)
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, sess := range all {
			sess.closeNow(ReasonShutdown, ctx.Err(), false)
		}
		return ctx.Err()
	}
}
