package socketio_test

// Shared helpers of the HTTP toolkit tests (router_test.go,
// origin_test.go, middleware_test.go, auth_test.go, flash_test.go): an
// instrumented echo server and a raw Socket.IO client session
// (internal/siotest) to run through whatever router or middleware a test
// puts in front of the server. Names start with "tk" so that they never
// collide with the helpers of the package's other test files.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

// tkTimeout bounds every wait: generous, the machine is shared.
const tkTimeout = 20 * time.Second

// tkModes are the transport modes every end-to-end check runs in.
var tkModes = eiotest.Modes

// tkEcho is a Socket.IO server whose sockets answer:
//
//	"echo" (text)  -> ack "ack:<text>" (when asked), then emit "echo" <text>
//	"whoami"       -> ack with Socket.Identity()
//
// and that records every connection and disconnection.
type tkEcho struct {
	IO *socketio.Server

	mu          sync.Mutex
	disconnects map[string]chan string // socket id -> its disconnect reason
	connected   chan *socketio.Socket
}

func tkNewEcho(t *testing.T, opts *socketio.Options) *tkEcho {
	t.Helper()
	e := &tkEcho{
		IO:          socketio.NewServer(opts),
		disconnects: make(map[string]chan string),
		connected:   make(chan *socketio.Socket, 64),
	}
	e.IO.OnConnection(func(s *socketio.Socket) {
		done := make(chan string, 1)
		e.mu.Lock()
		e.disconnects[s.ID()] = done
		e.mu.Unlock()
		s.OnDisconnect(func(reason string) { done <- reason })
		s.On("echo", func(msg string, ack socketio.AckFunc) {
			if ack != nil {
				_ = ack("ack:" + msg)
			}
			_ = s.Emit("echo", msg)
		})
		s.On("whoami", func(ack socketio.AckFunc) {
			if ack != nil {
				_ = ack(s.Identity())
			}
		})
		select {
		case e.connected <- s:
		default:
		}
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), tkTimeout)
		defer cancel()
		if err := e.IO.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return e
}

// WaitDisconnect returns the disconnect reason of socket id.
func (e *tkEcho) WaitDisconnect(t *testing.T, id string) string {
	t.Helper()
	e.mu.Lock()
	ch := e.disconnects[id]
	e.mu.Unlock()
	if ch == nil {
		t.Fatalf("socket %s never connected", id)
	}
	select {
	case r := <-ch:
		ch <- r // keep it for a later call
		return r
	case <-time.After(tkTimeout):
		t.Fatalf("socket %s: no disconnect within %v", id, tkTimeout)
		return ""
	}
}

// NextConnection returns the next socket that connected.
func (e *tkEcho) NextConnection(t *testing.T) *socketio.Socket {
	t.Helper()
	select {
	case s := <-e.connected:
		return s
	case <-time.After(tkTimeout):
		t.Fatalf("no connection within %v", tkTimeout)
		return nil
	}
}

// tkServe serves h with httptest, closed at the end of the test (after
// the Socket.IO servers registered before it are shut down, cleanups
// running last-in first-out).
func tkServe(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// tkLeave closes the polling session a raw handshake r opened (nothing if
// it opened none), so that the server's Shutdown at the end of the test
// does not wait for a client that never comes back.
func tkLeave(t *testing.T, base string, r *eiotest.Response, header http.Header) {
	t.Helper()
	if r.Status != http.StatusOK || len(r.Body) == 0 || r.Body[0] != '0' {
		return
	}
	if err := leavePolling(base, r.Body, header); err != nil {
		t.Errorf("leaving the polling session: %v", err)
	}
}

// tkDial opens a raw Socket.IO client (no namespace joined) to base, the
// server URL including the Engine.IO path ("http://host/rt/socket.io/").
func tkDial(t *testing.T, base string, mode eiotest.Mode) *siotest.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), tkTimeout)
	defer cancel()
	c, err := siotest.Dial(ctx, base, mode)
	if err != nil {
		t.Fatalf("dial %s (%s): %v", base, mode, err)
	}
	t.Cleanup(c.Stop)
	return c
}

// tkConnect dials and joins the main namespace; it returns the client and
// its socket id.
func tkConnect(t *testing.T, base string, mode eiotest.Mode) (*siotest.Client, string) {
	t.Helper()
	c := tkDial(t, base, mode)
	sid, err := c.Connect("/", "", tkTimeout)
	if err != nil {
		t.Fatalf("CONNECT through %s (%s): %v", base, mode, err)
	}
	return c, sid
}

// tkRoundTrip sends an "echo" event with an ack request and checks the
// ack then the echoed event.
func tkRoundTrip(t *testing.T, c *siotest.Client, text string) {
	t.Helper()
	if err := tkTryRoundTrip(c, text); err != nil {
		t.Fatal(err)
	}
}

func tkTryRoundTrip(c *siotest.Client, text string) error {
	if err := c.Send(fmt.Sprintf(`27["echo",%q]`, text)); err != nil {
		return fmt.Errorf("sending echo: %w", err)
	}
	if _, err := c.Expect(tkTimeout, fmt.Sprintf(`37["ack:%s"]`, text)); err != nil {
		return err
	}
	if _, err := c.Expect(tkTimeout, fmt.Sprintf(`2["echo",%q]`, text)); err != nil {
		return err
	}
	return nil
}

// tkSession runs a whole session through base: CONNECT, an event round
// trip, and checks the transport it ended on.
func tkSession(t *testing.T, base string, mode eiotest.Mode) {
	t.Helper()
	c, sid := tkConnect(t, base, mode)
	if sid == "" {
		t.Fatal("empty socket id")
	}
	tkRoundTrip(t, c, "hello from "+string(mode))
	want := "websocket"
	if mode == eiotest.ModePolling {
		want = "polling"
	}
	if got := c.EIO.Transport(); got != want {
		t.Errorf("transport %q, want %q", got, want)
	}
	if err := c.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// tkStatus extracts the HTTP status of a refused request from an eiotest
// / siotest error.
func tkStatus(err error) (*eiotest.Response, bool) {
	var se *eiotest.StatusError
	if errors.As(err, &se) {
		return se.Resp, true
	}
	return nil, false
}

// tkDo sends one request and reads the whole response (no keep-alive, so
// nothing is left behind for goleak).
func tkDo(t *testing.T, method, url string, header http.Header, body string) *eiotest.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), tkTimeout)
	defer cancel()
	var r *eiotest.Response
	var err error
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if body == "" {
		r, err = eiotest.Do(ctx, hc, method, url, nil, header)
	} else {
		r, err = eiotest.Do(ctx, hc, method, url, strings.NewReader(body), header)
	}
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return r
}

// leavePolling closes the polling session whose open packet is body, as a
// leaving client does (a close packet), so that Server.Shutdown has no
// session to wait for: a polling client that just stops coming back is
// waited for until its close packet could have been fetched (up to 3 s).
func leavePolling(base string, body []byte, header http.Header) error {
	var open struct {
		SID string `json:"sid"`
	}
	if len(body) == 0 || body[0] != '0' || json.Unmarshal(body[1:], &open) != nil || open.SID == "" {
		return fmt.Errorf("not an open packet: %q", body)
	}
	req, err := http.NewRequest(http.MethodPost, base+"?EIO=4&transport=polling&sid="+open.SID, strings.NewReader("1"))
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("close packet: %s", resp.Status)
	}
	return nil
}
