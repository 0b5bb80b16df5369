package client_test

import (
	"bytes"
	"errors"
	"strconv"
	"testing"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
	"github.com/gosio/socketio/codec"
)

// echoServer answers "echo" on the ack (or with an "echo" event without
// one), in every namespace it is given.
func echoServer(t *testing.T, nsps ...string) *testServer {
	return newServer(t, nil, func(srv *socketio.Server) {
		for _, nsp := range append([]string{"/"}, nsps...) {
			srv.Of(nsp).OnConnection(func(s *socketio.Socket) {
				s.On("echo", func(args codec.Args, ack socketio.AckFunc) {
					vals := make([]any, args.Len())
					for i := range vals {
						_ = args.Decode(i, &vals[i])
					}
					if ack != nil {
						_ = ack(vals...)
						return
					}
					_ = s.Emit("echo", vals...)
				})
			})
		}
	})
}

func TestEmitAndEvents(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		srv := echoServer(t)
		type msg struct {
			s string
			n int
		}
		got := make(chan msg, 4)
		s := dial(t, srv.url, md, "/", nil, nil, func(s *client.Socket) {
			s.On("echo", func(s string, n int) { got <- msg{s, n} })
		})
		if err := s.Emit("echo", "hello", 42); err != nil {
			t.Fatal(err)
		}
		if m := recv(t, got, "the echo"); m != (msg{"hello", 42}) {
			t.Fatalf("got %+v", m)
		}
	})
}

func TestEmitWithAck(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		srv := echoServer(t)
		s := dial(t, srv.url, md, "/", nil, nil, nil)
		args, err := s.EmitWithAck(ctxWait(t), "echo", "a", map[string]int{"b": 2})
		if err != nil {
			t.Fatal(err)
		}
		var a string
		var b map[string]int
		if err := args.Decode(0, &a); err != nil || a != "a" {
			t.Fatalf("arg 0: %q %v", a, err)
		}
		if err := args.Decode(1, &b); err != nil || b["b"] != 2 {
			t.Fatalf("arg 1: %v %v", b, err)
		}
		// The callback form.
		answers := make(chan string, 1)
		if err := s.Emit("echo", "cb", func(v string) { answers <- v }); err != nil {
			t.Fatal(err)
		}
		if v := recv(t, answers, "the ack callback"); v != "cb" {
			t.Fatalf("callback got %q", v)
		}
	})
}

// The server asks the client for an ack; the client answers through the
// AckFunc of its handler, and the server's EmitWithAck gets it.
func TestServerAck(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		conns := make(chan *socketio.Socket, 1)
		srv := newServer(t, nil, func(srv *socketio.Server) {
			srv.OnConnection(func(s *socketio.Socket) { conns <- s })
		})
		s := dial(t, srv.url, md, "/", nil, nil, func(s *client.Socket) {
			s.On("question", func(q string, ack client.AckFunc) {
				if ack == nil {
					t.Error("no ack func")
					return
				}
				if err := ack("answer to " + q); err != nil {
					t.Error(err)
				}
				if err := ack("again"); !errors.Is(err, client.ErrAckAlreadySent) {
					t.Errorf("second ack: %v", err)
				}
			})
		})
		ss := recv(t, conns, "the server socket")
		if ss.ID() != s.ID() {
			t.Fatalf("ids %q and %q", ss.ID(), s.ID())
		}
		args, err := ss.EmitWithAck(ctxWait(t), "question", "life")
		if err != nil {
			t.Fatal(err)
		}
		var v string
		if err := args.Decode(0, &v); err != nil || v != "answer to life" {
			t.Fatalf("server got %q %v", v, err)
		}
	})
}

func TestBinary(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		conns := make(chan *socketio.Socket, 1)
		fromClient := make(chan []byte, 1)
		srv := newServer(t, nil, func(srv *socketio.Server) {
			srv.OnConnection(func(s *socketio.Socket) {
				s.On("upload", func(name string, data []byte, ack socketio.AckFunc) {
					fromClient <- data
					_ = ack(map[string]any{"name": name, "back": data}, []byte{9, 8, 7})
				})
				conns <- s
			})
		})
		type obj struct {
			Bin  []byte `json:"bin"`
			Text string `json:"text"`
		}
		fromServer := make(chan obj, 1)
		s := dial(t, srv.url, md, "/", nil, nil, func(s *client.Socket) {
			s.On("download", func(o obj) { fromServer <- o })
		})
		payload := []byte{0, 1, 2, 255, 254}
		args, err := s.EmitWithAck(ctxWait(t), "upload", "f.bin", payload)
		if err != nil {
			t.Fatal(err)
		}
		if got := recv(t, fromClient, "the upload"); !bytes.Equal(got, payload) {
			t.Fatalf("server got %v", got)
		}
		var first struct {
			Name string `json:"name"`
			Back []byte `json:"back"`
		}
		var second []byte
		if err := args.Decode(0, &first); err != nil || first.Name != "f.bin" || !bytes.Equal(first.Back, payload) {
			t.Fatalf("ack arg 0: %+v %v", first, err)
		}
		if err := args.Decode(1, &second); err != nil || !bytes.Equal(second, []byte{9, 8, 7}) {
			t.Fatalf("ack arg 1: %v %v", second, err)
		}
		ss := recv(t, conns, "the server socket")
		if err := ss.Emit("download", map[string]any{"bin": []byte{4, 2}, "text": "x"}); err != nil {
			t.Fatal(err)
		}
		if o := recv(t, fromServer, "the download"); !bytes.Equal(o.Bin, []byte{4, 2}) || o.Text != "x" {
			t.Fatalf("client got %+v", o)
		}
	})
}

func TestNamespaces(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		srv := echoServer(t, "/chat", "/news")
		m, up := newManager(t, srv.url, md, nil)
		got := make(chan string, 8)
		var socks []*client.Socket
		for _, nsp := range []string{"/", "/chat", "news"} {
			s := m.Socket(nsp, nil)
			s.On("echo", func(v string) { got <- s.Namespace() + ":" + v })
			socks = append(socks, s)
		}
		if m.Socket("/news", nil) != socks[2] {
			t.Fatal("Socket did not return the existing socket")
		}
		for i, s := range socks {
			if i == 0 {
				connect(t, s, md, up)
				continue
			}
			connect(t, s, mode{}, nil)
		}
		for _, s := range socks {
			if err := s.Emit("echo", "hi"); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[string]bool{}
		for range socks {
			seen[recv(t, got, "an echo")] = true
		}
		for _, want := range []string{"/:hi", "/chat:hi", "/news:hi"} {
			if !seen[want] {
				t.Fatalf("missing %q in %v", want, seen)
			}
		}
		// One namespace leaves; the others stay on the same connection.
		socks[1].Disconnect()
		if err := socks[2].Emit("echo", "still"); err != nil {
			t.Fatal(err)
		}
		if v := recv(t, got, "an echo"); v != "/news:still" {
			t.Fatalf("got %q", v)
		}
		if m.Transport() == "" {
			t.Fatal("the manager closed with sockets still active")
		}
	})
}

func TestUnknownNamespace(t *testing.T) {
	srv := echoServer(t)
	m, _ := newManager(t, srv.url, modes[1], nil)
	s := m.Socket("/nowhere", nil)
	errs := make(chan error, 1)
	s.OnConnectError(func(err error) { errs <- err })
	s.Connect()
	var ce *client.ConnectError
	if err := recv(t, errs, "connect_error"); !errors.As(err, &ce) || ce.Message != "Invalid namespace" {
		t.Fatalf("connect_error %v", err)
	}
	if err := s.WaitConnected(ctxWait(t)); !errors.As(err, &ce) {
		t.Fatalf("WaitConnected: %v", err)
	}
	if s.Active() {
		t.Fatal("a refused socket stays active")
	}
}

func TestReservedAndBadHandlers(t *testing.T) {
	srv := echoServer(t)
	s := dial(t, srv.url, modes[1], "/", nil, nil, nil)
	if err := s.Emit("connect"); !errors.Is(err, client.ErrReservedEvent) {
		t.Fatalf("emit connect: %v", err)
	}
	if err := s.Emit("x", func(int, string) int { return 0 }); err == nil {
		t.Fatal("a callback returning int was accepted")
	}
	for _, fn := range []any{nil, 42, func(...any) {}, func(codec.Args, string) {}, func() int { return 0 }, func(chan int) {}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("On accepted %T", fn)
				}
			}()
			s.On("x", fn)
		}()
	}
	for event, fn := range map[string]any{"disconnect": func() {}, "disconnecting": func(string) {}, "newListener": func() {}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("On accepted %q with %T", event, fn)
				}
			}()
			s.On(event, fn)
		}()
	}
	// The lifecycle events have their own methods, which On forwards to.
	s.On("connect", func() {})
	s.On("connect_error", func(error) {})
	s.On("disconnect", func(string) {})
}

// A payload that does not fit the handler reaches OnError, and the server's
// ack gets the error message.
func TestArgumentError(t *testing.T) {
	conns := make(chan *socketio.Socket, 1)
	srv := newServer(t, nil, func(srv *socketio.Server) {
		srv.OnConnection(func(s *socketio.Socket) { conns <- s })
	})
	errs := make(chan error, 2)
	called := make(chan int, 1)
	dial(t, srv.url, modes[1], "/", nil, nil, func(s *client.Socket) {
		s.On("num", func(n int, _ client.AckFunc) { called <- n })
		s.On("boom", func() { panic("kaboom") })
		s.OnError(func(err error) { errs <- err })
	})
	ss := recv(t, conns, "the server socket")
	args, err := ss.Timeout(wait).EmitWithAck(ctxWait(t), "num", "not a number")
	if err != nil {
		t.Fatal(err)
	}
	var answer struct{ Message string }
	if err := args.Decode(0, &answer); err != nil || answer.Message == "" {
		t.Fatalf("ack %+v %v", answer, err)
	}
	var ae *client.ArgumentError
	if err := recv(t, errs, "the argument error"); !errors.As(err, &ae) || ae.Event != "num" || ae.Index != 0 {
		t.Fatalf("OnError got %v", err)
	}
	_ = ss.Emit("boom")
	var pe *client.PanicError
	if err := recv(t, errs, "the panic"); !errors.As(err, &pe) || pe.Value != "kaboom" {
		t.Fatalf("OnError got %v", err)
	}
	none(t, called, "handler call")
}

// Events are handled in the order they were sent, OnAny first.
func TestOrderAndOnAny(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		conns := make(chan *socketio.Socket, 1)
		srv := newServer(t, nil, func(srv *socketio.Server) {
			srv.OnConnection(func(s *socketio.Socket) { conns <- s })
		})
		seq := make(chan string, 200)
		dial(t, srv.url, md, "/", nil, nil, func(s *client.Socket) {
			s.OnAny(func(event string, args codec.Args) {
				var n int
				_ = args.Decode(0, &n)
				if n%50 == 0 {
					seq <- "any:" + event
				}
			})
			s.On("n", func(n int) {
				if n%50 == 0 {
					seq <- "on:" + strconv.Itoa(n)
				}
			})
		})
		ss := recv(t, conns, "the server socket")
		for i := 0; i < 100; i++ {
			if err := ss.Emit("n", i); err != nil {
				t.Fatal(err)
			}
		}
		for _, want := range []string{"any:n", "on:0", "any:n", "on:50"} {
			if got := recv(t, seq, want); got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
		}
	})
}
