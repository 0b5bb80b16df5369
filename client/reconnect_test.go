package client_test

import (
	"errors"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
	"github.com/gosio/socketio/codec"
)

// fastReconnect reconnects within milliseconds.
var fastReconnect = &client.Options{ReconnectionDelay: 5 * time.Millisecond, ReconnectionDelayMax: 20 * time.Millisecond}

// The server's connections are cut: the Manager reconnects and every
// active socket connects again (with a new id); what was emitted while
// disconnected is delivered after.
func TestReconnectAfterKill(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		got := make(chan string, 16)
		srv := newServer(t, nil, func(srv *socketio.Server) {
			for _, nsp := range []string{"/", "/chat"} {
				srv.Of(nsp).OnConnection(func(s *socketio.Socket) {
					s.On("msg", func(v string) { got <- nsp + ":" + v })
				})
			}
		})
		m, up := newManager(t, srv.url, md, fastReconnect)
		reconnects := make(chan int, 4)
		m.OnReconnect(func(n int) { reconnects <- n })
		closes := make(chan string, 4)
		m.OnClose(func(r string, _ error) { closes <- r })
		main, chat := m.Socket("/", nil), m.Socket("/chat", nil)
		connects := make(chan string, 8)
		reasons := make(chan string, 8)
		for _, s := range []*client.Socket{main, chat} {
			s.OnConnect(func() { connects <- s.Namespace() })
			s.OnDisconnect(func(r string) { reasons <- s.Namespace() + ":" + r })
		}
		connect(t, main, md, up)
		connect(t, chat, mode{}, nil)
		recv(t, connects, "connect")
		recv(t, connects, "connect")
		firstID := main.ID()

		r := cut(t, srv, closes)
		// As in the JS client: a lost WebSocket is "transport close", a
		// failed poll "transport error".
		if r != client.ReasonTransportClose && r != client.ReasonTransportError {
			t.Fatalf("close reason %q", r)
		}
		for range 2 {
			if got := recv(t, reasons, "a disconnection"); got != "/:"+r && got != "/chat:"+r {
				t.Fatalf("disconnect %q, want reason %q", got, r)
			}
		}
		// Emitted while disconnected (or while reconnecting): buffered.
		if err := main.Emit("msg", "buffered"); err != nil {
			t.Fatal(err)
		}
		if n := recv(t, reconnects, "the reconnection"); n < 1 {
			t.Fatalf("reconnect after %d attempts", n)
		}
		recv(t, connects, "a reconnection")
		recv(t, connects, "a reconnection")
		if got := recv(t, got, "the buffered emit"); got != "/:buffered" {
			t.Fatalf("got %q", got)
		}
		if main.ID() == firstID || main.ID() == "" {
			t.Fatalf("id %q after reconnecting (was %q)", main.ID(), firstID)
		}
		if err := chat.Emit("msg", "after"); err != nil {
			t.Fatal(err)
		}
		if got := recv(t, got, "an emit after reconnecting"); got != "/chat:after" {
			t.Fatalf("got %q", got)
		}
	})
}

// Acks awaited when the connection is lost fail with ErrDisconnected; an
// ack whose emit is still buffered waits for the next connection.
func TestAcksOnDisconnection(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		conns := make(chan *socketio.Socket, 4)
		received := make(chan struct{}, 8)
		srv := newServer(t, nil, func(srv *socketio.Server) {
			srv.OnConnection(func(s *socketio.Socket) {
				s.On("never", func(codec.Args, socketio.AckFunc) { received <- struct{}{} }) // never answers
				s.On("answer", func(v string, ack socketio.AckFunc) { _ = ack(v) })
				conns <- s
			})
		})
		m, up := newManager(t, srv.url, md, fastReconnect)
		closes := make(chan string, 4)
		m.OnClose(func(r string, _ error) { closes <- r })
		s := m.Socket("/", nil)
		connect(t, s, md, up)
		recv(t, conns, "the server socket")
		results := make(chan error, 2)
		go func() {
			_, err := s.EmitWithAck(ctxWait(t), "never")
			results <- err
		}()
		callbacks := make(chan error, 1)
		_ = s.Emit("never", func(err error) { callbacks <- err })
		dropped := make(chan struct{}, 1)
		_ = s.Emit("never", func() { dropped <- struct{}{} }) // no error parameter: dropped
		// The server has them all: cut.
		for range 3 {
			recv(t, received, "an event on the server")
		}
		cut(t, srv, closes)
		if err := recv(t, callbacks, "the callback's failure"); !errors.Is(err, client.ErrDisconnected) {
			t.Fatalf("callback got %v", err)
		}
		if err := recv(t, results, "EmitWithAck's failure"); !errors.Is(err, client.ErrDisconnected) {
			t.Fatalf("EmitWithAck: %v", err)
		}
		none(t, dropped, "a call of a callback without an error parameter")
		// Buffered while disconnected: answered once reconnected.
		if err := s.WaitConnected(ctxWait(t)); err != nil {
			t.Fatal(err)
		}
		args, err := s.EmitWithAck(ctxWait(t), "answer", "ok")
		if err != nil {
			t.Fatal(err)
		}
		var v string
		if err := args.Decode(0, &v); err != nil || v != "ok" {
			t.Fatalf("answer %q %v", v, err)
		}
	})
}

// cut closes the server side of every connection until the client
// notices (a reason on closes, which it returns). On polling, a
// connection cut between two polls goes unnoticed — the next poll opens a
// new one, as any HTTP client does — hence the repetition.
func cut(t *testing.T, srv *testServer, closes <-chan string) string {
	t.Helper()
	deadline := time.After(wait)
	for {
		srv.ln.kill()
		select {
		case r := <-closes:
			return r
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatal("the client never noticed the cut")
		}
	}
}
