package session_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// The polling → WebSocket upgrade, step by step with raw transports, and
// the ways it can fail without harming the session.

// probe dials a WebSocket for sid and completes the probe exchange.
func probe(t *testing.T, e *env, sid string) *eiotest.WebSocket {
	t.Helper()
	ws := dialSID(t, e, sid)
	if err := ws.Write(eiotest.Text(eiotest.Ping, "probe")); err != nil {
		t.Fatal(err)
	}
	p, err := ws.Read(wait)
	if err != nil || p.String() != "3probe" {
		t.Fatalf("probe answered %q, %v; want 3probe", p, err)
	}
	_ = ws.Conn.SetReadDeadline(time.Time{})
	return ws
}

// dialSID opens a WebSocket for an existing session; it is closed when
// the test ends.
func dialSID(t *testing.T, e *env, sid string) *eiotest.WebSocket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, resp, err := eiotest.DialWebSocket(ctx, e.dialer(), e.base, sid)
	if err != nil {
		t.Fatalf("dial websocket for %s: %v (%v)", sid, err, resp)
	}
	t.Cleanup(func() { ws.Conn.Close() })
	return ws
}

func wsRoundTrip(t *testing.T, ws *eiotest.WebSocket, msg string) {
	t.Helper()
	if err := ws.Write(eiotest.Msg(msg)); err != nil {
		t.Fatal(err)
	}
	p, err := ws.Read(wait)
	if err != nil || p.String() != "4"+msg {
		t.Fatalf("echo of %q: %q, %v", msg, p, err)
	}
}

func TestUpgradeSteps(t *testing.T) {
	e := newEnv(t, envConfig{})
	p, ss := e.pollingSession(t)
	pending := pendingGet(t, e, p)

	ws := probe(t, e, p.SID)
	// The pending GET is released with a noop once the probe is answered.
	if r := <-pending; r == nil || r.Status != 200 || string(r.Body) != "6" {
		t.Fatalf("pending GET after the probe: %v, want 200 \"6\"", r)
	}
	if got := ss.Transport(); got != "polling" {
		t.Fatalf("Transport() = %q before the upgrade packet", got)
	}
	// Sent before the upgrade packet: held for the WebSocket.
	if err := ss.SendText("queued"); err != nil {
		t.Fatal(err)
	}
	if err := ws.Write(eiotest.Text(eiotest.Upgrade, "")); err != nil {
		t.Fatal(err)
	}
	if p, err := ws.Read(wait); err != nil || p.String() != "4queued" {
		t.Fatalf("after the upgrade: %q, %v; want the queued message", p, err)
	}
	wsRoundTrip(t, ws, "on websocket")
	if got := ss.Transport(); got != "websocket" {
		t.Fatalf("Transport() = %q after the upgrade", got)
	}

	// Polling is over for this session.
	expectJSONError(t, e.do(t, "GET", "?EIO=4&transport=polling&sid="+p.SID, nil, nil), 400, session.CodeBadRequest, "")
	expectJSONError(t, e.do(t, "POST", "?EIO=4&transport=polling&sid="+p.SID, []byte("4x"), nil), 400, session.CodeBadRequest, "")

	// A second WebSocket for the session is accepted and closed.
	ws2 := dialSID(t, e, p.SID)
	if ce := readClose(t, ws2); ce.Code != websocket.ClosePolicyViolation {
		t.Errorf("second WebSocket closed with %d, want %d", ce.Code, websocket.ClosePolicyViolation)
	}
	if !ss.isOpen() {
		t.Fatalf("session closed: %q %v", ss.reason, ss.err)
	}
	wsRoundTrip(t, ws, "still fine")
	if got := string(ss.nextMsg(t).Data); got != "on websocket" {
		t.Errorf("server received %q first", got)
	}
}

// TestUpgradeFailures: a WebSocket that does not complete the upgrade is
// closed, and the session carries on over polling.
func TestUpgradeFailures(t *testing.T) {
	tests := []struct {
		name string
		// act drives the WebSocket opened for the session.
		act       func(t *testing.T, ws *eiotest.WebSocket)
		closeCode int
	}{
		{"silent", func(*testing.T, *eiotest.WebSocket) {}, websocket.ClosePolicyViolation},
		{"probe but no upgrade packet", func(t *testing.T, ws *eiotest.WebSocket) {
			if err := ws.Write(eiotest.Text(eiotest.Ping, "probe")); err != nil {
				t.Fatal(err)
			}
			if p, err := ws.Read(wait); err != nil || p.String() != "3probe" {
				t.Fatalf("got %q, %v; want 3probe", p, err)
			}
		}, websocket.ClosePolicyViolation},
		{"message instead of probe", func(t *testing.T, ws *eiotest.WebSocket) {
			if err := ws.Write(eiotest.Msg("sneaky")); err != nil {
				t.Fatal(err)
			}
		}, websocket.ClosePolicyViolation},
		{"upgrade before probe", func(t *testing.T, ws *eiotest.WebSocket) {
			if err := ws.Write(eiotest.Text(eiotest.Upgrade, "")); err != nil {
				t.Fatal(err)
			}
		}, websocket.ClosePolicyViolation},
		{"wrong probe payload", func(t *testing.T, ws *eiotest.WebSocket) {
			if err := ws.Write(eiotest.Text(eiotest.Ping, "prob")); err != nil {
				t.Fatal(err)
			}
		}, websocket.ClosePolicyViolation},
		{"garbage", func(t *testing.T, ws *eiotest.WebSocket) {
			if err := ws.WriteFrame(websocket.TextMessage, []byte("xyz")); err != nil {
				t.Fatal(err)
			}
		}, websocket.ClosePolicyViolation},
		{"client closes", func(t *testing.T, ws *eiotest.WebSocket) {
			if err := ws.CloseWith(websocket.CloseNormalClosure); err != nil {
				t.Fatal(err)
			}
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envConfig{opts: &session.Options{UpgradeTimeout: 300 * time.Millisecond}})
			c := e.dial(t, eiotest.ModePolling)
			ss := e.session(t, c.SID())
			ws := dialSID(t, e, c.SID())
			tt.act(t, ws)
			if tt.closeCode != 0 {
				if ce := readClose(t, ws); ce.Code != tt.closeCode {
					t.Errorf("WebSocket closed with %d, want %d", ce.Code, tt.closeCode)
				}
			}
			// The session is still on polling and works; nothing sent on
			// the failed WebSocket reached the application.
			roundTrip(t, c, "on polling")
			if got := string(ss.nextMsg(t).Data); got != "on polling" {
				t.Errorf("server received %q, want only what came over polling", got)
			}
			if !ss.isOpen() || ss.Transport() != "polling" {
				t.Fatalf("session open=%v transport=%s, want open on polling", ss.isOpen(), ss.Transport())
			}
			// And it can still upgrade properly, once the server has let
			// go of the failed WebSocket (the client that closed it
			// first has no frame to wait for; until then a new upgrade
			// is a second probe, refused with 1008).
			session.WaitProbeGone(t, ss.Session)
			if err := c.Upgrade(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			roundTrip(t, c, "on websocket")
			if got := ss.Transport(); got != "websocket" {
				t.Errorf("Transport() = %q after a later upgrade", got)
			}
		})
	}
}

// TestUpgradeConcurrentProbe: a second WebSocket while one is probing is
// closed at once; the first completes the upgrade.
func TestUpgradeConcurrentProbe(t *testing.T) {
	e := newEnv(t, envConfig{})
	p, ss := e.pollingSession(t)
	ws1 := probe(t, e, p.SID)
	ws2 := dialSID(t, e, p.SID)
	if ce := readClose(t, ws2); ce.Code != websocket.ClosePolicyViolation {
		t.Errorf("second WebSocket closed with %d", ce.Code)
	}
	if err := ws1.Write(eiotest.Text(eiotest.Upgrade, "")); err != nil {
		t.Fatal(err)
	}
	wsRoundTrip(t, ws1, "upgraded")
	if got := ss.Transport(); got != "websocket" {
		t.Errorf("Transport() = %q", got)
	}
}

// TestUpgradeOnWebSocketSession: a WebSocket with the sid of a session
// that is on WebSocket already is accepted and closed; the session is
// untouched.
func TestUpgradeOnWebSocketSession(t *testing.T) {
	e := newEnv(t, envConfig{})
	c := e.dial(t, eiotest.ModeWebSocket)
	ws := dialSID(t, e, c.SID())
	if ce := readClose(t, ws); ce.Code != websocket.ClosePolicyViolation {
		t.Errorf("closed with %d", ce.Code)
	}
	roundTrip(t, c, "untouched")
}

// TestCloseDuringUpgrade: a server Close in the middle of the upgrade
// still delivers what was queued, exactly once, then closes with "forced
// close".
func TestCloseDuringUpgrade(t *testing.T) {
	for _, at := range []string{"after probe", "before upgrade packet"} {
		t.Run(at, func(t *testing.T) {
			e := newEnv(t, envConfig{})
			c := e.dial(t, eiotest.ModePolling)
			ss := e.session(t, c.SID())
			closeNow := func() {
				sendRange(t, ss, 0, 3)
				if err := ss.Close(); err != nil {
					t.Error(err)
				}
			}
			hooks := &eiotest.UpgradeHooks{}
			if at == "after probe" {
				hooks.AfterProbe = closeNow
			} else {
				hooks.BeforeUpgrade = closeNow
			}
			err := c.Upgrade(context.Background(), hooks)
			t.Logf("Upgrade: %v; client on %s", err, c.Transport())
			for i := range 3 {
				expect(t, c, "4m"+string(rune('0'+i)))
			}
			p, err := c.Recv(wait)
			if err == nil && p.String() == "1" {
				// Closed on polling before the upgrade packet.
				_, err = c.Recv(wait)
			}
			var ce *websocket.CloseError
			if !errors.Is(err, eiotest.ErrServerClose) && !errors.As(err, &ce) {
				t.Fatalf("after the queued messages: %v, want the session closed", err)
			}
			ss.waitClosed(t, session.ReasonForcedClose)
		})
	}
}

// Group 6: a poll whose request is cancelled (the client went away)
// closes its session.
func TestCancelledPoll(t *testing.T) {
	e := newEnv(t, envConfig{})
	healthy := e.dial(t, eiotest.ModePolling)
	p, ss := e.pollingSession(t)
	arrived := e.arrived(p.SID, "GET")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := p.Get(ctx)
		done <- err
	}()
	select {
	case <-arrived:
	case <-time.After(wait):
		t.Fatal("GET never reached the server")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled GET returned %v", err)
	}
	ss.waitClosed(t, session.ReasonTransportError)
	if ss.err == nil {
		t.Error("OnClose err is nil, want the aborted poll")
	}
	expectJSONError(t, e.do(t, "GET", "?EIO=4&transport=polling&sid="+p.SID, nil, nil), 400, session.CodeUnknownSID, "")
	roundTrip(t, healthy, "unaffected")
}

// TestWebSocketDropped: a WebSocket that disappears without a close frame
// (the TCP connection just ends: a tab closed, a process killed) closes its
// session with "transport close", as the reference server reports it (its
// ws "close" event fires for any end of the connection) and as Socket.IO
// documents a lost connection. (It was "transport error" before
// transports.IsPeerClose accepted status 1006.)
func TestWebSocketDropped(t *testing.T) {
	for _, mode := range []eiotest.Mode{eiotest.ModeWebSocket, eiotest.ModeUpgrade} {
		t.Run(string(mode), func(t *testing.T) {
			e := newEnv(t, envConfig{})
			c := e.dial(t, mode)
			ss := e.session(t, c.SID())
			roundTrip(t, c, "hello")
			c.Stop() // closes the TCP connection, no close frame
			ss.waitClosed(t, session.ReasonTransportClose)
		})
	}
}
