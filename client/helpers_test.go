package client_test

import (
	"context"
	"net"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
)

// Shared helpers of the black-box tests: our server on httptest behind a
// listener that can kill every connection, the three transport modes, and
// channel helpers that fail the test instead of hanging.

const (
	// wait bounds every wait for something that must happen.
	wait = 10 * time.Second
	// quiet is how long a test watches for something that must not happen.
	quiet = 200 * time.Millisecond
)

// mode is how a client reaches the server.
type mode struct {
	name       string
	transports []string
	upgrade    bool // wait for the upgrade to WebSocket after connecting
}

var modes = []mode{
	{"polling", []string{client.Polling}, false},
	{"websocket", []string{client.WebSocket}, false},
	{"upgrade", nil, true},
}

// forModes runs f as a subtest for each mode.
func forModes(t *testing.T, f func(t *testing.T, md mode)) {
	for _, md := range modes {
		t.Run(md.name, func(t *testing.T) { f(t, md) })
	}
}

// testServer is our Socket.IO server on httptest.
type testServer struct {
	srv *socketio.Server
	ts  *httptest.Server
	ln  *killListener
	url string
}

// newServer starts a server configured by opts and setup; it is shut down
// when the test ends (after the clients, whose cleanups run first).
func newServer(t *testing.T, opts *socketio.Options, setup func(*socketio.Server)) *testServer {
	t.Helper()
	if opts == nil {
		opts = &socketio.Options{}
	}
	if opts.ErrorHandler == nil {
		opts.ErrorHandler = func(err error) { t.Logf("server: %v", err) }
	}
	s := &testServer{srv: socketio.NewServer(opts)}
	if setup != nil {
		setup(s.srv)
	}
	s.ts = httptest.NewUnstartedServer(s.srv)
	s.ln = &killListener{Listener: s.ts.Listener}
	s.ts.Listener = s.ln
	s.ts.Start()
	s.url = s.ts.URL
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		s.ts.Close()
	})
	return s
}

// killListener remembers the server side of every accepted connection, so
// that a test can cut them all (WebSockets included, which httptest stops
// tracking once hijacked).
type killListener struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *killListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

// kill closes every connection accepted so far.
func (l *killListener) kill() {
	l.mu.Lock()
	conns := l.conns
	l.conns = nil
	l.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// options returns client options for md, starting from base (nil: zero).
func (md mode) options(base *client.Options) *client.Options {
	o := client.Options{}
	if base != nil {
		o = *base
	}
	if o.Transports == nil {
		o.Transports = md.transports
	}
	return &o
}

// newManager returns a Manager for url in mode md, closed when the test
// ends; with md.upgrade, upgraded is signalled when the connection moved
// to WebSocket.
func newManager(t *testing.T, url string, md mode, opts *client.Options) (m *client.Manager, upgraded <-chan string) {
	t.Helper()
	m, err := client.NewManager(url, md.options(opts))
	if err != nil {
		t.Fatal(err)
	}
	up := make(chan string, 16)
	m.OnUpgrade(func(tr string) { up <- tr })
	t.Cleanup(func() {
		start := time.Now()
		_ = m.Close()
		if d := time.Since(start); d > time.Second {
			t.Logf("Manager.Close took %v", d)
		}
	})
	return m, up
}

// connect connects s and waits for it; in an upgrade mode it also waits
// for the upgrade.
func connect(t *testing.T, s *client.Socket, md mode, upgraded <-chan string) {
	t.Helper()
	s.Connect()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.WaitConnected(ctx); err != nil {
		t.Fatalf("connect %s: %v", s.Namespace(), err)
	}
	if md.upgrade {
		if tr := recv(t, upgraded, "the upgrade"); tr != client.WebSocket {
			t.Fatalf("upgraded to %q", tr)
		}
		if got := s.Manager().Transport(); got != client.WebSocket {
			t.Fatalf("transport %q after the upgrade", got)
		}
	}
}

// dial makes a Manager in mode md and a connected socket for nsp; setup
// registers handlers before the connection.
func dial(t *testing.T, url string, md mode, nsp string, opts *client.Options, sopts *client.SocketOptions, setup func(*client.Socket)) *client.Socket {
	t.Helper()
	m, up := newManager(t, url, md, opts)
	s := m.Socket(nsp, sopts)
	if setup != nil {
		setup(s)
	}
	connect(t, s, md, up)
	return s
}

// recv returns the next value of ch, failing the test after wait.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// none checks that nothing arrives on ch for a while.
func none[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %s: %v", what, v)
	case <-time.After(quiet):
	}
}

// ctxWait is a context bounded by wait, canceled when the test ends.
func ctxWait(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return ctx
}

// serverSocket returns the server's socket that connects next on nsp.
func onServerConnect(srv *socketio.Server, nsp string) <-chan *socketio.Socket {
	ch := make(chan *socketio.Socket, 16)
	srv.Of(nsp).OnConnection(func(s *socketio.Socket) { ch <- s })
	return ch
}
