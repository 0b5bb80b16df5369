package client_test

import (
	"errors"
	"strconv"
	"testing"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
)

// A slow handler with few pending events allowed: reading pauses, nothing
// is lost or reordered.
func TestBackPressure(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		const n = 200
		conns := make(chan *socketio.Socket, 1)
		srv := newServer(t, nil, func(srv *socketio.Server) {
			srv.OnConnection(func(s *socketio.Socket) { conns <- s })
		})
		release := make(chan struct{})
		got := make(chan int, n)
		dial(t, srv.url, md, "/", &client.Options{MaxPendingEvents: 4}, nil, func(s *client.Socket) {
			s.On("n", func(i int) {
				if i == 0 {
					<-release // the first event holds the handlers back
				}
				got <- i
			})
		})
		ss := recv(t, conns, "the server socket")
		for i := range n {
			if err := ss.Emit("n", i); err != nil {
				t.Fatal(err)
			}
		}
		close(release)
		for i := range n {
			if v := recv(t, got, "event "+strconv.Itoa(i)); v != i {
				t.Fatalf("got %d, want %d", v, i)
			}
		}
	})
}

// A handler waiting for an ack while the server sends more events than
// the pending limit: the ack is read anyway, up to four times the limit;
// past that, the connection is closed ("transport error") rather than
// wait forever or grow without bound.
func TestAckAwaitedInHandler(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		ok   bool
	}{{"within the hard limit", 8, true}, {"past it", 20, false}} {
		t.Run(tc.name, func(t *testing.T) {
			forModes(t, func(t *testing.T, md mode) { ackAwaitedInHandler(t, md, tc.n, tc.ok) })
		})
	}
}

func ackAwaitedInHandler(t *testing.T, md mode, n int, ok bool) {
	conns := make(chan *socketio.Socket, 1)
	srv := newServer(t, nil, func(srv *socketio.Server) {
		srv.OnConnection(func(s *socketio.Socket) {
			s.On("question", func(ack socketio.AckFunc) {
				// Events first, then the answer.
				for i := range n {
					_ = s.Emit("n", i)
				}
				_ = ack("answer")
			})
			conns <- s
		})
	})
	answers := make(chan error, 1)
	got := make(chan int, n)
	m, up := newManager(t, srv.url, md, &client.Options{MaxPendingEvents: 2, DisableReconnection: true})
	closes := make(chan string, 1)
	m.OnClose(func(r string, _ error) { closes <- r })
	s := m.Socket("/", nil)
	s.On("start", func() {
		args, err := s.EmitWithAck(ctxWait(t), "question")
		if err == nil {
			var a string
			if err = args.Decode(0, &a); err == nil && a != "answer" {
				err = errors.New("answer " + a)
			}
		}
		answers <- err
	})
	s.On("n", func(i int) { got <- i })
	connect(t, s, md, up)
	ss := recv(t, conns, "the server socket")
	_ = ss.Emit("start")
	err := recv(t, answers, "the answer")
	if !ok {
		if !errors.Is(err, client.ErrDisconnected) {
			t.Fatalf("EmitWithAck: %v", err)
		}
		if r := recv(t, closes, "the close"); r != client.ReasonTransportError {
			t.Fatalf("close %q", r)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if v := recv(t, got, "event "+strconv.Itoa(i)); v != i {
			t.Fatalf("got %d, want %d", v, i)
		}
	}
}
