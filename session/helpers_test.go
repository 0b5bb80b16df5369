package session_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// wait bounds every wait for an event. It is generous on purpose: the
// machine has 2 cores, runs -race, and other test binaries run alongside.
const wait = 10 * time.Second

// env is one session.Server behind an httptest.Server, instrumented to
// record every session and to check the callback contract: OnMessage is
// serial and never runs after OnClose, OnClose runs exactly once and after
// the session has left the server.
type env struct {
	tb     testing.TB
	srv    *session.Server
	hs     *httptest.Server
	base   string // server URL + "/engine.io/"
	errLog *lockedBuffer

	mu         sync.Mutex
	sessions   map[string]*serverSession
	added      chan struct{} // closed and replaced whenever a session is added
	violations []string
	reqHooks   []func(*http.Request)
}

type envConfig struct {
	opts *session.Options
	tls  bool
	// onSession, when set, is called from OnConnection after the recorder is
	// installed, and typically sets serverSession.handle.
	onSession func(*serverSession)
	// plain installs a bare echo with no recording (for benchmarks).
	plain bool
	// wrap, when set, wraps the server's handler (HTTP middleware).
	wrap func(http.Handler) http.Handler
}

// serverSession is the server-side view of one session.
type serverSession struct {
	*session.Session
	env *env

	// handle is called for each message after it is recorded; nil means
	// echo. Set it from envConfig.onSession.
	handle func(ss *serverSession, data []byte, binary bool)

	msgs eiotest.Queue[eiotest.Packet] // every message received, in order

	inMessage atomic.Bool
	closedCB  atomic.Bool
	closed    chan struct{} // closed after OnClose has run
	reason    string        // set before closed is closed
	err       error
	transport string // Transport() when OnClose ran
}

func newEnv(tb testing.TB, cfg envConfig) *env {
	tb.Helper()
	e := &env{
		tb:       tb,
		srv:      session.NewServer(cfg.opts),
		sessions: map[string]*serverSession{},
		added:    make(chan struct{}),
		errLog:   &lockedBuffer{},
	}
	if cfg.plain {
		e.srv.OnConnection(func(s *session.Session) {
			s.OnMessage(func(data []byte, binary bool) {
				if binary {
					_ = s.SendBinary(data)
				} else {
					_ = s.SendText(string(data))
				}
			})
		})
	} else {
		e.srv.OnConnection(func(s *session.Session) { e.onConnection(s, cfg.onSession) })
	}
	var h http.Handler = e.srv
	if cfg.wrap != nil {
		h = cfg.wrap(h)
	}
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		hooks := append(([]func(*http.Request))(nil), e.reqHooks...)
		e.mu.Unlock()
		for _, h := range hooks {
			h(r)
		}
		h.ServeHTTP(w, r)
	}))
	e.hs = httptest.NewUnstartedServer(mux)
	e.hs.Config.ErrorLog = log.New(e.errLog, "", 0)
	if cfg.tls {
		e.hs.StartTLS()
	} else {
		e.hs.Start()
	}
	e.base = e.hs.URL + "/engine.io/"
	tb.Cleanup(e.stop)
	return e
}

func (e *env) onConnection(s *session.Session, onSession func(*serverSession)) {
	ss := &serverSession{Session: s, env: e, closed: make(chan struct{})}
	e.mu.Lock()
	if _, dup := e.sessions[s.ID()]; dup {
		e.violations = append(e.violations, fmt.Sprintf("OnConnection twice for sid %q", s.ID()))
	}
	e.sessions[s.ID()] = ss
	close(e.added)
	e.added = make(chan struct{})
	e.mu.Unlock()
	s.OnMessage(func(data []byte, binary bool) {
		if !ss.inMessage.CompareAndSwap(false, true) {
			e.violation("session %s: OnMessage called while a previous call was running", s.ID())
		}
		defer ss.inMessage.Store(false)
		if ss.closedCB.Load() {
			e.violation("session %s: OnMessage after OnClose", s.ID())
		}
		ss.msgs.Push(eiotest.Packet{Type: eiotest.Message, Data: bytes.Clone(data), Binary: binary})
		if ss.handle != nil {
			ss.handle(ss, data, binary)
			return
		}
		ss.echo(data, binary)
	})
	s.OnClose(func(reason string, err error) {
		if !ss.closedCB.CompareAndSwap(false, true) {
			e.violation("session %s: OnClose called twice (second: %q, %v)", s.ID(), reason, err)
			return
		}
		if got := e.srv.Session(s.ID()); got != nil {
			e.violation("session %s: still registered with the server when OnClose ran", s.ID())
		}
		select {
		case <-s.Done():
		default:
			e.violation("session %s: Done not closed when OnClose ran", s.ID())
		}
		ss.reason, ss.err, ss.transport = reason, err, s.Transport()
		close(ss.closed)
	})
	if onSession != nil {
		onSession(ss)
	}
}

func (ss *serverSession) echo(data []byte, binary bool) {
	var err error
	if binary {
		err = ss.SendBinary(data)
	} else {
		err = ss.SendText(string(data))
	}
	if err != nil && !errors.Is(err, session.ErrClosed) {
		ss.env.violation("session %s: echo: %v", ss.ID(), err)
	}
}

func (e *env) violation(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.violations = append(e.violations, fmt.Sprintf(format, args...))
}

// onRequest installs a hook called for every request before the server
// sees it.
func (e *env) onRequest(fn func(*http.Request)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reqHooks = append(e.reqHooks, fn)
}

// arrived returns a channel that receives every request with the given
// sid and method, as it reaches the server.
func (e *env) arrived(sid, method string) <-chan struct{} {
	ch := make(chan struct{}, 16)
	e.onRequest(func(r *http.Request) {
		if r.Method == method && r.URL.Query().Get("sid") == sid {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	})
	return ch
}

// holdGets makes every GET for sid wait in front of the server until
// release is called (or the request is cancelled); held receives a value
// each time one starts waiting. Release is idempotent and also runs when
// the test ends.
func (e *env) holdGets(tb testing.TB, sid string) (held <-chan struct{}, release func()) {
	ch := make(chan struct{}, 16)
	gate := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	tb.Cleanup(release)
	e.onRequest(func(r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Query().Get("sid") != sid {
			return
		}
		select {
		case <-gate:
			return
		default:
		}
		select {
		case ch <- struct{}{}:
		default:
		}
		select {
		case <-gate:
		case <-r.Context().Done():
		}
	})
	return ch, release
}

// quiescePolling leaves a polling client with no GET at the server: the
// next GET is held in front of the server until release. A graceful close
// is then deterministic: with no poll pending and data queued, the close
// packet must wait for the next poll. The server sends "quiesce" to
// release a GET that may be pending; the client receives it (before
// anything sent later) either before the hold or after release.
func (e *env) quiescePolling(tb testing.TB, c *eiotest.Client, ss *serverSession) (release func()) {
	tb.Helper()
	held, release := e.holdGets(tb, c.SID())
	if err := ss.SendText("quiesce"); err != nil {
		tb.Fatal(err)
	}
	// The poll loop has one GET at a time: once one is held, none is at
	// the server.
	select {
	case <-held:
	case <-time.After(wait):
		tb.Fatal("the client did not poll again")
	}
	return release
}

// session returns the recorder of the session with that sid. On
// WebSocket the open packet is written while OnConnection runs, so a
// client may know its sid a moment before the recorder does: wait for it.
func (e *env) session(tb testing.TB, sid string) *serverSession {
	tb.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		e.mu.Lock()
		ss, added := e.sessions[sid], e.added
		e.mu.Unlock()
		if ss != nil {
			return ss
		}
		select {
		case <-added:
		case <-timer.C:
			tb.Fatalf("no session %q was opened on the server (OnConnection not called within %v)", sid, wait)
		}
	}
}

// stop tears everything down: the sessions first (Shutdown with an
// expired context closes them at once), then the HTTP server. It then
// fails the test on callback contract violations and on panics recovered
// by net/http.
func (e *env) stop() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = e.srv.Shutdown(ctx)
	// Sessions already closing on another goroutine (a client that just
	// went away) may not have left yet when Shutdown gives up: wait for
	// every OnClose.
	e.mu.Lock()
	all := make([]*serverSession, 0, len(e.sessions))
	for _, ss := range e.sessions {
		all = append(all, ss)
	}
	e.mu.Unlock()
	for _, ss := range all {
		timeout := wait
		select {
		case <-ss.Done():
			timeout = time.Second // closeNow calls OnClose right after closing Done
		default:
		}
		select {
		case <-ss.closed:
		case <-time.After(timeout):
			e.tb.Errorf("session %s: OnClose not called %v after Shutdown", ss.ID(), timeout)
		}
	}
	if n := e.srv.Count(); n != 0 && len(all) > 0 {
		e.tb.Errorf("Count() = %d after every OnClose ran, want 0", n)
	}
	done := make(chan struct{})
	go func() {
		e.hs.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * wait):
		e.tb.Errorf("httptest.Server.Close still blocked after %v: a request handler did not return", 2*wait)
		<-done
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, v := range e.violations {
		e.tb.Errorf("callback contract: %s", v)
	}
	if out := e.errLog.String(); out != "" {
		if strings.Contains(out, "panic") || strings.Contains(out, "superfluous") {
			e.tb.Errorf("net/http server log:\n%s", out)
		} else {
			e.tb.Logf("net/http server log:\n%s", out)
		}
	}
}

// httpClient returns the client of the test server (trusting its
// certificate when it uses TLS); httptest closes its idle connections.
func (e *env) httpClient() *http.Client { return e.hs.Client() }

// dialer returns a WebSocket dialer for the test server.
func (e *env) dialer() *websocket.Dialer {
	d := *websocket.DefaultDialer
	d.HandshakeTimeout = wait
	if tr, ok := e.hs.Client().Transport.(*http.Transport); ok && tr.TLSClientConfig != nil {
		d.TLSClientConfig = tr.TLSClientConfig.Clone()
	} else if e.hs.TLS != nil {
		d.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // test server
	}
	return &d
}

func (e *env) clientConfig() eiotest.Config {
	return eiotest.Config{Base: e.base, HTTP: e.httpClient(), Dialer: e.dialer(), Timeout: wait}
}

// dial opens a client session in mode; it is stopped when the test ends.
func (e *env) dial(tb testing.TB, mode eiotest.Mode) *eiotest.Client {
	tb.Helper()
	return e.dialWith(tb, mode, e.clientConfig())
}

func (e *env) dialWith(tb testing.TB, mode eiotest.Mode, cfg eiotest.Config) *eiotest.Client {
	tb.Helper()
	c, err := eiotest.Dial(context.Background(), cfg, mode)
	if err != nil {
		tb.Fatalf("dial %s: %v", mode, err)
	}
	tb.Cleanup(c.Stop)
	return c
}

// pollingSession opens a session with a raw polling handshake.
func (e *env) pollingSession(tb testing.TB) (*eiotest.Polling, *serverSession) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	p, h, rest, err := eiotest.HandshakePolling(ctx, e.httpClient(), e.base)
	if err != nil {
		tb.Fatalf("polling handshake: %v", err)
	}
	if len(rest) != 0 {
		tb.Fatalf("polling handshake: unexpected packets after open: %v", rest)
	}
	return p, e.session(tb, h.SID)
}

// wsSession opens a session with a raw WebSocket handshake; the
// connection is closed when the test ends.
func (e *env) wsSession(tb testing.TB) (*eiotest.WebSocket, *serverSession) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, h, err := eiotest.HandshakeWebSocket(ctx, e.dialer(), e.base, wait)
	if err != nil {
		tb.Fatalf("websocket handshake: %v", err)
	}
	tb.Cleanup(func() { ws.Conn.Close() })
	return ws, e.session(tb, h.SID)
}

// do sends one raw request to the server; query is appended to the
// Engine.IO path.
func (e *env) do(tb testing.TB, method, query string, body []byte, header http.Header) *eiotest.Response {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	resp, err := eiotest.Do(ctx, e.httpClient(), method, e.base+query, rd, header)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, query, err)
	}
	return resp
}

// waitClosed waits for OnClose and checks its reason.
func (ss *serverSession) waitClosed(tb testing.TB, wantReason string) {
	tb.Helper()
	select {
	case <-ss.closed:
	case <-time.After(wait):
		tb.Fatalf("session %s: OnClose not called within %v (want reason %q)", ss.ID(), wait, wantReason)
	}
	if ss.reason != wantReason {
		tb.Fatalf("session %s: OnClose reason %q (err %v), want %q", ss.ID(), ss.reason, ss.err, wantReason)
	}
	if ss.env.srv.Session(ss.ID()) != nil {
		tb.Errorf("session %s: still returned by Server.Session after OnClose", ss.ID())
	}
}

// isOpen reports whether OnClose has not run yet.
func (ss *serverSession) isOpen() bool {
	select {
	case <-ss.closed:
		return false
	default:
		return true
	}
}

// nextMsg returns the next message the server received.
func (ss *serverSession) nextMsg(tb testing.TB) eiotest.Packet {
	tb.Helper()
	p, err := ss.msgs.Next(wait)
	if err != nil {
		tb.Fatalf("session %s: no message received by the server: %v", ss.ID(), err)
	}
	return p
}

// recv returns the next packet the client receives.
func recv(tb testing.TB, c *eiotest.Client) eiotest.Packet {
	tb.Helper()
	p, err := c.Recv(wait)
	if err != nil {
		tb.Fatalf("client %s (%s): receive: %v", c.SID(), c.Transport(), err)
	}
	return p
}

// expect receives the next packet and compares its text form with want.
func expect(tb testing.TB, c *eiotest.Client, want string) {
	tb.Helper()
	if p := recv(tb, c); p.String() != want {
		tb.Fatalf("client %s (%s): received %q, want %q", c.SID(), c.Transport(), p, want)
	}
}

// roundTrip sends a message and expects it echoed.
func roundTrip(tb testing.TB, c *eiotest.Client, msg string) {
	tb.Helper()
	if err := c.Send(eiotest.Msg(msg)); err != nil {
		tb.Fatalf("client %s (%s): send %q: %v", c.SID(), c.Transport(), msg, err)
	}
	expect(tb, c, "4"+msg)
}

// expectServerClose reads until the end of the client's stream and checks
// that the server closed it the protocol's way: a close packet on polling,
// a close frame on WebSocket. It returns the close frame's status (0 on
// polling).
func expectServerClose(tb testing.TB, c *eiotest.Client) int {
	tb.Helper()
	transport := c.Transport()
	sawClose := false
	for {
		p, err := c.Recv(wait)
		if err == nil {
			if transport == "polling" && p.String() == "1" && !sawClose {
				sawClose = true
				continue
			}
			tb.Fatalf("client %s (%s): received %q, want the session closed", c.SID(), transport, p)
		}
		if transport == "polling" {
			if !sawClose || !errors.Is(err, eiotest.ErrServerClose) {
				tb.Fatalf("client %s (polling): stream ended with %v (close packet seen: %v), want a close packet", c.SID(), err, sawClose)
			}
			return 0
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			tb.Fatalf("client %s (websocket): stream ended with %v, want a close frame", c.SID(), err)
		}
		return ce.Code
	}
}

// expectClosed checks that err is a WebSocket close.
func expectClosed(tb testing.TB, err error) *websocket.CloseError {
	tb.Helper()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		tb.Fatalf("got %v, want a WebSocket close frame", err)
	}
	return ce
}

// expectJSONError checks an error response: status, JSON content type and
// the {"code","message"} body.
func expectJSONError(tb testing.TB, resp *eiotest.Response, status, code int, message string) {
	tb.Helper()
	if resp == nil {
		tb.Fatalf("no HTTP response, want %d", status)
	}
	if resp.Status != status {
		tb.Fatalf("got %s, want status %d", resp, status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		tb.Errorf("Content-Type %q, want application/json", ct)
	}
	e, err := resp.JSONError()
	if err != nil {
		tb.Fatal(err)
	}
	if e.Code != code || (message != "" && e.Message != message) {
		tb.Fatalf("error body %s, want code %d message %q", e, code, message)
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveWebSocket serves srv on a test server and opens one WebSocket
// session on it. ctx bounds the test's waits; the test server, srv, the
// context and the connection are closed when the test ends.
func serveWebSocket(tb testing.TB, srv *session.Server) (context.Context, *eiotest.WebSocket) {
	tb.Helper()
	hs := httptest.NewServer(srv)
	tb.Cleanup(hs.Close)
	tb.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	tb.Cleanup(cancel)
	ws, _, err := eiotest.HandshakeWebSocket(ctx, nil, hs.URL+"/engine.io/", wait)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ws.Conn.Close() })
	return ctx, ws
}
