package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/siotest"
)

// Every ack ends: answered, timed out, or failed when its socket
// disconnects (issue 9, item 8).

// A broadcast with acks and no timeout completes when a recipient
// disconnects instead of answering: the answers received, and
// ErrDisconnected for the missing one.
func TestBroadcastAckRecipientDisconnects(t *testing.T) {
	socks := make(chan *socketio.Socket, 2)
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) { socks <- s })
	})
	a, _ := e.connect("/")
	b, _ := e.connect("/")
	recvChan(t, socks, "socket a")
	recvChan(t, socks, "socket b")

	type result struct {
		res []codec.Args
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := e.srv.Sockets().EmitWithAck(context.Background(), "q")
		done <- result{res, err}
	}()
	pa := recv(t, a)
	recv(t, b)
	send(t, a, fmt.Sprintf(`3%d["yes"]`, pa.ID))
	b.Stop() // b never answers: its connection ends

	r := recvChan(t, done, "the broadcast's end")
	if !errors.Is(r.err, socketio.ErrDisconnected) {
		t.Fatalf("err = %v, want ErrDisconnected", r.err)
	}
	if len(r.res) != 1 {
		t.Fatalf("got %d answers, want 1", len(r.res))
	}
	var s string
	if err := r.res[0].Decode(0, &s); err != nil || s != "yes" {
		t.Fatalf("answer = %q, %v", s, err)
	}
}

// A broadcast's ack callback without Timeout is bounded by AckTimeout.
func TestBroadcastAckCallbackDefaultTimeout(t *testing.T) {
	e := newEnv(t, &socketio.Options{AckTimeout: 200 * time.Millisecond}, nil)
	c, _ := e.connect("/")
	got := make(chan error, 1)
	if err := e.srv.Emit("q", func(err error, _ []codec.Args) { got <- err }); err != nil {
		t.Fatal(err)
	}
	recv(t, c) // received, never answered
	if err := recvChan(t, got, "the callback"); !errors.Is(err, socketio.ErrAckTimeout) {
		t.Fatalf("callback err = %v, want ErrAckTimeout", err)
	}
}

// A socket's ack callback without Timeout is bounded by AckTimeout: one
// with an error parameter is told, and the socket stops holding it.
func TestSocketAckCallbackDefaultTimeout(t *testing.T) {
	got := make(chan error, 1)
	e := newEnv(t, &socketio.Options{AckTimeout: 200 * time.Millisecond}, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			_ = s.Emit("q", func(err error, answer string) { got <- err })
		})
	})
	c, _ := e.connect("/")
	p := recv(t, c)
	if err := recvChan(t, got, "the callback"); !errors.Is(err, socketio.ErrAckTimeout) {
		t.Fatalf("callback err = %v, want ErrAckTimeout", err)
	}
	// A late answer is ignored: the callback runs once.
	send(t, c, fmt.Sprintf(`3%d["late"]`, p.ID))
	select {
	case err := <-got:
		t.Fatalf("callback ran again (%v)", err)
	case <-time.After(sioQuiet):
	}
}

// A socket's ack callback ends with ErrDisconnected when the client
// leaves without answering, whatever the timeout.
func TestSocketAckCallbackDisconnect(t *testing.T) {
	got := make(chan error, 1)
	e := newEnv(t, &socketio.Options{AckTimeout: -1}, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			_ = s.Emit("q", func(err error) { got <- err })
		})
	})
	c, _ := e.connect("/")
	recv(t, c)
	c.Stop()
	if err := recvChan(t, got, "the callback"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Fatalf("callback err = %v, want ErrDisconnected", err)
	}
}

// EmitWithAck ended by its ctx wraps both ErrAckTimeout and ctx's error.
func TestEmitWithAckWrapsContextError(t *testing.T) {
	socks := make(chan *socketio.Socket, 1)
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) { socks <- s })
	})
	c, _ := e.connect("/")
	s := recvChan(t, socks, "socket")
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := s.EmitWithAck(ctx, "q")
		errc <- err
	}()
	recv(t, c)
	cancel()
	err := recvChan(t, errc, "EmitWithAck")
	if !errors.Is(err, socketio.ErrAckTimeout) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrAckTimeout wrapping context.Canceled", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := e.srv.Timeout(time.Hour).EmitWithAck(ctx, "q"); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, socketio.ErrAckTimeout) {
		t.Fatalf("broadcast err = %v, want ErrAckTimeout wrapping context.DeadlineExceeded", err)
	}
}

// Acks answered at once while their timeout is being armed: the timer is
// set before the ack can be taken (run with -race).
func TestAckAnsweredWhileTimerArmed(t *testing.T) {
	got := make(chan string, 200)
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.On("go", func(n int) {
				for range n {
					_ = s.Timeout(time.Minute).Emit("q", func(err error, v string) {
						if err != nil {
							v = err.Error()
						}
						got <- v
					})
				}
			})
		})
	})
	c, _ := e.connect("/")
	const n = 100
	send(t, c, `2["go",100]`)
	for range n {
		p := recv(t, c)
		send(t, c, fmt.Sprintf(`3%d["ok"]`, p.ID))
	}
	for range n {
		if v := recvChan(t, got, "ack callback"); v != "ok" {
			t.Fatalf("callback got %q", v)
		}
	}
}

// Server.EmitWithAck is the main namespace's: every socket's answer.
func TestServerBroadcastEmitWithAck(t *testing.T) {
	e := newEnv(t, nil, nil)
	a, _ := e.connect("/")
	b, _ := e.connect("/")
	type result struct {
		res []codec.Args
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := e.srv.EmitWithAck(context.Background(), "q", 1)
		done <- result{res, err}
	}()
	for i, c := range []*siotest.Client{a, b} {
		p := recv(t, c)
		send(t, c, fmt.Sprintf(`3%d[%d]`, p.ID, i+10))
	}
	r := recvChan(t, done, "EmitWithAck")
	if r.err != nil || len(r.res) != 2 {
		t.Fatalf("EmitWithAck = %d answers, %v; want 2, nil", len(r.res), r.err)
	}
	sum := 0
	for _, args := range r.res {
		var n int
		if err := args.Decode(0, &n); err != nil {
			t.Fatal(err)
		}
		sum += n
	}
	if sum != 21 {
		t.Fatalf("answers sum to %d, want 10+11", sum)
	}
}
