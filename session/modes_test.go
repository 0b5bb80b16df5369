package session_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// Group 2 (and group 5, TLS): the same behaviours over the three modes —
// polling, websocket, and polling upgraded to websocket.

// behaviour is one scenario run in every mode.
type behaviour struct {
	name      string
	opts      func() *session.Options // nil: defaults
	onSession func(t *testing.T, ss *serverSession)
	run       func(t *testing.T, e *env, mode eiotest.Mode)
}

// env starts the server for b.
func (b behaviour) env(t *testing.T, tls bool) *env {
	cfg := envConfig{tls: tls}
	if b.opts != nil {
		cfg.opts = b.opts()
	}
	if b.onSession != nil {
		cfg.onSession = func(ss *serverSession) { b.onSession(t, ss) }
	}
	return newEnv(t, cfg)
}

var behaviours = []behaviour{
	{name: "echo text", run: testEchoText},
	{name: "echo binary", run: testEchoBinary},
	{name: "send from OnConnection", onSession: sendWelcome, run: testWelcome},
	{name: "ordering", run: testOrdering},
	{name: "server send around upgrade", run: testSendAroundUpgrade},
	{name: "concurrent server sends during upgrade", run: testConcurrentSendsDuringUpgrade},
	{name: "server close", run: testServerClose},
	{name: "client close", run: testClientClose},
	{name: "heartbeat keeps alive", opts: keepAliveHeartbeat, run: testHeartbeatAlive},
	{name: "ping timeout", opts: timeoutHeartbeat, run: testPingTimeout},
	{name: "shutdown", run: testShutdown},
}

// keepAliveHeartbeat pings every 50ms. The pong window only bounds a
// failure, so it is long: the server counts it from when the ping was due,
// so timer latency and a loaded 2-core machine under -race eat into it
// (with 50ms, then 500ms, a client that answers every ping was seen closed
// with "ping timeout" when the CPUs were oversubscribed).
func keepAliveHeartbeat() *session.Options {
	return &session.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 5 * time.Second}
}

// timeoutHeartbeat: a short pong window, and a first ping late enough for
// an upgrade (about 100ms) to complete first.
func timeoutHeartbeat() *session.Options {
	return &session.Options{PingInterval: 200 * time.Millisecond, PingTimeout: 50 * time.Millisecond}
}

func TestModes(t *testing.T) {
	for _, b := range behaviours {
		t.Run(b.name, func(t *testing.T) {
			for _, mode := range eiotest.Modes {
				t.Run(string(mode), func(t *testing.T) { b.run(t, b.env(t, false), mode) })
			}
		})
	}
}

// TestTLS runs a subset of the behaviours over https/wss.
func TestTLS(t *testing.T) {
	for _, b := range behaviours[:4] {
		t.Run(b.name, func(t *testing.T) {
			for _, mode := range eiotest.Modes {
				t.Run(string(mode), func(t *testing.T) {
					e := b.env(t, true)
					if e.hs.TLS == nil || e.base[:8] != "https://" {
						t.Fatalf("test server is not TLS: %s", e.base)
					}
					b.run(t, e, mode)
				})
			}
		})
	}
}

// finalTransport is the transport a session in mode ends up on.
func finalTransport(mode eiotest.Mode) string {
	if mode == eiotest.ModePolling {
		return "polling"
	}
	return "websocket"
}

func checkTransport(t *testing.T, c *eiotest.Client, ss *serverSession, mode eiotest.Mode) {
	t.Helper()
	want := finalTransport(mode)
	if got := c.Transport(); got != want {
		t.Errorf("client transport %q, want %q", got, want)
	}
	if got := ss.Transport(); got != want {
		t.Errorf("server Transport() = %q, want %q", got, want)
	}
}

func testEchoText(t *testing.T, e *env, mode eiotest.Mode) {
	c := e.dial(t, mode)
	ss := e.session(t, c.SID())
	for _, msg := range []string{"hello", "", "héllo wörld ✓ 🎉", "with\nnewline", "4 looks like a type", `{"json":true}`} {
		roundTrip(t, c, msg)
		if got := ss.nextMsg(t); got.Binary || string(got.Data) != msg {
			t.Fatalf("server received %q, want text %q", got, msg)
		}
	}
	checkTransport(t, c, ss, mode)
}

func testEchoBinary(t *testing.T, e *env, mode eiotest.Mode) {
	c := e.dial(t, mode)
	ss := e.session(t, c.SID())
	big := make([]byte, 64<<10)
	for i := range big {
		big[i] = byte(i * 7)
	}
	for _, data := range [][]byte{{0, 1, 2, 0xff}, {0x1e, '4', 'b'}, {}, big} {
		if err := c.Send(eiotest.Bin(data)); err != nil {
			t.Fatal(err)
		}
		got := recv(t, c)
		if !got.Equal(eiotest.Bin(data)) {
			t.Fatalf("echo of %d binary bytes: got %d bytes (binary=%v type=%d)", len(data), len(got.Data), got.Binary, got.Type)
		}
		if srv := ss.nextMsg(t); !srv.Equal(eiotest.Bin(data)) {
			t.Fatalf("server received %d bytes binary=%v, want %d binary bytes", len(srv.Data), srv.Binary, len(data))
		}
	}
	// Text and binary interleaved keep their kinds and order.
	if err := c.Send(eiotest.Msg("t1"), eiotest.Bin([]byte("b1")), eiotest.Msg("t2")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []eiotest.Packet{eiotest.Msg("t1"), eiotest.Bin([]byte("b1")), eiotest.Msg("t2")} {
		if got := recv(t, c); !got.Equal(want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	checkTransport(t, c, ss, mode)
}

func sendWelcome(t *testing.T, ss *serverSession) {
	if err := ss.SendText("welcome"); err != nil {
		t.Errorf("SendText in OnConnection: %v", err)
	}
	if err := ss.SendBinary([]byte{1, 2}); err != nil {
		t.Errorf("SendBinary in OnConnection: %v", err)
	}
}

// testWelcome: what OnConnection sends follows the open packet.
func testWelcome(t *testing.T, e *env, mode eiotest.Mode) {
	c := e.dial(t, mode)
	expect(t, c, "4welcome")
	if got := recv(t, c); !got.Equal(eiotest.Bin([]byte{1, 2})) {
		t.Fatalf("got %q, want binary 0102", got)
	}
	roundTrip(t, c, "after welcome")
}

// testOrdering: 500 messages each way arrive once, in order.
func testOrdering(t *testing.T, e *env, mode eiotest.Mode) {
	const n = 500
	c := e.dial(t, mode)
	ss := e.session(t, c.SID())
	errc := make(chan error, 1)
	go func() {
		for i := range n {
			if err := c.Send(eiotest.Msg("m" + strconv.Itoa(i))); err != nil {
				errc <- fmt.Errorf("send %d: %w", i, err)
				return
			}
		}
		errc <- nil
	}()
	for i := range n {
		p, err := c.Recv(wait)
		if err != nil {
			t.Fatalf("echo %d of %d: %v", i, n, err)
		}
		if want := "4m" + strconv.Itoa(i); p.String() != want {
			t.Fatalf("echo %d: got %q, want %q", i, p, want)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if got, want := string(ss.nextMsg(t).Data), "m"+strconv.Itoa(i); got != want {
			t.Fatalf("server message %d: %q, want %q", i, got, want)
		}
	}
	// Server-initiated burst, larger than any single poll.
	for i := range n {
		if err := ss.SendText("s" + strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		expect(t, c, "4s"+strconv.Itoa(i))
	}
	checkTransport(t, c, ss, mode)
}

// sendRange makes the server send "m<from>".."m<to-1>".
func sendRange(t *testing.T, ss *serverSession, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if err := ss.SendText("m" + strconv.Itoa(i)); err != nil {
			t.Errorf("SendText(m%d): %v", i, err)
		}
	}
}

// expectRange expects "4m<from>".."4m<to-1>", then checks nothing else
// arrives before a sentinel: every message exactly once, in order.
func expectRange(t *testing.T, c *eiotest.Client, ss *serverSession, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		expect(t, c, "4m"+strconv.Itoa(i))
	}
	if err := ss.SendText("sentinel"); err != nil {
		t.Fatal(err)
	}
	expect(t, c, "4sentinel")
}

// testSendAroundUpgrade: messages the server sends before the upgrade,
// after the probe (polling still running), while polling is paused, and
// after the upgrade, arrive exactly once and in order. In the other modes
// the same sends happen at the same points of the test, without upgrade.
func testSendAroundUpgrade(t *testing.T, e *env, mode eiotest.Mode) {
	dialMode := mode
	if mode == eiotest.ModeUpgrade {
		dialMode = eiotest.ModePolling
	}
	c := e.dial(t, dialMode)
	ss := e.session(t, c.SID())
	sendRange(t, ss, 0, 10)
	hooks := &eiotest.UpgradeHooks{
		AfterProbe:    func() { sendRange(t, ss, 10, 20) },
		BeforeUpgrade: func() { sendRange(t, ss, 20, 30) },
	}
	if mode == eiotest.ModeUpgrade {
		if err := c.Upgrade(context.Background(), hooks); err != nil {
			t.Fatal(err)
		}
	} else {
		hooks.AfterProbe()
		hooks.BeforeUpgrade()
	}
	sendRange(t, ss, 30, 40)
	expectRange(t, c, ss, 0, 40)
	roundTrip(t, c, "client after upgrade")
	checkTransport(t, c, ss, mode)
}

// testConcurrentSendsDuringUpgrade: a goroutine sends without pause while
// the client upgrades; every message arrives once, in order.
func testConcurrentSendsDuringUpgrade(t *testing.T, e *env, mode eiotest.Mode) {
	const n = 2000
	dialMode := mode
	if mode == eiotest.ModeUpgrade {
		dialMode = eiotest.ModePolling
	}
	c := e.dial(t, dialMode)
	ss := e.session(t, c.SID())
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range n {
			if i == 50 {
				close(started)
			}
			if err := ss.SendText("m" + strconv.Itoa(i)); err != nil {
				t.Errorf("SendText(m%d): %v", i, err)
				return
			}
		}
	}()
	<-started
	if mode == eiotest.ModeUpgrade {
		if err := c.Upgrade(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	expectRange(t, c, ss, 0, n)
	checkTransport(t, c, ss, mode)
}

// testServerClose: Close delivers what is queued, then the close (a close
// packet on polling, a close frame on WebSocket); reason "forced close".
func testServerClose(t *testing.T, e *env, mode eiotest.Mode) {
	c := e.dial(t, mode)
	ss := e.session(t, c.SID())
	roundTrip(t, c, "hello")
	var release func()
	if mode == eiotest.ModePolling {
		// Close with no poll pending, so that the queued packets and the
		// close packet wait for the next poll (see TestCloseWithoutPoll).
		release = e.quiescePolling(t, c, ss)
	}
	for _, m := range []string{"a", "b", "c"} {
		if err := ss.SendText(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := ss.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ss.SendText("too late"); !errors.Is(err, session.ErrClosed) {
		t.Errorf("SendText after Close: %v, want ErrClosed", err)
	}
	if mode == eiotest.ModePolling {
		release()
		expect(t, c, "4quiesce")
	}
	for _, m := range []string{"a", "b", "c"} {
		expect(t, c, "4"+m)
	}
	code := expectServerClose(t, c)
	if mode != eiotest.ModePolling && code != 1000 {
		t.Errorf("close frame status %d, want 1000", code)
	}
	ss.waitClosed(t, session.ReasonForcedClose)
	if ss.err != nil {
		t.Errorf("OnClose err %v, want nil", ss.err)
	}
	if want := finalTransport(mode); ss.transport != want {
		t.Errorf("closed on %q, want %q", ss.transport, want)
	}
	if err := ss.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if n := e.srv.Count(); n != 0 {
		t.Errorf("Count() = %d, want 0", n)
	}
	expectJSONError(t, e.do(t, "GET", "?EIO=4&transport=polling&sid="+c.SID(), nil, nil), 400, session.CodeUnknownSID, "")
}

// testClientClose: the client closes the reference client's way; reason
// "transport close". On polling the pending GET is answered with a noop
// (which the client hides), not refused.
func testClientClose(t *testing.T, e *env, mode eiotest.Mode) {
	c := e.dial(t, mode)
	ss := e.session(t, c.SID())
	roundTrip(t, c, "hello")
	if err := c.Close(wait); err != nil {
		t.Fatalf("client close: %v", err)
	}
	ss.waitClosed(t, session.ReasonTransportClose)
	if mode == eiotest.ModePolling && ss.err != nil {
		t.Errorf("OnClose err %v, want nil", ss.err)
	} else if mode != eiotest.ModePolling && ss.err != nil {
		// The peer's close frame is passed on as the cause.
		if ce := expectClosed(t, ss.err); ce.Code != 1000 {
			t.Errorf("OnClose err %v, want the client's close 1000", ss.err)
		}
	}
	if err := ss.SendText("x"); !errors.Is(err, session.ErrClosed) {
		t.Errorf("SendText after the client closed: %v, want ErrClosed", err)
	}
}

// testHeartbeatAlive: with a 50ms interval and 50ms timeout, a client that
// answers pings stays connected across many cycles.
func testHeartbeatAlive(t *testing.T, e *env, mode eiotest.Mode) {
	c := e.dial(t, mode)
	ss := e.session(t, c.SID())
	const cycles = 6
	if !c.WaitPings(cycles, wait) {
		t.Fatalf("%d pings received, want %d (session open: %v, reason %q)", c.Pings(), cycles, ss.isOpen(), ss.reason)
	}
	if !ss.isOpen() {
		t.Fatalf("session closed (%q, %v) although every ping was answered", ss.reason, ss.err)
	}
	roundTrip(t, c, "alive")
	checkTransport(t, c, ss, mode)
}

// testPingTimeout: a client that never answers is closed with "ping
// timeout" and told so.
func testPingTimeout(t *testing.T, e *env, mode eiotest.Mode) {
	// In mode upgrade, pings are answered until the upgrade is done (in
	// case the machine is slow enough for one to come that early).
	cfg := e.clientConfig()
	cfg.ManualPong = mode != eiotest.ModeUpgrade
	c := e.dialWith(t, mode, cfg)
	c.SetManualPong(true)
	ss := e.session(t, c.SID())
	ss.waitClosed(t, session.ReasonPingTimeout)
	// The client saw the ping, then the end of the session.
	sawPing := false
	for {
		p, err := c.Recv(wait)
		if err != nil {
			var se *eiotest.StatusError
			switch {
			case errors.Is(err, eiotest.ErrServerClose):
			case c.Transport() == "polling" && errors.As(err, &se) && se.Resp.Status == http.StatusBadRequest:
				// The next poll arrived after the session was gone.
			case c.Transport() == "websocket" && err != nil:
				expectClosed(t, err)
			default:
				t.Fatalf("stream ended with %v", err)
			}
			break
		}
		switch p.String() {
		case "2":
			sawPing = true
		case "1":
		default:
			t.Fatalf("unexpected packet %q", p)
		}
	}
	if !sawPing {
		// Not an error: the pong window counts from when the ping was due,
		// so when the machine is loaded enough to delay the timer or the
		// writer by PingTimeout, the session is closed before the ping
		// reaches the client (seen about once in 30 runs under -race).
		t.Logf("the session timed out before the client saw a ping")
	}
}

// testShutdown: Shutdown flushes, closes every session with "server
// shutting down", returns nil once they are gone, and refuses new ones.
func testShutdown(t *testing.T, e *env, mode eiotest.Mode) {
	c := e.dial(t, mode)
	other := e.dial(t, eiotest.ModeWebSocket)
	ss, so := e.session(t, c.SID()), e.session(t, other.SID())
	roundTrip(t, c, "hello")
	var release func()
	if mode == eiotest.ModePolling {
		release = e.quiescePolling(t, c, ss)
	}
	if err := ss.SendText("bye"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	shutdown := make(chan error, 1)
	go func() { shutdown <- e.srv.Shutdown(ctx) }()
	if mode == eiotest.ModePolling {
		// Shutdown waits for the polling client to collect "bye" and the
		// close packet.
		so.waitClosed(t, session.ReasonShutdown)
		select {
		case err := <-shutdown:
			t.Fatalf("Shutdown returned (%v) before the polling client collected its packets", err)
		default:
		}
		release()
		expect(t, c, "4quiesce")
	}
	if err := <-shutdown; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	ss.waitClosed(t, session.ReasonShutdown)
	so.waitClosed(t, session.ReasonShutdown)
	if n := e.srv.Count(); n != 0 {
		t.Fatalf("Count() = %d after Shutdown", n)
	}
	expect(t, c, "4bye")
	expectServerClose(t, c)
	expectServerClose(t, other)

	// New sessions are refused.
	resp := e.do(t, "GET", "?EIO=4&transport=polling", nil, nil)
	if resp.Status == http.StatusOK {
		t.Fatalf("polling handshake accepted after Shutdown: %s", resp)
	}
	if _, err := resp.JSONError(); err != nil {
		t.Error(err)
	}
	ws, _, err := eiotest.DialWebSocket(ctx, e.dialer(), e.base, "")
	if err == nil {
		p, err := ws.Read(wait)
		ws.Conn.Close()
		if err == nil {
			t.Fatalf("WebSocket handshake after Shutdown got %q, want no session", p)
		}
		expectClosed(t, err)
	}
	if n := e.srv.Count(); n != 0 {
		t.Fatalf("Count() = %d after handshakes during shutdown", n)
	}
	// A second Shutdown has nothing to wait for.
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}
