package socketio_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

// Bounded input (input.go): the pending list by bytes, the pong deadline
// while reading is held, acks awaited from a client whose list is full,
// half-received binary packets and the Server-wide cap.

// A full pending list by bytes pauses reading instead of buffering: with
// MaxBufferedInput barely above MaxPendingBytes, a client sending far more
// than either while its handler blocks is neither closed nor loses an
// event.
func TestPendingBytesPauseReading(t *testing.T) {
	release := make(chan struct{})
	got := make(chan int, 64)
	rs := make(chan string, 1)
	e := newEnv(t, &socketio.Options{MaxPendingBytes: 2000, MaxBufferedInput: 4000}, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.On("n", func(n int, _ string) {
				if n == 0 {
					<-release
				}
				got <- n
			})
			s.OnDisconnect(func(r string) { rs <- r })
		})
	})
	c, _ := e.connect("/")
	pad := strings.Repeat("x", 500)
	const n = 40 // 20 kB: five times the Server-wide cap
	for i := range n {
		send(t, c, fmt.Sprintf(`2["n",%d,"%s"]`, i, pad))
	}
	close(release)
	for i := range n {
		if v := recvChan(t, got, "event"); v != i {
			t.Fatalf("event %d handled in position %d", v, i)
		}
	}
	select {
	case r := <-rs:
		t.Fatalf("disconnected (%s) although reading should have paused", r)
	default:
	}
}

// While a handler holds the pending list full, the client's pong waits
// unread behind its events: the pong deadline is not enforced, and the
// client is not dropped with "ping timeout".
func TestHeartbeatWhileReadingHeld(t *testing.T) {
	const timeout = 300 * time.Millisecond
	release := make(chan struct{})
	got := make(chan int, 64)
	rs := make(chan string, 1)
	e := newEnv(t, &socketio.Options{
		Engine:            socketio.EngineOptions{PingInterval: 50 * time.Millisecond, PingTimeout: timeout},
		MaxPendingPackets: 2,
	}, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.On("n", func(n int, ack socketio.AckFunc) {
				if n == 0 {
					<-release
				}
				got <- n
				_ = ack(n)
			})
			s.OnDisconnect(func(r string) { rs <- r })
		})
	})
	c, _ := e.connect("/")
	const n = 10
	for i := range n {
		send(t, c, fmt.Sprintf(`2%d["n",%d]`, i, i))
	}
	// The scenario, not a synchronisation: the handler holds the list
	// for several pong windows.
	time.Sleep(5 * timeout)
	close(release)
	for i := range n {
		if v := recvChan(t, got, "event"); v != i {
			t.Fatalf("event %d handled in position %d", v, i)
		}
		expect(t, c, fmt.Sprintf(`3%d[%d]`, i, i))
	}
	// Still connected, heartbeats flowing again: a new round trip works
	// after two more pong windows.
	time.Sleep(2 * timeout)
	send(t, c, `299["n",99]`)
	expect(t, c, `399[99]`)
	select {
	case r := <-rs:
		t.Fatalf("disconnected: %s", r)
	default:
	}
}

// A handler waiting for its own client's ack while that client fills the
// pending list does not deadlock: the reader goes on reading past the
// limit and finds the ack.
func TestEmitWithAckOwnClientFullList(t *testing.T) {
	result := make(chan string, 1)
	got := make(chan int, 64)
	e := newEnv(t, &socketio.Options{MaxPendingPackets: 2}, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.On("ask", func() {
				ctx, cancel := context.WithTimeout(context.Background(), sioWait)
				defer cancel()
				args, err := s.EmitWithAck(ctx, "question")
				if err != nil {
					result <- err.Error()
					return
				}
				var v string
				_ = args.Decode(0, &v)
				result <- v
			})
			s.On("n", func(n int) { got <- n })
		})
	})
	c, _ := e.connect("/")
	send(t, c, `2["ask"]`)
	q := recv(t, c)
	if !strings.HasPrefix(q.Text, "2") || !strings.Contains(q.Text, `["question"]`) {
		t.Fatalf("got %q, want the question", q.Text)
	}
	const n = 6 // three times the list, within the hard bound of four
	for i := range n {
		send(t, c, fmt.Sprintf(`2["n",%d]`, i))
	}
	id := strings.TrimSuffix(strings.TrimPrefix(q.Text, "2"), `["question"]`)
	send(t, c, `3`+id+`["answer"]`)
	if v := recvChan(t, result, "the ack"); v != "answer" {
		t.Fatalf("EmitWithAck returned %q", v)
	}
	for i := range n {
		if v := recvChan(t, got, "event"); v != i {
			t.Fatalf("event %d handled in position %d", v, i)
		}
	}
}

// Reading past a full list for an awaited ack is bounded: a client that
// floods instead of answering is closed with "transport error".
func TestAwaitedAckFloodClosed(t *testing.T) {
	rs := make(chan string, 1)
	done := make(chan error, 1)
	e := newEnv(t, &socketio.Options{MaxPendingPackets: 2}, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.On("ask", func() {
				ctx, cancel := context.WithTimeout(context.Background(), sioWait)
				defer cancel()
				_, err := s.EmitWithAck(ctx, "question")
				done <- err
			})
			s.On("n", func(int) {})
			s.OnDisconnect(func(r string) { rs <- r })
		})
	})
	c, _ := e.connect("/")
	send(t, c, `2["ask"]`)
	recv(t, c)
	for i := range 20 {
		if c.Send(fmt.Sprintf(`2["n",%d]`, i)) != nil {
			break // closed by the server meanwhile
		}
	}
	expectEnd(t, c)
	if err := recvChan(t, done, "EmitWithAck"); err == nil {
		t.Fatal("EmitWithAck succeeded")
	}
	if r := recvChan(t, rs, "reason"); r != socketio.ReasonTransportError {
		t.Fatalf("reason %q, want %q", r, socketio.ReasonTransportError)
	}
}

// A binary packet whose attachments stop coming is dropped with its
// connection after AttachmentTimeout; another connection is untouched.
func TestAttachmentTimeout(t *testing.T) {
	rs := make(chan string, 2)
	e := newEnv(t, &socketio.Options{AttachmentTimeout: 100 * time.Millisecond}, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.On("two", func(a, b []byte, ack socketio.AckFunc) { _ = ack(len(a) + len(b)) })
			s.OnDisconnect(func(r string) { rs <- r })
		})
	})
	bad, _ := e.connect("/")
	good, _ := e.connect("/")
	// Announces two attachments and sends one.
	if err := bad.EIO.Send(eiotest.Msg(`52-1["two",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), eiotest.Bin([]byte{1})); err != nil {
		t.Fatal(err)
	}
	expectEnd(t, bad)
	if r := recvChan(t, rs, "reason"); r != socketio.ReasonTransportError {
		t.Fatalf("reason %q, want %q", r, socketio.ReasonTransportError)
	}
	// A complete binary packet, slower than nothing but within the
	// timeout, is fine.
	send(t, good, `52-1["two",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, []byte{1}, []byte{2, 3})
	expect(t, good, `31[3]`)
}

// MaxBufferedInput caps what all connections together hold: of two
// clients each holding more than half of it in a half-received packet,
// the second is closed and the first completes its packet; the bytes
// come back once handled or dropped.
func TestMaxBufferedInput(t *testing.T) {
	rs := make(chan string, 4)
	e := newEnv(t, &socketio.Options{MaxBufferedInput: 10000}, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.On("two", func(a, b []byte, ack socketio.AckFunc) { _ = ack(len(a) + len(b)) })
			s.OnDisconnect(func(r string) { rs <- r })
		})
	})
	const head = `52-1["two",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`
	big := make([]byte, 6000)
	a, _ := e.connect("/")
	b, _ := e.connect("/")
	for _, c := range []*siotest.Client{a, b} {
		if err := c.EIO.Send(eiotest.Msg(head), eiotest.Bin(big)); err != nil {
			t.Fatal(err)
		}
	}
	if r := recvChan(t, rs, "reason"); r != socketio.ReasonTransportError {
		t.Fatalf("reason %q, want %q", r, socketio.ReasonTransportError)
	}
	var survivor *siotest.Client
	select {
	case <-a.EIO.Done():
		survivor = b
	case <-b.EIO.Done():
		survivor = a
	case <-time.After(sioWait):
		t.Fatal("neither session ended")
	}
	if err := survivor.EIO.Send(eiotest.Bin([]byte{1})); err != nil {
		t.Fatal(err)
	}
	expect(t, survivor, `31[6001]`)
	// Everything was given back: a third client may hold nearly the
	// whole cap.
	c, _ := e.connect("/")
	send(t, c, head, make([]byte, 4500), make([]byte, 4500))
	expect(t, c, `31[9000]`)
}

// Ill-formed UTF-8 in a polling body arrives as U+FFFD, as with the
// reference server (which reads the body as a JS string), and a WebSocket
// client it is broadcast to gets a valid text frame.
func TestPollingInvalidUTF8Replaced(t *testing.T) {
	got := make(chan string, 1)
	e := newEnv(t, nil, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.On("say", func(msg string) {
				got <- msg
				_ = s.Broadcast().Emit("said", msg)
			})
		})
	})
	ws, _ := e.connect("/")
	pc := e.dial(eiotest.ModePolling)
	mustConnect(t, pc, "/", "")
	send(t, pc, "2[\"say\",\"a\xe2\x82b\xffc\"]")
	if msg := recvChan(t, got, "the event"); msg != "a\uFFFDb\uFFFDc" {
		t.Fatalf("handler got %q, want %q", msg, "a\uFFFDb\uFFFDc")
	}
	p := recv(t, ws)
	if !strings.Contains(p.Text, "a\uFFFDb\uFFFDc") {
		t.Fatalf("WebSocket client got %q", p.Text)
	}
}

// A binary packet whose placeholders designate no attachment (out of
// range, negative, not an integer, not a number, missing), or that
// announces no attachment at all, is a parse error, as in the reference:
// that connection is closed with "parse error". Another connection, left
// halfway through a binary packet of its own, is not disturbed: it
// completes it and gets its answer.
func TestBadPlaceholdersCloseOnlyTheirConnection(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		atts       int
	}{
		{"out of range", `51-["e",{"_placeholder":true,"num":1}]`, 1},
		{"negative", `51-["e",{"_placeholder":true,"num":-1}]`, 1},
		{"not an integer", `51-["e",{"_placeholder":true,"num":0.5}]`, 1},
		{"a string", `51-["e",{"_placeholder":true,"num":"0"}]`, 1},
		{"missing", `51-["e",{"_placeholder":true}]`, 1},
		{"nested, out of range", `52-["e",{"a":[{"_placeholder":true,"num":2}]},{"_placeholder":true,"num":0}]`, 2},
		{"escaped key", `51-["e",{"\u005fplaceholder":true,"num":5}]`, 1},
		{"in a binary ack", `61-7[{"_placeholder":true,"num":1}]`, 1},
		{"no attachment announced", `50-["e",{"_placeholder":true,"num":0}]`, 0},
		{"no attachment announced, no placeholder", `50-["e"]`, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var socks <-chan *socketio.Socket
			e := newEnv(t, nil, func(s *socketio.Server) {
				socks = sockets(s.Sockets())
				echoHandlers(s.Sockets())
			})
			good, _ := e.connect("/")
			goodSock := recvChan(t, socks, "the good socket")
			bad, _ := e.connect("/")
			badSock := recvChan(t, socks, "the bad socket")
			goodGone := make(chan string, 1)
			badGone := make(chan string, 1)
			goodSock.OnDisconnect(func(r string) { goodGone <- r })
			badSock.OnDisconnect(func(r string) { badGone <- r })

			// The good client starts a binary packet: its attachment is
			// still to come.
			send(t, good, `51-3["ack",{"_placeholder":true,"num":0}]`)

			atts := make([][]byte, tt.atts)
			for i := range atts {
				atts[i] = []byte{byte(i)}
			}
			send(t, bad, tt.text, atts...)
			if r := recvChan(t, badGone, "the bad socket's disconnect"); r != socketio.ReasonParseError {
				t.Fatalf("bad socket disconnected with %q, want %q", r, socketio.ReasonParseError)
			}
			expectEnd(t, bad)

			if err := good.EIO.Send(eiotest.Bin([]byte("bin"))); err != nil {
				t.Fatal(err)
			}
			p := expect(t, good, `61-3[{"_placeholder":true,"num":0}]`)
			if string(p.Attachments[0]) != "bin" {
				t.Fatalf("good client's attachment came back as %q", p.Attachments[0])
			}
			if !goodSock.Connected() {
				t.Fatal("the good socket was disconnected")
			}
			select {
			case r := <-goodGone:
				t.Fatalf("the good socket disconnected: %s", r)
			default:
			}
		})
	}
}
