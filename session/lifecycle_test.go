package session_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// Closing details that the mode-generic tests cannot see: what the raw
// requests get, and the deadlines that bound a close.

// TestPollingClientCloseRaw: a POSTed close packet closes the session with
// "transport close", and the pending GET is released with a noop — whether
// the GET is already pending or arrives just after the POST.
func TestPollingClientCloseRaw(t *testing.T) {
	for _, getFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("GET pending=%v", getFirst), func(t *testing.T) {
			e := newEnv(t, envConfig{})
			p, ss := e.pollingSession(t)
			var pending chan *eiotest.Response
			if getFirst {
				pending = pendingGet(t, e, p)
			}
			posted := make(chan *eiotest.Response, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), wait)
				defer cancel()
				resp, err := p.Post(ctx, []byte("1"))
				if err != nil {
					t.Errorf("POST: %v", err)
				}
				posted <- resp
			}()
			if !getFirst {
				// The client's GET may reach the server after its POST;
				// the server waits briefly for it.
				pending = pendingGet(t, e, p)
			}
			if r := <-posted; r == nil || r.Status != 200 || string(r.Body) != "ok" {
				t.Fatalf("POST 1: %v, want 200 ok", r)
			}
			ss.waitClosed(t, session.ReasonTransportClose)
			r := <-pending
			switch {
			case r == nil:
			case r.Status == 200 && string(r.Body) == "6":
			case !getFirst && r.Status == 400:
				t.Logf("GET arrived after the close linger: %s", r)
			default:
				t.Errorf("pending GET: %s, want 200 \"6\"", r)
			}
		})
	}
}

// TestCloseWithoutPoll: a graceful close on polling while no poll is
// pending waits for the client to come back for the queued packets and
// the close packet, but not forever: at most PingTimeout.
func TestCloseWithoutPoll(t *testing.T) {
	for _, queued := range []bool{true, false} {
		t.Run(fmt.Sprintf("queued=%v", queued), func(t *testing.T) {
			e := newEnv(t, envConfig{opts: &session.Options{PingTimeout: 200 * time.Millisecond}})
			p, ss := e.pollingSession(t)
			if queued {
				if err := ss.SendText("never collected"); err != nil {
					t.Fatal(err)
				}
			}
			start := time.Now()
			if err := ss.Close(); err != nil {
				t.Fatal(err)
			}
			ss.waitClosed(t, session.ReasonForcedClose)
			if d := time.Since(start); queued && d < 150*time.Millisecond {
				t.Errorf("closed %v after Close, want about PingTimeout (200ms) for the client to poll", d)
			}
			expectJSONError(t, e.do(t, "GET", "?EIO=4&transport=polling&sid="+p.SID, nil, nil), 400, session.CodeUnknownSID, "")
		})
	}
}

// TestShutdownDeadline: Shutdown gives up when its context ends (a polling
// client that never comes back for its close packet), closes everything
// anyway, and returns the context's error.
func TestShutdownDeadline(t *testing.T) {
	e := newEnv(t, envConfig{}) // PingTimeout 20s: the graceful close would wait that long
	_, ss := e.pollingSession(t)
	if err := ss.SendText("never collected"); err != nil {
		t.Fatal(err)
	}
	c := e.dial(t, eiotest.ModeWebSocket)
	sc := e.session(t, c.SID())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := e.srv.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Shutdown took %v with a 300ms context", d)
	}
	ss.waitClosed(t, session.ReasonShutdown)
	sc.waitClosed(t, session.ReasonShutdown)
	expectServerClose(t, c)
	if n := e.srv.Count(); n != 0 {
		t.Errorf("Count() = %d", n)
	}
}

// TestManySessions: sessions in every mode echo concurrently without
// crosstalk.
func TestManySessions(t *testing.T) {
	e := newEnv(t, envConfig{})
	const perMode, rounds = 8, 25
	var wg sync.WaitGroup
	for _, mode := range eiotest.Modes {
		for i := range perMode {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := eiotest.Dial(context.Background(), e.clientConfig(), mode)
				if err != nil {
					t.Errorf("dial %s: %v", mode, err)
					return
				}
				defer c.Stop()
				for r := range rounds {
					msg := fmt.Sprintf("%s-%d-%d", mode, i, r)
					if err := c.Send(eiotest.Msg(msg)); err != nil {
						t.Errorf("%s: send: %v", msg, err)
						return
					}
					p, err := c.Recv(wait)
					if err != nil || p.String() != "4"+msg {
						t.Errorf("%s: got %q, %v", msg, p, err)
						return
					}
				}
				if err := c.Close(wait); err != nil {
					t.Errorf("%s-%d: close: %v", mode, i, err)
				}
			}()
		}
	}
	wg.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	if got, want := len(e.sessions), perMode*len(eiotest.Modes); got != want {
		t.Errorf("%d sessions opened, want %d", got, want)
	}
}

// TestClientSendsDuringUpgrade: messages the client sends without pause
// while it upgrades reach OnMessage once each, in order, across the
// transport switch.
func TestClientSendsDuringUpgrade(t *testing.T) {
	const n = 300
	e := newEnv(t, envConfig{onSession: func(ss *serverSession) {
		ss.handle = func(*serverSession, []byte, bool) {} // no echo
	}})
	c := e.dial(t, eiotest.ModePolling)
	ss := e.session(t, c.SID())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range n {
			if err := c.Send(eiotest.Msg("c" + strconv.Itoa(i))); err != nil {
				t.Errorf("send %d: %v", i, err)
				return
			}
		}
	}()
	if err := c.Upgrade(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := c.Send(eiotest.Msg("last")); err != nil { // on the WebSocket, after "5"
		t.Fatal(err)
	}
	for i := range n {
		if got := string(ss.nextMsg(t).Data); got != "c"+strconv.Itoa(i) {
			t.Fatalf("message %d: %q", i, got)
		}
	}
	if got := string(ss.nextMsg(t).Data); got != "last" {
		t.Fatalf("last message: %q", got)
	}
	if ss.Transport() != "websocket" {
		t.Errorf("Transport() = %q", ss.Transport())
	}
}
