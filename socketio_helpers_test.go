package socketio_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

// Shared helpers of the root package's black-box tests: a server on
// httptest with its errors collected, raw clients from internal/siotest,
// and channel helpers that fail the test instead of hanging.

const (
	// sioWait bounds every wait for something that must happen.
	sioWait = 10 * time.Second
	// sioQuiet is how long a test watches for something that must not happen.
	sioQuiet = 150 * time.Millisecond
)

// testEnv is a Socket.IO server under test.
type testEnv struct {
	t    testing.TB
	srv  *socketio.Server
	ts   *httptest.Server
	base string
	errs chan error // what reached the server's ErrorHandler
}

// newEnv starts a server configured by opts (nil: defaults) and setup,
// which runs before the server accepts connections. The server is shut
// down when the test ends.
func newEnv(t testing.TB, opts *socketio.Options, setup func(*socketio.Server)) *testEnv {
	t.Helper()
	if opts == nil {
		opts = &socketio.Options{}
	}
	e := &testEnv{t: t, errs: make(chan error, 256)}
	if opts.ErrorHandler == nil {
		opts.ErrorHandler = func(err error) {
			select {
			case e.errs <- err:
			default:
			}
		}
	}
	e.srv = socketio.NewServer(opts)
	if setup != nil {
		setup(e.srv)
	}
	e.ts = httptest.NewServer(e.srv)
	e.base = e.ts.URL + "/socket.io/"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), sioWait)
		defer cancel()
		if err := e.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		e.ts.Close()
	})
	return e
}

// dial opens a client session (not joined to any namespace); it is stopped
// when the test ends, before the server shuts down.
func (e *testEnv) dial(mode eiotest.Mode) *siotest.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sioWait)
	defer cancel()
	c, err := siotest.Dial(ctx, e.base, mode)
	if err != nil {
		e.t.Fatalf("dial %s: %v", mode, err)
	}
	e.t.Cleanup(c.Stop)
	return c
}

// connect dials over WebSocket and joins nsp; it returns the client and
// the socket id.
func (e *testEnv) connect(nsp string) (*siotest.Client, string) {
	e.t.Helper()
	c := e.dial(eiotest.ModeWebSocket)
	return c, mustConnect(e.t, c, nsp, "")
}

func mustConnect(t testing.TB, c *siotest.Client, nsp, auth string) string {
	t.Helper()
	sid, err := c.Connect(nsp, auth, sioWait)
	if err != nil {
		t.Fatalf("connect %s: %v", nsp, err)
	}
	return sid
}

// nextErr returns the next error given to the server's ErrorHandler.
func (e *testEnv) nextErr() error {
	e.t.Helper()
	select {
	case err := <-e.errs:
		return err
	case <-time.After(sioWait):
		e.t.Fatal("no error reached the ErrorHandler")
		return nil
	}
}

// noErr checks that no error reaches the ErrorHandler for a while.
func (e *testEnv) noErr() {
	e.t.Helper()
	select {
	case err := <-e.errs:
		e.t.Fatalf("unexpected error reported: %v", err)
	case <-time.After(sioQuiet):
	}
}

func send(t testing.TB, c *siotest.Client, text string, atts ...[]byte) {
	t.Helper()
	if err := c.Send(text, atts...); err != nil {
		t.Fatalf("send %q: %v", text, err)
	}
}

func expect(t testing.TB, c *siotest.Client, want string) siotest.Packet {
	t.Helper()
	p, err := c.Expect(sioWait, want)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func recv(t testing.TB, c *siotest.Client) siotest.Packet {
	t.Helper()
	p, err := c.Recv(sioWait)
	if err != nil {
		t.Fatalf("recv: %v", err)
	}
	return p
}

// expectNothing checks that c receives nothing for a while.
func expectNothing(t testing.TB, c *siotest.Client) {
	t.Helper()
	if p, err := c.Recv(sioQuiet); !errors.Is(err, eiotest.ErrTimeout) {
		t.Fatalf("expected nothing, got %q (err %v)", p, err)
	}
}

// expectEnd waits for the session to end and returns the packets
// received before the end.
func expectEnd(t testing.TB, c *siotest.Client) []siotest.Packet {
	t.Helper()
	got, err := c.Drain(sioWait)
	if errors.Is(err, eiotest.ErrTimeout) {
		t.Fatalf("the session did not end; received %v", got)
	}
	return got
}

// recvChan returns the next value of ch, failing the test after wait.
func recvChan[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(sioWait):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// sockets collects the sockets connecting to a namespace.
func sockets(n *socketio.Namespace) <-chan *socketio.Socket {
	ch := make(chan *socketio.Socket, 64)
	n.OnConnection(func(s *socketio.Socket) { ch <- s })
	return ch
}

// reasons records the disconnect reason of every socket of a namespace.
func reasons(n *socketio.Namespace) <-chan string {
	ch := make(chan string, 64)
	n.OnConnection(func(s *socketio.Socket) {
		s.OnDisconnect(func(r string) { ch <- r })
	})
	return ch
}

func errAs[T error](err error) (T, bool) {
	var target T
	ok := errors.As(err, &target)
	return target, ok
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
