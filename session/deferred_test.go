package session_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// Enqueue (deferred writes, used by broadcasts): packets wait in the
// session's queue for its flusher, which writes them all at once; order
// with Send is kept; a flusher far behind is helped by the senders; a
// slow peer never holds the flusher.

func msgPkt(s string) codec.Packet {
	return codec.Packet{Type: codec.PacketMessage, Data: []byte(s)}
}

func TestEnqueueWaitsForFlusher(t *testing.T) {
	e := newEnv(t, envConfig{})
	c := e.dial(t, eiotest.ModeWebSocket)
	ss := e.session(t, c.SID())
	session.WaitWriterGone(t, ss.Session)
	release := session.HoldFlusher(ss.Session)
	for i := range 10 {
		if err := ss.Enqueue(msgPkt(fmt.Sprint("b", i))); err != nil {
			t.Fatalf("Enqueue %d: %v", i, err)
		}
	}
	// A direct Send must not overtake the deferred packets.
	if err := ss.SendText("direct"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if deferred, queued := session.DeferredState(ss.Session); !deferred || queued != 11 {
		t.Fatalf("before the flusher ran: deferred %v, %d queued; want true, 11", deferred, queued)
	}
	release()
	for i := range 10 {
		expect(t, c, fmt.Sprint("4b", i))
	}
	expect(t, c, "4direct")
	roundTrip(t, c, "still open")
	if deferred, queued := session.DeferredState(ss.Session); deferred || queued != 0 {
		t.Fatalf("after the flusher ran: deferred %v, %d queued; want false, 0", deferred, queued)
	}
}

func TestEnqueueAssist(t *testing.T) {
	e := newEnv(t, envConfig{})
	c := e.dial(t, eiotest.ModeWebSocket)
	ss := e.session(t, c.SID())
	session.WaitWriterGone(t, ss.Session)
	release := session.HoldFlusher(ss.Session)
	defer release()
	for i := range session.AssistAt - 1 {
		_ = ss.Enqueue(msgPkt(fmt.Sprint("b", i)))
	}
	if _, queued := session.DeferredState(ss.Session); queued != session.AssistAt-1 {
		t.Fatalf("%d queued, want %d", queued, session.AssistAt-1)
	}
	// The flusher is held: the sender that reaches AssistAt writes.
	if err := ss.Enqueue(msgPkt("last")); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	for i := range session.AssistAt - 1 {
		expect(t, c, fmt.Sprint("4b", i))
	}
	expect(t, c, "4last")
	if deferred, queued := session.DeferredState(ss.Session); deferred || queued != 0 {
		t.Fatalf("after the assist: deferred %v, %d queued; want false, 0", deferred, queued)
	}
}

// A graceful close writes the deferred packets first, without the
// flusher.
func TestEnqueueThenClose(t *testing.T) {
	e := newEnv(t, envConfig{})
	c := e.dial(t, eiotest.ModeWebSocket)
	ss := e.session(t, c.SID())
	session.WaitWriterGone(t, ss.Session)
	release := session.HoldFlusher(ss.Session)
	defer release()
	for i := range 3 {
		_ = ss.Enqueue(msgPkt(fmt.Sprint("b", i)))
	}
	_ = ss.Close()
	for i := range 3 {
		expect(t, c, fmt.Sprint("4b", i))
	}
	expectServerClose(t, c)
	ss.waitClosed(t, session.ReasonForcedClose)
}

// On polling and during an upgrade, Enqueue is Send: the next poll
// carries the packets.
func TestEnqueueModes(t *testing.T) {
	for _, mode := range eiotest.Modes {
		t.Run(string(mode), func(t *testing.T) {
			e := newEnv(t, envConfig{})
			c := e.dial(t, mode)
			ss := e.session(t, c.SID())
			for i := range 20 {
				if err := ss.Enqueue(msgPkt(fmt.Sprint("b", i))); err != nil {
					t.Fatalf("Enqueue %d: %v", i, err)
				}
			}
			for i := range 20 {
				expect(t, c, fmt.Sprint("4b", i))
			}
			roundTrip(t, c, "echo")
		})
	}
}

func TestEnqueueVolatile(t *testing.T) {
	e := newEnv(t, envConfig{})
	c := e.dial(t, eiotest.ModeWebSocket)
	ss := e.session(t, c.SID())
	session.WaitWriterGone(t, ss.Session)
	release := session.HoldFlusher(ss.Session)
	_ = ss.Enqueue(msgPkt("kept"))
	// Waiting only for the flusher is not a backlog for EnqueueVolatile;
	// SendVolatile, which would write at once, drops.
	if !ss.EnqueueVolatile(msgPkt("volatile")) {
		t.Fatal("EnqueueVolatile dropped a packet behind deferred ones only")
	}
	if ss.SendVolatile(msgPkt("dropped")) {
		t.Fatal("SendVolatile took a packet behind a queue")
	}
	release()
	expect(t, c, "4kept")
	expect(t, c, "4volatile")
	roundTrip(t, c, "echo")
}

// A peer that never reads shares a flusher with a healthy one: the
// flusher tries its socket once per pass and leaves the rest to its
// writer, so the healthy client gets every packet while the slow one's
// queue fills up to the limit and it is cut.
func TestEnqueueSlowPeerDoesNotHoldFlusher(t *testing.T) {
	e := newEnv(t, envConfig{opts: &session.Options{MaxBufferedBytes: 1 << 20}})
	healthy := e.dial(t, eiotest.ModeWebSocket)
	hs := e.session(t, healthy.SID())
	_, slow := e.wsSession(t) // never read
	session.ShareFlusher(slow.Session, hs.Session)
	session.WaitWriterGone(t, hs.Session)
	session.WaitWriterGone(t, slow.Session)
	payload := strings.Repeat("x", 16<<10)
	const n = 1000 // 16 MB: far more than the kernel buffers and the queue limit hold
	for i := range n {
		p := msgPkt(fmt.Sprint(i, payload))
		_ = slow.Enqueue(p)
		if err := hs.Enqueue(p); err != nil {
			t.Fatalf("Enqueue %d to the healthy session: %v", i, err)
		}
		if p := recv(t, healthy); !strings.HasPrefix(p.String(), fmt.Sprint("4", i, "x")) {
			t.Fatalf("packet %d: %.20q…", i, p.String())
		}
	}
	slow.waitClosed(t, session.ReasonTransportError)
}
