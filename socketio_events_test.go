package socketio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

type upload struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
}

func TestTypedHandler(t *testing.T) {
	type call struct {
		s    string
		n    int
		up   upload
		b    []byte
		m    map[string]any
		p    *int
		rest int
	}
	calls := make(chan call, 4)
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.On("typed", func(str string, n int, up upload, b []byte, m map[string]any, p *int, rest codec.Args, ack socketio.AckFunc) {
				calls <- call{str, n, up, b, m, p, rest.Len()}
				if ack != nil {
					_ = ack(fmt.Sprintf("%s/%d/%s/%d", str, n, up.Name, len(up.Data)+len(b)))
				}
			})
			s.On("fails", func() error { return errors.New("handler failed") })
		})
	})
	c, _ := e.connect("/")

	send(t, c, `52-4["typed","s",2,{"name":"f","data":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1},{"k":[1]},5,"x","y"]`,
		[]byte{1, 2, 3}, []byte{4})
	expect(t, c, `34["s/2/f/4"]`)
	got := recvChan(t, calls, "typed call")
	if got.s != "s" || got.n != 2 || got.up.Name != "f" || string(got.up.Data) != "\x01\x02\x03" || string(got.b) != "\x04" ||
		fmt.Sprint(got.m) != "map[k:[1]]" || got.p == nil || *got.p != 5 || got.rest != 2 {
		t.Fatalf("decoded %+v", got)
	}

	// Missing arguments are zero values; no ack id means a nil AckFunc.
	send(t, c, `2["typed","only"]`)
	got = recvChan(t, calls, "typed call")
	if got.s != "only" || got.n != 0 || got.up.Data != nil || got.b != nil || got.m != nil || got.p != nil || got.rest != 0 {
		t.Fatalf("decoded %+v", got)
	}
	expectNothing(t, c)

	// An error returned by a handler reaches the ErrorHandler.
	send(t, c, `2["fails"]`)
	if err := e.nextErr(); err == nil || err.Error() != "handler failed" {
		t.Fatalf("reported %v", err)
	}
	// An event without a handler is ignored, even with an ack id.
	send(t, c, `23["nobody"]`)
	expectNothing(t, c)
}

func TestArgumentMismatch(t *testing.T) {
	sockErrs := make(chan error, 4)
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.On("num", func(n int, ack socketio.AckFunc) { _ = ack(n * 2) })
		})
		s.Of("/own").OnConnection(func(s *socketio.Socket) {
			s.On("num", func(n int) {})
			s.OnError(func(err error) { sockErrs <- err })
		})
	})
	c, _ := e.connect("/")

	send(t, c, `21["num","not a number"]`)
	p := recv(t, c)
	args, err := p.Args()
	if p.Type != siotest.Ack || p.ID != 1 || err != nil || len(args) != 1 {
		t.Fatalf("got %q, want an ack with one argument", p)
	}
	var msg map[string]string
	if err := json.Unmarshal(args[0], &msg); err != nil || len(msg) != 1 || !containsAll(msg["message"], `"num"`, "argument 0") {
		t.Fatalf("ack argument %s, want {\"message\": ...}", args[0])
	}
	ae, ok := errAs[*socketio.ArgumentError](e.nextErr())
	if !ok || ae.Event != "num" || ae.Index != 0 || ae.Error() != msg["message"] {
		t.Fatalf("ErrorHandler got %v, want the *ArgumentError sent in the ack", ae)
	}

	// Without an ack id the client hears nothing; the error is still reported.
	send(t, c, `2["num",{}]`)
	expectNothing(t, c)
	if _, ok := errAs[*socketio.ArgumentError](e.nextErr()); !ok {
		t.Fatal("no ArgumentError reported")
	}
	// The socket still works.
	send(t, c, `22["num",21]`)
	expect(t, c, `32[42]`)

	// A socket's OnError listeners take its errors instead of the server.
	mustConnect(t, c, "/own", "")
	send(t, c, `2/own,["num",true]`)
	if _, ok := errAs[*socketio.ArgumentError](recvChan(t, sockErrs, "socket error")); !ok {
		t.Fatal("OnError did not get the ArgumentError")
	}
	e.noErr()
}

func TestHandlerPanicRecovered(t *testing.T) {
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.On("boom", func(string) { panic("kaboom") })
			s.On("ping", func(ack socketio.AckFunc) { _ = ack("pong") })
		})
		s.Of("/badconn").OnConnection(func(s *socketio.Socket) { panic("in connection handler") })
		s.Of("/badconn").OnConnection(func(s *socketio.Socket) {
			s.On("ping", func(ack socketio.AckFunc) { _ = ack("pong") })
		})
	})
	c, _ := e.connect("/")
	for i := 0; i < 3; i++ {
		send(t, c, `21["boom","x"]`)
		pe, ok := errAs[*socketio.PanicError](e.nextErr())
		if !ok || pe.Event != "boom" || pe.Value != "kaboom" {
			t.Fatalf("reported %v, want a *PanicError", pe)
		}
		send(t, c, fmt.Sprintf(`2%d["ping"]`, i+10))
		expect(t, c, fmt.Sprintf(`3%d["pong"]`, i+10))
	}
	// A panicking connection handler does not stop the others.
	mustConnect(t, c, "/badconn", "")
	if pe, ok := errAs[*socketio.PanicError](e.nextErr()); !ok || pe.Event != "connection" {
		t.Fatalf("reported %v", pe)
	}
	send(t, c, `2/badconn,1["ping"]`)
	expect(t, c, `3/badconn,1["pong"]`)
}

func TestAckAtMostOnce(t *testing.T) {
	results := make(chan [2]error, 1)
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.On("twice", func(ack socketio.AckFunc) {
				first := ack("one")
				second := ack("two")
				results <- [2]error{first, second}
			})
			s.On("variadic", func(n int, ack func(...any)) {
				ack(n)
				ack(n + 1)
			})
			s.On("next", func(ack socketio.AckFunc) { _ = ack("next") })
		})
	})
	c, _ := e.connect("/")
	send(t, c, `21["twice"]`)
	expect(t, c, `31["one"]`)
	r := recvChan(t, results, "ack results")
	if r[0] != nil || !errors.Is(r[1], socketio.ErrAckAlreadySent) {
		t.Fatalf("ack results %v, want nil then ErrAckAlreadySent", r)
	}
	send(t, c, `22["variadic",5]`)
	expect(t, c, `32[5]`)
	// Nothing else was sent: the next packet answers the next event.
	send(t, c, `23["next"]`)
	expect(t, c, `33["next"]`)
}

// connectOne starts a server whose main namespace hands its sockets to
// the test, and connects one WebSocket client.
func connectOne(t *testing.T, opts *socketio.Options, setup func(*socketio.Server)) (*testEnv, *siotest.Client, *socketio.Socket) {
	t.Helper()
	var socks <-chan *socketio.Socket
	e := newEnv(t, opts, func(s *socketio.Server) {
		socks = sockets(s.Sockets())
		if setup != nil {
			setup(s)
		}
	})
	c, _ := e.connect("/")
	return e, c, recvChan(t, socks, "socket")
}

func TestServerEmitWithAck(t *testing.T) {
	_, c, sock := connectOne(t, nil, nil)
	type res struct {
		args codec.Args
		err  error
	}
	done := make(chan res, 1)
	go func() {
		a, err := sock.EmitWithAck(context.Background(), "question", 1, "two", []byte{3})
		done <- res{a, err}
	}()
	p := recv(t, c)
	name, args, err := p.Event()
	if err != nil || p.Type != siotest.BinaryEvent || p.ID < 0 || name != "question" || len(args) != 3 || len(p.Attachments) != 1 {
		t.Fatalf("got %q, want a binary event with an ack id", p)
	}
	send(t, c, fmt.Sprintf(`61-%d["answer",{"_placeholder":true,"num":0}]`, p.ID), []byte{9, 9})
	r := recvChan(t, done, "EmitWithAck")
	if r.err != nil || r.args.Len() != 2 {
		t.Fatalf("EmitWithAck = %v, %v", r.args, r.err)
	}
	var s string
	var b []byte
	if r.args.Decode(0, &s) != nil || r.args.Decode(1, &b) != nil || s != "answer" || string(b) != "\x09\x09" {
		t.Fatalf("answer %q %v", s, b)
	}

	// A handler may wait for its own client's ack.
	sock.On("ask-me", func(ack socketio.AckFunc) {
		a, err := sock.EmitWithAck(context.Background(), "inner")
		var v string
		if err == nil {
			err = a.Decode(0, &v)
		}
		_ = ack(v, fmt.Sprint(err))
	})
	send(t, c, `27["ask-me"]`)
	p = recv(t, c)
	if name, _, _ := p.Event(); name != "inner" || p.ID < 0 {
		t.Fatalf("got %q", p)
	}
	send(t, c, fmt.Sprintf(`3%d["from client"]`, p.ID))
	expect(t, c, `37["from client","<nil>"]`)
}

func TestServerEmitWithAckTimeoutAndDisconnect(t *testing.T) {
	_, c, sock := connectOne(t, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := sock.EmitWithAck(ctx, "q")
	if !errors.Is(err, socketio.ErrAckTimeout) {
		t.Fatalf("err = %v, want ErrAckTimeout", err)
	}
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Fatalf("timed out after %v", d)
	}
	p := recv(t, c)
	// A late ack is ignored.
	send(t, c, fmt.Sprintf(`3%d["late"]`, p.ID))

	// The SocketEmitter bounds EmitWithAck with its timeout.
	_, err = sock.Timeout(50*time.Millisecond).EmitWithAck(context.Background(), "q2")
	if !errors.Is(err, socketio.ErrAckTimeout) {
		t.Fatalf("Timeout(...).EmitWithAck err = %v", err)
	}
	recv(t, c)

	// A disconnection ends the wait with ErrDisconnected.
	errc := make(chan error, 1)
	go func() {
		_, err := sock.EmitWithAck(context.Background(), "q3")
		errc <- err
	}()
	recv(t, c)
	send(t, c, `1`)
	if err := recvChan(t, errc, "EmitWithAck"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Fatalf("err = %v, want ErrDisconnected", err)
	}
	// Emitting to a disconnected socket fails.
	if err := sock.Emit("x"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Fatalf("Emit after disconnect = %v", err)
	}
	if _, err := sock.EmitWithAck(context.Background(), "x"); !errors.Is(err, socketio.ErrDisconnected) {
		t.Fatalf("EmitWithAck after disconnect = %v", err)
	}
	if err := sock.Emit("x", func(string) {}); !errors.Is(err, socketio.ErrDisconnected) {
		t.Fatalf("Emit with callback after disconnect = %v", err)
	}
}

func TestEmitAckCallback(t *testing.T) {
	_, c, sock := connectOne(t, nil, nil)
	got := make(chan string, 4)
	errs := make(chan error, 4)

	// A typed callback gets the client's answer.
	if err := sock.Emit("q", "x", func(s string, n int) { got <- fmt.Sprintf("%s %d", s, n) }); err != nil {
		t.Fatal(err)
	}
	p := recv(t, c)
	if name, args, _ := p.Event(); name != "q" || len(args) != 1 || p.ID < 0 {
		t.Fatalf("got %q: the callback must not be sent", p)
	}
	send(t, c, fmt.Sprintf(`3%d["a",1]`, p.ID))
	if s := recvChan(t, got, "callback"); s != "a 1" {
		t.Fatalf("callback got %q", s)
	}

	// With Timeout the first parameter is an error: nil in time...
	if err := sock.Timeout(time.Second).Emit("q", func(err error, s string) { errs <- err; got <- s }); err != nil {
		t.Fatal(err)
	}
	p = recv(t, c)
	send(t, c, fmt.Sprintf(`3%d["in time"]`, p.ID))
	if err := recvChan(t, errs, "callback"); err != nil {
		t.Fatalf("callback error %v", err)
	}
	if s := recvChan(t, got, "callback"); s != "in time" {
		t.Fatalf("callback got %q", s)
	}

	// ...and ErrAckTimeout when the client does not answer.
	start := time.Now()
	if err := sock.Timeout(80*time.Millisecond).Emit("q", func(err error, s string) { errs <- err; got <- s }); err != nil {
		t.Fatal(err)
	}
	recv(t, c)
	if err := recvChan(t, errs, "timeout callback"); !errors.Is(err, socketio.ErrAckTimeout) {
		t.Fatalf("callback error %v, want ErrAckTimeout", err)
	}
	if s := recvChan(t, got, "timeout callback"); s != "" {
		t.Fatalf("timed-out callback got %q", s)
	}
	if d := time.Since(start); d < 70*time.Millisecond {
		t.Fatalf("timed out after %v", d)
	}

	// A callback that is not a valid handler is refused.
	if err := sock.Emit("q", func() int { return 0 }); err == nil {
		t.Fatal("Emit with a func returning int: no error")
	}
}

func TestReservedEvents(t *testing.T) {
	_, _, sock := connectOne(t, nil, nil)
	srv := sock.Namespace().Server()
	for _, name := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		emits := map[string]error{
			"Socket.Emit":         sock.Emit(name, 1),
			"Socket.Send":         nil,
			"SocketEmitter.Emit":  sock.Timeout(time.Second).Emit(name),
			"Server.Emit":         srv.Emit(name),
			"Namespace.Emit":      sock.Namespace().Emit(name),
			"To.Emit":             srv.To("r").Emit(name),
			"Socket.To.Emit":      sock.To("r").Emit(name),
			"Broadcast.Emit":      sock.Broadcast().Emit(name),
			"Emit with callback":  srv.Emit(name, func(error, []codec.Args) {}),
			"Volatile.Emit":       srv.Volatile().Emit(name),
			"RemoteSocket.Emit":   nil,
			"ServerSideEmit":      nil,
			"Namespace.Send":      nil,
			"Local.Except.Emit":   srv.Local().Except("x").Emit(name),
			"Compress(true).Emit": sock.Namespace().Compress(true).Emit(name),
		}
		_, emits["Socket.EmitWithAck"] = sock.EmitWithAck(t.Context(), name)
		_, emits["Namespace.EmitWithAck"] = sock.Namespace().EmitWithAck(t.Context(), name)
		for what, err := range emits {
			if err == nil && (what == "Socket.Send" || what == "RemoteSocket.Emit" || what == "ServerSideEmit" || what == "Namespace.Send") {
				continue
			}
			if !errors.Is(err, socketio.ErrReservedEvent) {
				t.Errorf("%s(%q) = %v, want ErrReservedEvent", what, name, err)
			}
		}
	}
	if !sock.Connected() {
		t.Fatal("the socket was disconnected")
	}
}

func TestOnAnyAndOutgoing(t *testing.T) {
	type ev struct {
		name string
		n    int
	}
	in := make(chan ev, 8)
	out := make(chan ev, 8)
	_, c, sock := connectOne(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.OnAny(func(name string, args codec.Args) { in <- ev{name, args.Len()} })
			s.OnAnyOutgoing(func(name string, args []any) { out <- ev{name, len(args)} })
			s.On("known", func() {})
		})
	})
	send(t, c, `2["known",1,2]`)
	send(t, c, `2["unknown"]`)
	if got := recvChan(t, in, "OnAny"); got != (ev{"known", 2}) {
		t.Fatalf("OnAny got %v", got)
	}
	if got := recvChan(t, in, "OnAny"); got != (ev{"unknown", 0}) {
		t.Fatalf("OnAny got %v", got)
	}
	if err := sock.Emit("direct", 1, 2, 3); err != nil {
		t.Fatal(err)
	}
	if err := sock.Namespace().Emit("broadcast", 1); err != nil {
		t.Fatal(err)
	}
	if got := recvChan(t, out, "OnAnyOutgoing"); got != (ev{"direct", 3}) {
		t.Fatalf("OnAnyOutgoing got %v", got)
	}
	if got := recvChan(t, out, "OnAnyOutgoing"); got != (ev{"broadcast", 1}) {
		t.Fatalf("OnAnyOutgoing got %v", got)
	}
	expect(t, c, `2["direct",1,2,3]`)
	expect(t, c, `2["broadcast",1]`)
}

func TestSocketMiddleware(t *testing.T) {
	handled := make(chan string, 8)
	sockErrs := make(chan error, 8)
	var mu sync.Mutex
	var order []string
	e, c, _ := connectOne(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.Use(func(event string, args codec.Args) error {
				mu.Lock()
				order = append(order, "mw1:"+event)
				mu.Unlock()
				if strings.HasPrefix(event, "blocked") {
					return fmt.Errorf("event %s refused", event)
				}
				return nil
			})
			s.Use(func(event string, args codec.Args) error {
				mu.Lock()
				order = append(order, "mw2:"+event)
				mu.Unlock()
				if event == "panics" {
					panic("middleware panic")
				}
				return nil
			})
			s.OnError(func(err error) { sockErrs <- err })
			for _, ev := range []string{"blocked", "allowed", "panics"} {
				s.On(ev, func(ack socketio.AckFunc) {
					handled <- ev
					if ack != nil {
						_ = ack("ok")
					}
				})
			}
			s.On("off", func() { handled <- "off" })
			s.Off("off")
		})
	})
	send(t, c, `21["blocked"]`)
	if err := recvChan(t, sockErrs, "middleware error"); err.Error() != "event blocked refused" {
		t.Fatalf("OnError got %v", err)
	}
	send(t, c, `2["off"]`)
	send(t, c, `22["allowed"]`)
	expect(t, c, `32["ok"]`) // not 31: the blocked event got no ack
	if h := recvChan(t, handled, "handler"); h != "allowed" {
		t.Fatalf("handled %q first", h)
	}
	// A panicking middleware is recovered and reported, and fails closed:
	// the event is dropped, as a panicking namespace middleware refuses
	// the connection.
	send(t, c, `23["panics"]`)
	if pe, ok := errAs[*socketio.PanicError](e.nextErr()); !ok || pe.Value != "middleware panic" {
		t.Fatalf("reported %v, want the middleware's *PanicError", pe)
	}
	send(t, c, `24["allowed"]`)
	expect(t, c, `34["ok"]`) // not 33: the event whose middleware panicked got no ack
	if h := recvChan(t, handled, "handler"); h != "allowed" {
		t.Fatalf("handled %q", h)
	}
	mu.Lock()
	defer mu.Unlock()
	want := "mw1:blocked mw1:off mw2:off mw1:allowed mw2:allowed mw1:panics mw2:panics mw1:allowed mw2:allowed"
	if got := strings.Join(order, " "); got != want {
		t.Fatalf("middleware order %q, want %q", got, want)
	}
}

func TestSocketOnRegistrationPanics(t *testing.T) {
	_, _, sock := connectOne(t, nil, nil)
	for _, tt := range []struct {
		event string
		fn    any
	}{
		{"disconnect", func() {}},
		{"disconnecting", func(int) {}},
		{"x", 42},
		{"x", func(chan int) {}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("On(%q, %T) did not panic", tt.event, tt.fn)
				}
			}()
			sock.On(tt.event, tt.fn)
		}()
	}
	// On("disconnect"/"disconnecting", func(string)) are OnDisconnect(ing).
	sock.On("disconnect", func(string) {})
	sock.On("disconnecting", func(string) {})
}

// TestPollingEvents runs an event exchange, binary included, over the
// polling transport only.
func TestPollingEvents(t *testing.T) {
	var socks <-chan *socketio.Socket
	e := newEnv(t, &socketio.Options{}, func(s *socketio.Server) {
		socks = sockets(s.Sockets())
		echoHandlers(s.Sockets())
	})
	c := e.dial(eiotest.ModePolling)
	mustConnect(t, c, "/", `{"via":"polling"}`)
	sock := recvChan(t, socks, "socket")
	if sock.Session().Transport() != "polling" || sock.Handshake().Auth["via"] != "polling" {
		t.Fatalf("transport %s", sock.Session().Transport())
	}
	send(t, c, `51-3["ack",{"_placeholder":true,"num":0}]`, []byte("bin"))
	p := expect(t, c, `61-3[{"_placeholder":true,"num":0}]`)
	if string(p.Attachments[0]) != "bin" {
		t.Fatalf("attachment %q", p.Attachments[0])
	}
	// Many packets queued at once arrive in order.
	for i := 0; i < 20; i++ {
		if err := sock.Emit("n", i); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 20; i++ {
		expect(t, c, fmt.Sprintf(`2["n",%d]`, i))
	}
	rs := make(chan string, 1)
	sock.OnDisconnect(func(r string) { rs <- r })
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if r := recvChan(t, rs, "reason"); r != socketio.ReasonTransportClose {
		t.Fatalf("reason %q", r)
	}
}
