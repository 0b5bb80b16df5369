package client_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gosio/socketio/client"
	"github.com/gosio/socketio/codec"
)

// Protocol details against the scripted server: what our server never
// sends.

// A malformed Socket.IO packet closes the connection with "parse error",
// and the Manager reconnects.
func TestParseError(t *testing.T) {
	for _, md := range modes[:2] {
		t.Run(md.name, func(t *testing.T) {
			f := newFakeServer(t, 25000, 20000, 1000)
			m, _ := newManager(t, f.ts.URL, md, fastReconnect)
			closes := make(chan string, 4)
			m.OnClose(func(r string, _ error) { closes <- r })
			s := m.Socket("/", nil)
			reasons := make(chan string, 4)
			s.OnDisconnect(func(r string) { reasons <- r })
			connect(t, s, md, nil)
			c := recv(t, f.conns, "the connection")
			c.send(t, `42{"not":"an array"}`)
			if r := recv(t, reasons, "the disconnection"); r != client.ReasonParseError {
				t.Fatalf("reason %q", r)
			}
			if r := recv(t, closes, "the close"); r != client.ReasonParseError {
				t.Fatalf("close %q", r)
			}
			recv(t, f.conns, "the reconnection")
			if err := s.WaitConnected(ctxWait(t)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A close packet from the server: "transport close".
func TestServerClosePacket(t *testing.T) {
	for _, md := range modes[:2] {
		t.Run(md.name, func(t *testing.T) {
			f := newFakeServer(t, 25000, 20000, 1000)
			m, _ := newManager(t, f.ts.URL, md, &client.Options{DisableReconnection: true})
			closes := make(chan string, 4)
			m.OnClose(func(r string, _ error) { closes <- r })
			connect(t, m.Socket("/", nil), md, nil)
			recv(t, f.conns, "the connection").send(t, "1")
			if r := recv(t, closes, "the close"); r != client.ReasonTransportClose {
				t.Fatalf("close %q", r)
			}
		})
	}
}

// A malformed Engine.IO packet: "transport error".
func TestBadEnginePacket(t *testing.T) {
	for _, md := range modes[:2] {
		t.Run(md.name, func(t *testing.T) {
			f := newFakeServer(t, 25000, 20000, 1000)
			m, _ := newManager(t, f.ts.URL, md, &client.Options{DisableReconnection: true})
			closes := make(chan string, 4)
			m.OnClose(func(r string, _ error) { closes <- r })
			connect(t, m.Socket("/", nil), md, nil)
			recv(t, f.conns, "the connection").send(t, "9what")
			if r := recv(t, closes, "the close"); r != client.ReasonTransportError {
				t.Fatalf("close %q", r)
			}
		})
	}
}

// CONNECT_ERROR payloads of older servers are plain strings.
func TestConnectErrorString(t *testing.T) {
	f := newFakeServer(t, 25000, 20000, 1000)
	f.autoConnect = false
	m, _ := newManager(t, f.ts.URL, modes[1], nil)
	s := m.Socket("/", nil)
	s.Connect()
	c := recv(t, f.conns, "the connection")
	if p := c.next(t, true); p != "40" {
		t.Fatalf("got %q", p)
	}
	c.send(t, `44"nope"`)
	var ce *client.ConnectError
	if err := s.WaitConnected(ctxWait(t)); !errors.As(err, &ce) || ce.Message != "nope" || ce.Data != nil {
		t.Fatalf("WaitConnected: %v", err)
	}
}

// Connection state recovery, step by step: the CONNECT carries pid and
// offset merged with the auth; events before the CONNECT reply are held
// and handled first; offsets are removed only once a pid is known, and
// never from events expecting an ack.
func TestRecoveryDetails(t *testing.T) {
	f := newFakeServer(t, 25000, 20000, 1000)
	f.autoConnect = false
	m, _ := newManager(t, f.ts.URL, modes[1], fastReconnect)
	events := make(chan string, 16)
	s := m.Socket("/", &client.SocketOptions{Auth: map[string]any{"token": "x", "offset": "mine"}})
	s.On("e", func(args codec.Args, ack client.AckFunc) {
		var parts []string
		for i := range args.Len() {
			var v any
			_ = args.Decode(i, &v)
			parts = append(parts, fmt.Sprint(v))
		}
		events <- "e " + strings.Join(parts, ",") + fmt.Sprintf(" ack=%v", ack != nil)
		if ack != nil {
			_ = ack()
		}
	})
	s.OnConnect(func() { events <- fmt.Sprintf("connect %s recovered=%v", s.ID(), s.Recovered()) })
	s.Connect()

	c := recv(t, f.conns, "the connection")
	if p := c.next(t, true); p != `40{"token":"x","offset":"mine"}` && p != `40{"offset":"mine","token":"x"}` {
		t.Fatalf("first CONNECT %q", p)
	}
	// No pid: the last argument is an argument.
	c.send(t, `40{"sid":"s1"}`, `42["e",1,"o0"]`)
	for _, want := range []string{"connect s1 recovered=false", "e 1,o0 ack=false"} {
		if e := recv(t, events, want); e != want {
			t.Fatalf("got %q, want %q", e, want)
		}
	}
	// A new connection, with recovery this time.
	c.close()
	c = recv(t, f.conns, "the second connection")
	_ = c.next(t, true)
	c.send(t, `40{"sid":"s2","pid":"p1"}`, `42["e",2,"o1"]`, `421["e",3,"not an offset"]`, `42["e",4,{"x":1}]`)
	for _, want := range []string{"connect s2 recovered=false", "e 2,o1 ack=false", "e 3,not an offset ack=true", "e 4,map[x:1] ack=false"} {
		if e := recv(t, events, want); e != want {
			t.Fatalf("got %q, want %q", e, want)
		}
	}
	if p := c.next(t, true); p != "431[]" {
		t.Fatalf("ack %q", p)
	}
	// Reconnect: pid and the last offset, the user's auth winning on a
	// shared key; replayed events before the CONNECT reply come first.
	c.close()
	c = recv(t, f.conns, "the third connection")
	p := c.next(t, true)
	for _, part := range []string{`"pid":"p1"`, `"token":"x"`, `"offset":"mine"`} {
		if !strings.Contains(p, part) {
			t.Fatalf("CONNECT %q lacks %s", p, part)
		}
	}
	c.send(t, `42["e",5,"o5"]`, `42["e",6,"o6"]`, `40{"sid":"s2","pid":"p1"}`)
	for _, want := range []string{"e 5,o5 ack=false", "e 6,o6 ack=false", "connect s2 recovered=true"} {
		if e := recv(t, events, want); e != want {
			t.Fatalf("got %q, want %q", e, want)
		}
	}
}

// More replayed events than the client holds: it gives recovery up (the
// next CONNECT has no pid) rather than grow without bound.
func TestRecoveryOverflow(t *testing.T) {
	f := newFakeServer(t, 25000, 20000, 1000)
	f.autoConnect = false
	m, _ := newManager(t, f.ts.URL, modes[1], &client.Options{
		ReconnectionDelay: 5 * time.Millisecond, ReconnectionDelayMax: 20 * time.Millisecond, MaxPendingEvents: 2,
	})
	closes := make(chan string, 4)
	m.OnClose(func(r string, _ error) { closes <- r })
	s := m.Socket("/", nil)
	handled := make(chan int, 16)
	s.On("e", func(i int) { handled <- i })
	s.Connect()
	c := recv(t, f.conns, "the connection")
	_ = c.next(t, true)
	c.send(t, `40{"sid":"s1","pid":"p1"}`, `42["e",1,"o1"]`)
	recv(t, handled, "the event") // its offset is known
	c.close()
	c = recv(t, f.conns, "the second connection")
	if p := c.next(t, true); p != `40{"offset":"o1","pid":"p1"}` {
		t.Fatalf("CONNECT %q", p)
	}
	for i := range 9 { // 4 × MaxPendingEvents = 8 are held, the 9th is one too many
		c.send(t, fmt.Sprintf(`42["e",%d,"o%d"]`, i, i))
	}
	recv(t, closes, "the first close")
	if r := recv(t, closes, "the overflow's close"); r != client.ReasonTransportError {
		t.Fatalf("close %q", r)
	}
	c = recv(t, f.conns, "the third connection")
	if p := c.next(t, true); p != "40" {
		t.Fatalf("CONNECT after giving up %q", p)
	}
}

// A CONNECT reply without a sid (a Socket.IO v2 server): connect_error,
// once, however often the server repeats it.
func TestConnectReplyWithoutSID(t *testing.T) {
	f := newFakeServer(t, 25000, 20000, 1000)
	f.autoConnect = false
	m, _ := newManager(t, f.ts.URL, modes[1], nil)
	s := m.Socket("/", nil)
	errs := make(chan error, 8)
	s.OnConnectError(func(err error) { errs <- err })
	s.Connect()
	c := recv(t, f.conns, "the connection")
	_ = c.next(t, true)
	c.send(t, "40", "40", "40{}")
	if err := s.WaitConnected(ctxWait(t)); err == nil || !strings.Contains(err.Error(), "v2.x") {
		t.Fatalf("WaitConnected: %v", err)
	}
	recv(t, errs, "connect_error")
	none(t, errs, "another connect_error")
}

// ACKs resolve the emit of their id only: one without an id, or with an
// unknown one, answers nothing.
func TestAckIDs(t *testing.T) {
	f := newFakeServer(t, 25000, 20000, 1000)
	m, _ := newManager(t, f.ts.URL, modes[1], nil)
	s := m.Socket("/", nil)
	connect(t, s, modes[1], nil)
	c := recv(t, f.conns, "the connection")
	_ = c.next(t, true)
	answers := make(chan string, 4)
	for _, ev := range []string{"a", "b"} {
		if err := s.Emit(ev, func(v string) { answers <- ev + "=" + v }); err != nil {
			t.Fatal(err)
		}
	}
	if p := c.next(t, true); p != `420["a"]` {
		t.Fatalf("got %q", p)
	}
	if p := c.next(t, true); p != `421["b"]` {
		t.Fatalf("got %q", p)
	}
	c.send(t, `43["none"]`, `437["unknown"]`, `431["x"]`, `431["again"]`, `430["y"]`)
	for _, want := range []string{"b=x", "a=y"} {
		if got := recv(t, answers, want); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	none(t, answers, "another answer")
}
