//go:build linux

package session_test

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/framespy"
	"github.com/gosio/socketio/session"
)

// Idle parking seen from the session: a WebSocket session that receives
// nothing for IdleParkAfter gives up its reading goroutine, and reading
// resumes on a new goroutine when bytes arrive. Whether a session is
// parked is read from the goroutine dump (no goroutine in readLoop), as
// nothing else shows it from outside; these tests do not run in parallel,
// so every such goroutine is theirs.

// parkPeriod is the IdleParkAfter of these tests.
const parkPeriod = 30 * time.Millisecond

// pongWindow is the PingTimeout of tests whose client answers every ping.
// It only bounds a failure, so it is far longer than any scheduling delay:
// with 100ms, a busy 2-core machine under -race was seen closing a client
// that answered (the pong read on a resumed reader came late).
const pongWindow = wait

// wsReaders counts the goroutines in a session's WebSocket reading loop.
func wsReaders() int {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Count(buf[:n], []byte("session.(*Session).readLoop("))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// waitReaders waits until want goroutines are in a reading loop. There is
// no event to wait for: the dump is polled, bounded by wait.
func waitReaders(tb testing.TB, want int, why string) {
	tb.Helper()
	deadline := time.Now().Add(wait)
	for {
		n := wsReaders()
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d goroutines in Session.readLoop after %v, want %d (%s)", n, wait, want, why)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// expectMsgs checks the messages the server's OnMessage received, in
// order.
func expectMsgs(tb testing.TB, ss *serverSession, want []string) {
	tb.Helper()
	for i, w := range want {
		p := ss.nextMsg(tb)
		if p.Binary || string(p.Data) != w {
			tb.Fatalf("message %d received by the server: %q (binary %v), want %q", i, p.Data, p.Binary, w)
		}
	}
	if n := ss.msgs.Len(); n != 0 {
		tb.Fatalf("%d more messages received by the server than sent", n)
	}
}

// TestIdleParkHeartbeat: with a park period shorter than the ping
// interval, the session parks between heartbeats and every pong resumes
// it: over about a second the session stays open, and messages sent after
// idle gaps longer than the park period all reach OnMessage, in order,
// and are echoed.
func TestIdleParkHeartbeat(t *testing.T) {
	waitReaders(t, 0, "sessions of earlier tests still reading")
	e := newEnv(t, envConfig{opts: &session.Options{
		IdleParkAfter: parkPeriod,
		PingInterval:  100 * time.Millisecond,
		PingTimeout:   pongWindow,
	}})
	c := e.dial(t, eiotest.ModeWebSocket)
	ss := e.session(t, c.SID())
	sent := []string{"first"}
	roundTrip(t, c, "first")
	waitReaders(t, 0, "the idle session should park")

	pings := c.Pings()
	for i := range 5 {
		time.Sleep(80 * time.Millisecond) // an idle gap longer than the park period
		msg := fmt.Sprintf("after gap %d", i)
		roundTrip(t, c, msg)
		sent = append(sent, msg)
	}
	// The rest of about a second of heartbeats, every pong arriving on a
	// parked connection.
	if !c.WaitPings(pings+8, wait) {
		t.Fatalf("%d pings received, want %d (session open: %v, reason %q)", c.Pings(), pings+8, ss.isOpen(), ss.reason)
	}
	if !ss.isOpen() {
		t.Fatalf("session closed (%q, %v) although every ping was answered", ss.reason, ss.err)
	}
	expectMsgs(t, ss, sent)
	waitReaders(t, 0, "the session should still park between heartbeats")
	time.Sleep(80 * time.Millisecond)
	if err := c.Send(eiotest.Bin([]byte{0, 1, 2})); err != nil {
		t.Fatal(err)
	}
	if p := recv(t, c); !p.Equal(eiotest.Bin([]byte{0, 1, 2})) {
		t.Fatalf("echo of a binary message %q, want 0x000102", p)
	}
	roundTrip(t, c, "last")
	if p := ss.nextMsg(t); !p.Binary || !bytes.Equal(p.Data, []byte{0, 1, 2}) {
		t.Fatalf("server received %q (binary %v), want the binary message", p.Data, p.Binary)
	}
	expectMsgs(t, ss, []string{"last"})
	if !ss.isOpen() {
		t.Fatalf("session closed (%q, %v)", ss.reason, ss.err)
	}
}

// TestIdleParkUpgraded: a polling session upgraded to WebSocket parks
// too, and messages after idle gaps arrive in order.
func TestIdleParkUpgraded(t *testing.T) {
	waitReaders(t, 0, "sessions of earlier tests still reading")
	e := newEnv(t, envConfig{opts: &session.Options{IdleParkAfter: parkPeriod}})
	c := e.dial(t, eiotest.ModeUpgrade)
	ss := e.session(t, c.SID())
	var sent []string
	for i := range 3 {
		waitReaders(t, 0, "the upgraded session should park")
		time.Sleep(2 * parkPeriod) // more idle time while parked
		msg := fmt.Sprintf("upgraded %d", i)
		roundTrip(t, c, msg)
		sent = append(sent, msg)
	}
	expectMsgs(t, ss, sent)
	if got := ss.Transport(); got != "websocket" {
		t.Fatalf("Transport() = %q, want websocket", got)
	}
}

// parkedSession opens a session in mode, exchanges one message and waits
// until its reader has parked.
func parkedSession(t *testing.T, mode eiotest.Mode) (*eiotest.Client, *serverSession) {
	t.Helper()
	waitReaders(t, 0, "sessions of earlier tests still reading")
	e := newEnv(t, envConfig{opts: &session.Options{IdleParkAfter: parkPeriod}})
	c := e.dial(t, mode)
	ss := e.session(t, c.SID())
	roundTrip(t, c, "hello")
	waitReaders(t, 0, "the idle session should park")
	return c, ss
}

// TestIdleParkClose: however a parked session ends, it ends as it would
// unparked: with the right reason, and with no reading goroutine left.
func TestIdleParkClose(t *testing.T) {
	for _, mode := range []eiotest.Mode{eiotest.ModeWebSocket, eiotest.ModeUpgrade} {
		t.Run(string(mode), func(t *testing.T) {
			t.Run("client drops the connection", func(t *testing.T) {
				c, ss := parkedSession(t, mode)
				c.Stop() // the TCP connection ends, no close frame
				ss.waitClosed(t, session.ReasonTransportClose)
				waitReaders(t, 0, "the resumed reader should have ended")
			})
			t.Run("client sends a close frame", func(t *testing.T) {
				c, ss := parkedSession(t, mode)
				if err := c.Close(wait); err != nil {
					t.Fatalf("client close: %v", err)
				}
				ss.waitClosed(t, session.ReasonTransportClose)
				if ce := expectClosed(t, ss.err); ce.Code != 1000 {
					t.Errorf("OnClose err %v, want the client's close 1000", ss.err)
				}
				waitReaders(t, 0, "the resumed reader should have ended")
			})
			t.Run("server closes", func(t *testing.T) {
				c, ss := parkedSession(t, mode)
				if err := ss.Close(); err != nil {
					t.Fatal(err)
				}
				ss.waitClosed(t, session.ReasonForcedClose)
				if code := expectServerClose(t, c); code != 1000 {
					t.Errorf("close frame %d, want 1000", code)
				}
				waitReaders(t, 0, "no reader may outlive a parked session the server closed")
			})
			t.Run("ping timeout", func(t *testing.T) {
				waitReaders(t, 0, "sessions of earlier tests still reading")
				e := newEnv(t, envConfig{opts: &session.Options{
					IdleParkAfter: parkPeriod,
					PingInterval:  300 * time.Millisecond,
					PingTimeout:   100 * time.Millisecond,
				}})
				c := e.dial(t, mode)
				c.SetManualPong(true)
				ss := e.session(t, c.SID())
				waitReaders(t, 0, "the idle session should park")
				if !ss.isOpen() {
					t.Fatalf("session closed (%q) before it was seen parked", ss.reason)
				}
				ss.waitClosed(t, session.ReasonPingTimeout)
				// Closing the connection can wake its epoll registration, so
				// a reader may have resumed just to see the close: it must
				// end, which is awaited rather than sampled once.
				waitReaders(t, 0, "no reader may outlive a parked session that timed out")
			})
		})
	}
}

// TestIdleParkDisabled: with a negative IdleParkAfter the session keeps
// its reading goroutine however long it is idle, and works as before.
func TestIdleParkDisabled(t *testing.T) {
	waitReaders(t, 0, "sessions of earlier tests still reading")
	e := newEnv(t, envConfig{opts: &session.Options{
		IdleParkAfter: -1,
		PingInterval:  100 * time.Millisecond,
		PingTimeout:   pongWindow,
	}})
	c := e.dial(t, eiotest.ModeWebSocket)
	ss := e.session(t, c.SID())
	roundTrip(t, c, "hello")
	pings := c.Pings()
	var sent []string
	for i := range 3 {
		time.Sleep(5 * parkPeriod) // idle: a parking session would park
		if n := wsReaders(); n != 1 {
			t.Fatalf("%d goroutines in Session.readLoop after an idle gap with parking disabled, want 1", n)
		}
		msg := fmt.Sprintf("unparked %d", i)
		roundTrip(t, c, msg)
		sent = append(sent, msg)
	}
	if !c.WaitPings(pings+3, wait) {
		t.Fatalf("%d pings received, want %d (session open: %v, reason %q)", c.Pings(), pings+3, ss.isOpen(), ss.reason)
	}
	expectMsgs(t, ss, append([]string{"hello"}, sent...))
	if err := c.Close(wait); err != nil {
		t.Fatalf("client close: %v", err)
	}
	ss.waitClosed(t, session.ReasonTransportClose)
}

// TestIdleParkDeflate: a parked session with permessage-deflate resumes
// on a compressed message and answers compressed: the inflater and the
// compressor are borrowed per message, nothing is held while parked.
func TestIdleParkDeflate(t *testing.T) {
	waitReaders(t, 0, "sessions of earlier tests still reading")
	e := newEnv(t, envConfig{opts: &session.Options{
		IdleParkAfter:     parkPeriod,
		PingTimeout:       pongWindow,
		PerMessageDeflate: &session.Deflate{},
	}})
	var spy framespy.Spy
	c := e.dialWith(t, eiotest.ModeWebSocket, e.spyConfig(&spy))
	for i := range 3 {
		waitReaders(t, 0, "the idle session should park")
		roundTrip(t, c, fmt.Sprintf("%d %s", i, bytes.Repeat([]byte("parked and compressed "), 100)))
	}
	if n := spy.Counts(); n.ServerCompressed != 3 || n.ClientCompressed < 3 {
		t.Errorf("compressed frames: %d from the server, %d from the client; want 3 and 3 or more", n.ServerCompressed, n.ClientCompressed)
	}
}

// TestEndWithLastMessage: a client whose TCP connection ends (no close
// frame) right after a message, so that both often reach the server for
// one wake-up: the message is delivered and the session ends with
// "transport close", with parking (the reader trusts short reads and
// sees the end within IdleParkAfter) and without (it reads on until the
// socket is empty).
func TestEndWithLastMessage(t *testing.T) {
	for _, park := range []time.Duration{parkPeriod, -1} {
		t.Run(fmt.Sprintf("IdleParkAfter=%v", park), func(t *testing.T) {
			e := newEnv(t, envConfig{opts: &session.Options{IdleParkAfter: park}})
			for i := range 5 {
				ws, ss := e.wsSession(t)
				msg := fmt.Sprintf("last %d", i)
				if err := ws.Conn.WriteMessage(websocket.TextMessage, []byte("4"+msg)); err != nil {
					t.Fatal(err)
				}
				ws.Conn.Close() // the TCP connection ends, no close frame
				if p := ss.nextMsg(t); string(p.Data) != msg {
					t.Fatalf("server received %q, want %q", p.Data, msg)
				}
				ss.waitClosed(t, session.ReasonTransportClose)
			}
		})
	}
}
