package session_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// handOffCall is what one OnMessage call saw.
type handOffCall struct {
	data     string
	onReader bool
	handed   bool // HandOffReading's result
	again    bool // a second HandOffReading's result
}

// HandOffReading frees the reading goroutine of a WebSocket session from
// a callback that goes on running: the next message is delivered (on the
// new reader, which a callback may hand off in turn) while the first
// callback still blocks, the old goroutine reads no more once its
// callback returns, and reading goes on. A long-polling delivery, or one
// of several callbacks, cannot be handed off.
func TestHandOffReading(t *testing.T) {
	srv := session.NewServer(nil)
	calls := make(chan handOffCall, 8)
	release := make(chan struct{})
	srv.OnConnection(func(s *session.Session) {
		s.OnMessage(func(data []byte, _ bool) {
			c := handOffCall{data: string(data), onReader: s.OnReader()}
			if c.data == "block" {
				c.handed = s.HandOffReading()
				c.again = s.HandOffReading()
				calls <- c
				<-release
				_ = s.SendText("unblocked")
				return
			}
			calls <- c
			_ = s.SendText("echo " + c.data)
		})
	})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer func() { _ = srv.Shutdown(context.Background()) }()
	base := hs.URL + "/engine.io/"
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()

	ws, _, err := eiotest.HandshakeWebSocket(ctx, nil, base, wait)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Conn.Close()
	next := func() handOffCall {
		t.Helper()
		select {
		case c := <-calls:
			return c
		case <-ctx.Done():
			t.Fatal("no OnMessage call")
			return handOffCall{}
		}
	}
	writeMsg := func(s string) {
		t.Helper()
		if err := ws.Write(eiotest.Packet{Type: eiotest.Message, Data: []byte(s)}); err != nil {
			t.Fatal(err)
		}
	}
	expectMsg := func(want string) {
		t.Helper()
		for {
			p, err := ws.Read(wait)
			if err != nil {
				t.Fatalf("waiting for %q: %v", want, err)
			}
			if p.Type == eiotest.Ping {
				continue
			}
			if p.Type != eiotest.Message || string(p.Data) != want {
				t.Fatalf("got %v, want message %q", p, want)
			}
			return
		}
	}

	writeMsg("block")
	if c := next(); !c.onReader || !c.handed || c.again {
		t.Fatalf("blocking call: OnReader %v, HandOffReading %v then %v; want true, true, false", c.onReader, c.handed, c.again)
	}
	writeMsg("next")
	if c := next(); c.data != "next" || !c.onReader {
		t.Fatalf("call while the first blocks: %+v, want next on the reader", c)
	}
	expectMsg("echo next")
	if n := srv.Stats().ReadHandOffs; n != 1 {
		t.Fatalf("ReadHandOffs = %d, want 1", n)
	}
	close(release)
	expectMsg("unblocked")
	writeMsg("after")
	if c := next(); c.data != "after" || !c.onReader {
		t.Fatalf("call after the hand-off: %+v", c)
	}
	expectMsg("echo after")

	p, _, rest, err := eiotest.HandshakePolling(ctx, hs.Client(), base)
	if err != nil || len(rest) != 0 {
		t.Fatalf("polling handshake: %v, %v", err, rest)
	}
	if err := p.Send(ctx, eiotest.Packet{Type: eiotest.Message, Data: []byte("polled")}); err != nil {
		t.Fatal(err)
	}
	if c := next(); c.onReader {
		t.Fatal("OnReader is true on long-polling")
	}
	if n := srv.Stats().ReadHandOffs; n != 1 {
		t.Fatalf("ReadHandOffs = %d after polling, want 1", n)
	}
	// Closed by the client, so that Shutdown has no poll to wait for.
	if err := p.Send(ctx, eiotest.Packet{Type: eiotest.Close}); err != nil {
		t.Fatal(err)
	}
}

// With two OnMessage callbacks, the first cannot free the reader: the
// second would run alongside the next reader's deliveries.
func TestHandOffReadingOneCallbackOnly(t *testing.T) {
	srv := session.NewServer(nil)
	calls := make(chan handOffCall, 8)
	srv.OnConnection(func(s *session.Session) {
		s.OnMessage(func(data []byte, _ bool) {
			calls <- handOffCall{data: string(data), onReader: s.OnReader(), handed: s.HandOffReading()}
		})
		s.OnMessage(func([]byte, bool) {})
	})
	ctx, ws := serveWebSocket(t, srv)
	if err := ws.Write(eiotest.Packet{Type: eiotest.Message, Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-calls:
		if c.onReader || c.handed {
			t.Fatalf("OnReader %v, HandOffReading %v with two callbacks; want false, false", c.onReader, c.handed)
		}
	case <-ctx.Done():
		t.Fatal("no OnMessage call")
	}
}
