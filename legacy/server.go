// Package legacy serves clients of Socket.IO 0.6, the protocol of the
// original go-socket.io: "~m~<length>~m~" framing, "~j~" JSON messages,
// "~h~" heartbeats, the session id as the first message, and the
// transports websocket, flashsocket, htmlfile, xhr-multipart, xhr-polling
// and jsonp-polling on the URLs /<resource>/<transport>/<sessionid>/...
// that the 0.6 client uses.
//
// Server is an http.Handler like the Engine.IO server in package session;
// the Socket.IO server mounts it next to that one (Options.Legacy06), so a
// 0.6 page appears to handlers as a socket of namespace "/". It does not
// look at the path prefix, only at what follows it.
//
// # Concurrency
//
// Server and Conn methods are safe for concurrent use. A Conn never waits
// for the network in Send: messages go to a bounded buffer written by the
// request (or WebSocket) currently carrying the client, and stay there,
// for CloseTimeout, while there is none.
//
// # Differences from the 0.6 server
//
// The websocket and flashsocket transports answer the RFC 6455 handshake
// (today's browsers refuse the draft-76 one the 0.6 server spoke). The
// client files (socket.io.js, WebSocketMain.swf) are not served. Origins
// are checked by the HTTP middleware in front of the server (CheckOrigin,
// CORS), as for every other client.
package legacy

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/session"
)

// Server serves Socket.IO 0.6 clients.
//
// Concurrency: all methods are safe for concurrent use. Add the
// connection callbacks with OnConnection before serving.
type Server struct {
	cfg          config
	onConnMu     sync.Mutex                    // serialises OnConnection
	onConnection atomic.Pointer[[]func(*Conn)] // copied on write

	mu      sync.Mutex
	conns   map[string]*Conn // guarded by mu
	closing bool             // guarded by mu
	drained chan struct{}    // guarded by mu; closed when closing and no conn is left

	upgrader websocket.Upgrader
}

// NewServer returns a Server configured by opts (nil means defaults).
func NewServer(opts *Options) *Server {
	s := &Server{cfg: newConfig(opts), conns: make(map[string]*Conn)}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		// Origins are the HTTP middleware's to check (CheckOrigin), as for
		// the Engine.IO transports.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	return s
}

// OnConnection adds a function called for each new connection, before
// anything is read from it, so it can add OnMessage and OnClose functions
// without missing anything. It runs on the request's goroutine.
// Functions run in the order they were added, and apply to connections
// opened after the call; adding one never removes another (the Socket.IO
// server adds its own: a second one, to log connections say, runs beside
// it). A nil fn is ignored.
func (s *Server) OnConnection(fn func(*Conn)) {
	if fn == nil {
		return
	}
	s.onConnMu.Lock()
	defer s.onConnMu.Unlock()
	var fns []func(*Conn)
	if old := s.onConnection.Load(); old != nil {
		fns = append(fns, *old...)
	}
	fns = append(fns, fn)
	s.onConnection.Store(&fns)
}

// Count returns the number of open connections.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Conn returns the open connection with session id id, or nil.
func (s *Server) Conn(id string) *Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns[id]
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, ok := parsePath(r.URL.Path)
	if !ok || !s.cfg.transports[rt.transport] {
		http.Error(w, "unknown transport", http.StatusNotFound)
		return
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	ws := rt.transport == WebSocket || rt.transport == FlashSocket
	if ws && !websocket.IsWebSocketUpgrade(r) {
		http.Error(w, "websocket upgrade expected", http.StatusBadRequest)
		return
	}
	var c *Conn
	if rt.sid != "" {
		if c = s.Conn(rt.sid); c == nil {
			session.WriteError(w, http.StatusBadRequest, session.CodeUnknownSID, "")
			return
		}
	}
	if r.Method == http.MethodPost {
		if c == nil || ws {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		s.post(c, w, r)
		return
	}
	if r.Method != http.MethodGet {
		http.Error(w, "bad method", http.StatusMethodNotAllowed)
		return
	}
	if c == nil {
		if s.cfg.allowRequest != nil {
			if err := s.cfg.allowRequest(r); err != nil {
				session.WriteError(w, http.StatusForbidden, session.CodeForbidden, err.Error())
				return
			}
		}
		if s.isClosing() {
			http.Error(w, "server shutting down", http.StatusServiceUnavailable)
			return
		}
	}
	if ws {
		s.serveWebSocket(c, rt, w, r)
		return
	}
	if c == nil {
		var err error
		if c, err = s.open(r); err != nil {
			http.Error(w, "server shutting down", http.StatusServiceUnavailable)
			return
		}
	}
	switch rt.transport {
	case XHRPolling, JSONPPolling:
		s.poll(c, rt, w, r)
	case HTMLFile, XHRMultipart:
		s.stream(c, rt, w, r)
	}
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// open registers a new connection and queues its session id, the first
// message a 0.6 client expects, then runs the connection callback.
func (s *Server) open(r *http.Request) (*Conn, error) {
	var id string
	for {
		var err error
		if id, err = session.NewID(); err != nil {
			return nil, err
		}
		if !isNumber(id) { // ids must not look like timestamps (parsePath)
			break
		}
	}
	req := r.WithContext(context.WithoutCancel(r.Context()))
	req.Body = http.NoBody
	req.GetBody = nil
	maxPayload := s.cfg.maxPayload
	if n, ok := session.MaxPayloadFrom(r.Context()); ok && n > 0 && n < maxPayload {
		maxPayload = n
	}
	c := &Conn{srv: s, id: id, req: req, maxPayload: maxPayload, done: make(chan struct{}), queue: []string{id}, queueBytes: int64(len(id))}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil, session.ErrServerClosed
	}
	s.conns[id] = c
	s.mu.Unlock()
	if fns := s.onConnection.Load(); fns != nil {
		for _, fn := range *fns {
			fn(c)
		}
	}
	return c, nil
}

func (s *Server) remove(c *Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns[c.id] == c {
		delete(s.conns, c.id)
	}
	if s.closing && len(s.conns) == 0 && s.drained != nil {
		select {
		case <-s.drained:
		default:
			close(s.drained)
		}
	}
}

// Shutdown refuses new connections, closes every connection (what is
// queued is written first to a transport that is attached) with reason
// "server shutting down", and waits until all are closed or ctx is done;
// then it closes the rest at once and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	if s.drained == nil {
		s.drained = make(chan struct{})
	}
	done := s.drained
	all := make([]*Conn, 0, len(s.conns))
	for _, c := range s.conns {
		all = append(all, c)
	}
	if len(all) == 0 {
		select {
		case <-done:
		default:
			close(done)
		}
	}
	s.mu.Unlock()
	for _, c := range all {
		c.closeGracefully(session.ReasonShutdown)
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, c := range all {
			c.closeNow(session.ReasonShutdown, ctx.Err())
		}
		return ctx.Err()
	}
}

// poll serves a GET of xhr-polling or jsonp-polling: held until there is
// something to send or PollDuration has passed.
func (s *Server) poll(c *Conn, rt route, w http.ResponseWriter, r *http.Request) {
	a, err := c.attach(rt.transport, false)
	if err != nil {
		session.WriteError(w, http.StatusBadRequest, session.CodeUnknownSID, "")
		return
	}
	defer c.detach(a)
	rc := http.NewResponseController(w)
	c.serve(a, r.Context().Done(), true, func(payload string) error {
		body, ctype := payload, "text/plain; charset=UTF-8"
		if rt.transport == JSONPPolling {
			ctype = "text/javascript; charset=UTF-8"
			body = "io.JSONP[" + rt.index + "]._(" + jsString(payload) + ");"
		}
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Length", itoa(len(body)))
		_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.writeTimeout))
		_, err := io.WriteString(w, body)
		return err
	})
}

// stream serves the GET of htmlfile or xhr-multipart: one response for as
// long as the client keeps it open, a piece per batch of messages.
func (s *Server) stream(c *Conn, rt route, w http.ResponseWriter, r *http.Request) {
	a, err := c.attach(rt.transport, true)
	if err != nil {
		session.WriteError(w, http.StatusBadRequest, session.CodeUnknownSID, "")
		return
	}
	defer c.detach(a)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	var wrap func(string) string
	if rt.transport == HTMLFile {
		h.Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(http.StatusOK)
		// Internet Explorer renders nothing of a document before its
		// first 256 bytes.
		_, _ = io.WriteString(w, "<html><body>"+strings.Repeat(" ", 244))
		wrap = func(p string) string { return "<script>parent.s._(" + jsString(p) + ", document);</script>" }
	} else {
		h.Set("Content-Type", `multipart/x-mixed-replace;boundary="socketio"`)
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "--socketio\n")
		wrap = func(p string) string { return "Content-Type: text/plain\n\n" + p + "\n--socketio\n" }
	}
	if rc.Flush() != nil {
		return
	}
	c.serve(a, r.Context().Done(), false, func(payload string) error {
		_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.writeTimeout))
		if _, err := io.WriteString(w, wrap(payload)); err != nil {
			return err
		}
		return rc.Flush()
	})
}

// post receives the client's messages: the form field "data" of a POST
// (xhr-polling, htmlfile and xhr-multipart POST to .../<sid>/send,
// jsonp-polling submits a form to .../<sid>/<timestamp>/<index>).
func (s *Server) post(c *Conn, w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(s.cfg.bodyTimeout))
	// Percent-encoding at most triples the data.
	limit := 3*c.maxPayload + 64
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	_ = rc.SetReadDeadline(time.Time{})
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		c.closeNow(session.ReasonTransportError, err)
		return
	}
	var data string
	if int64(len(body)) <= limit {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			c.closeNow(session.ReasonParseError, err)
			return
		}
		data = form.Get("data")
	}
	if int64(len(body)) > limit || int64(len(data)) > c.maxPayload {
		w.Header().Set("Connection", "close")
		http.Error(w, "message too big", http.StatusRequestEntityTooLarge)
		c.closeNow(session.ReasonTransportError, ErrMessageTooBig)
		return
	}
	if err := c.receive(data); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	_, _ = io.WriteString(w, "ok")
}

// jsString returns s as a JavaScript string literal (JSON escapes <, >
// and & too, so it is safe inside a script element).
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
