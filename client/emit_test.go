package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
	"github.com/gosio/socketio/codec"
)

// recordServer reports every "msg" event's argument, and answers "ack"
// events with their argument; "never" events are never answered.
func recordServer(t *testing.T, opts *socketio.Options) (*testServer, <-chan string) {
	got := make(chan string, 64)
	srv := newServer(t, opts, func(srv *socketio.Server) {
		srv.OnConnection(func(s *socketio.Socket) {
			s.On("msg", func(v string) { got <- v })
			s.On("ack", func(v string, ack socketio.AckFunc) { _ = ack(v) })
			s.On("never", func(codec.Args, socketio.AckFunc) {})
		})
	})
	return srv, got
}

// Emits made before Connect wait in the offline buffer and are sent, in
// order, once connected; acks of buffered emits are answered then.
func TestOfflineBuffer(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		srv, got := recordServer(t, nil)
		m, up := newManager(t, srv.url, md, nil)
		s := m.Socket("/", nil)
		for _, v := range []string{"one", "two"} {
			if err := s.Emit("msg", v); err != nil {
				t.Fatal(err)
			}
		}
		answers := make(chan string, 1)
		if err := s.Emit("ack", "three", func(v string) { answers <- v }); err != nil {
			t.Fatal(err)
		}
		none(t, got, "an event before Connect")
		connect(t, s, md, up)
		for _, want := range []string{"one", "two"} {
			if v := recv(t, got, want); v != want {
				t.Fatalf("got %q, want %q", v, want)
			}
		}
		if v := recv(t, answers, "the buffered emit's ack"); v != "three" {
			t.Fatalf("ack %q", v)
		}
	})
}

func TestOfflineBufferLimits(t *testing.T) {
	srv, _ := recordServer(t, nil)
	m, _ := newManager(t, srv.url, modes[1], nil)
	s := m.Socket("/", &client.SocketOptions{MaxBufferedEmits: 2})
	for i := range 2 {
		if err := s.Emit("msg", "x"); err != nil {
			t.Fatalf("emit %d: %v", i, err)
		}
	}
	if err := s.Emit("msg", "x"); !errors.Is(err, client.ErrSendBufferFull) {
		t.Fatalf("third emit: %v", err)
	}
	// The buffered ack gives up; its place is free again.
	if _, err := s.Timeout(time.Millisecond).EmitWithAck(ctxWait(t), "ack", "x"); !errors.Is(err, client.ErrSendBufferFull) {
		t.Fatalf("EmitWithAck on a full buffer: %v", err)
	}

	bytesLimited := m.Socket("/b", &client.SocketOptions{MaxBufferedBytes: 100})
	if err := bytesLimited.Emit("msg", strings.Repeat("x", 200)); !errors.Is(err, client.ErrSendBufferFull) {
		t.Fatalf("large emit: %v", err)
	}
	if err := bytesLimited.Emit("msg", "small"); err != nil {
		t.Fatalf("small emit: %v", err)
	}

	none := m.Socket("/none", &client.SocketOptions{MaxBufferedEmits: -1})
	if err := none.Emit("msg", "x"); !errors.Is(err, client.ErrSendBufferFull) {
		t.Fatalf("emit without a buffer: %v", err)
	}

	// A buffered emit whose ack times out leaves the buffer.
	timed := m.Socket("/timed", &client.SocketOptions{MaxBufferedEmits: 1})
	if _, err := timed.Timeout(10*time.Millisecond).EmitWithAck(ctxWait(t), "ack", "x"); !errors.Is(err, client.ErrAckTimeout) {
		t.Fatalf("buffered EmitWithAck: %v", err)
	}
	if err := timed.Emit("msg", "x"); err != nil {
		t.Fatalf("the timed-out emit stayed in the buffer: %v", err)
	}
}

func TestAckTimeoutAndContext(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		srv, _ := recordServer(t, nil)
		s := dial(t, srv.url, md, "/", nil, &client.SocketOptions{AckTimeout: 30 * time.Millisecond}, nil)

		// The socket's default timeout.
		if _, err := s.EmitWithAck(ctxWait(t), "never"); !errors.Is(err, client.ErrAckTimeout) {
			t.Fatalf("default timeout: %v", err)
		}
		// Timeout overrides it.
		start := time.Now()
		if _, err := s.Timeout(80*time.Millisecond).EmitWithAck(ctxWait(t), "never"); !errors.Is(err, client.ErrAckTimeout) {
			t.Fatalf("Timeout: %v", err)
		}
		if d := time.Since(start); d < 80*time.Millisecond {
			t.Fatalf("timed out after %v", d)
		}
		// A ctx deadline.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		_, err := s.Timeout(time.Hour).EmitWithAck(ctx, "never")
		if !errors.Is(err, client.ErrAckTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("ctx deadline: %v", err)
		}
		// A canceled ctx.
		ctx, cancel = context.WithCancel(context.Background())
		go cancel()
		if _, err := s.Timeout(time.Hour).EmitWithAck(ctx, "never"); !errors.Is(err, context.Canceled) {
			t.Fatalf("ctx canceled: %v", err)
		}
		// A callback with an error parameter learns of the timeout.
		errs := make(chan error, 1)
		if err := s.Emit("never", func(err error, _ string) { errs <- err }); err != nil {
			t.Fatal(err)
		}
		if err := recv(t, errs, "the callback's timeout"); !errors.Is(err, client.ErrAckTimeout) {
			t.Fatalf("callback: %v", err)
		}
		// An answered ack is not affected by the timeouts.
		args, err := s.Timeout(wait).EmitWithAck(ctxWait(t), "ack", "fine")
		if err != nil {
			t.Fatal(err)
		}
		var v string
		if err := args.Decode(0, &v); err != nil || v != "fine" {
			t.Fatalf("got %q %v", v, err)
		}
	})
}

// Volatile emits are dropped when the socket is not connected, sent when
// it is.
func TestVolatile(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		srv, got := recordServer(t, nil)
		m, up := newManager(t, srv.url, md, nil)
		s := m.Socket("/", nil)
		if err := s.Volatile().Emit("msg", "lost"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Volatile().EmitWithAck(ctxWait(t), "ack", "lost"); !errors.Is(err, client.ErrDropped) {
			t.Fatalf("volatile EmitWithAck while disconnected: %v", err)
		}
		errs := make(chan error, 1)
		_ = s.Volatile().Emit("ack", "lost", func(err error) { errs <- err })
		if err := recv(t, errs, "the dropped callback"); !errors.Is(err, client.ErrDropped) {
			t.Fatalf("callback: %v", err)
		}
		connect(t, s, md, up)
		// Connected, with the transport idle: sent. (The transport may be
		// busy for a moment, writing a pong or, on polling, waiting for
		// the answer to the CONNECT's POST: the emit is then dropped, so
		// it is tried again.)
		var args codec.Args
		var err error
		for deadline := time.Now().Add(wait); ; {
			args, err = s.Volatile().Timeout(wait).EmitWithAck(ctxWait(t), "ack", "kept")
			if !errors.Is(err, client.ErrDropped) || time.Now().After(deadline) {
				break
			}
			time.Sleep(time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		var v string
		_ = args.Decode(0, &v)
		if v != "kept" {
			t.Fatalf("ack %q", v)
		}
		if err := s.Emit("msg", "marker"); err != nil {
			t.Fatal(err)
		}
		if v := recv(t, got, "the marker"); v != "marker" {
			t.Fatalf("the server got %q first", v)
		}
	})
}

// A packet larger than the server's maxPayload is refused before it is
// sent (the server would close the connection).
func TestMaxPayload(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		srv, got := recordServer(t, nil)
		s := dial(t, srv.url, md, "/", nil, nil, nil)
		if err := s.Emit("msg", strings.Repeat("x", 1_000_001)); !errors.Is(err, client.ErrPayloadTooLarge) {
			t.Fatalf("emit: %v", err)
		}
		if err := s.Emit("msg", "small"); err != nil {
			t.Fatal(err)
		}
		if v := recv(t, got, "the small emit"); v != "small" {
			t.Fatalf("got %q", v)
		}
	})
}

// Many emits at once over polling are POSTed in batches, each within the
// server's maxPayload, in order.
func TestPollingBatchesWithinMaxPayload(t *testing.T) {
	f := newFakeServer(t, 25000, 20000, 200)
	f.holdPost = make(chan struct{})
	m, _ := newManager(t, f.ts.URL, modes[0], &client.Options{DisableReconnection: true})
	s := m.Socket("/", nil)
	s.Connect()
	f.holdPost <- struct{}{} // the CONNECT
	if err := s.WaitConnected(ctxWait(t)); err != nil {
		t.Fatal(err)
	}
	c := recv(t, f.conns, "the connection")
	if p := c.next(t, true); p != "40" {
		t.Fatalf("got %q", p)
	}
	<-f.posts
	const n = 20
	for i := range n {
		if err := s.Emit("msg", strings.Repeat("y", 30)+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	close(f.holdPost)
	for i := range n {
		want := `42["msg","` + strings.Repeat("y", 30) + string(rune('a'+i)) + `"]`
		if p := c.next(t, true); p != want {
			t.Fatalf("packet %d: %q, want %q", i, p, want)
		}
	}
	posts := 0
	for len(f.posts) > 0 {
		body := <-f.posts
		posts++
		if len(body) > 200 {
			t.Fatalf("a POST of %d bytes, over maxPayload", len(body))
		}
	}
	if posts < 4 {
		t.Fatalf("%d POSTs for %d packets of 41 bytes within 200", posts, n)
	}
	if err := s.Emit("msg", strings.Repeat("z", 300)); !errors.Is(err, client.ErrPayloadTooLarge) {
		t.Fatalf("emit over maxPayload: %v", err)
	}
}
