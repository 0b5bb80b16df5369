package session_test

import (
	"fmt"
	"testing"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// A reader moves onto its stack floor (readBusy) after BusyAfter
// messages, on the same goroutine: every message is delivered once, in
// order, on the reader, across that move whether the messages come one
// by one or in a burst that one read takes whole; a hand-off from the
// busy reader works as from any other, and reading goes on after it.
func TestBusyReaderKeepsReading(t *testing.T) {
	srv := session.NewServer(nil)
	type call struct {
		data     string
		onReader bool
	}
	calls := make(chan call, 4*session.BusyAfter)
	release := make(chan struct{})
	srv.OnConnection(func(s *session.Session) {
		s.OnMessage(func(data []byte, _ bool) {
			c := call{string(data), s.OnReader()}
			calls <- c
			if c.data == "block" {
				if !s.HandOffReading() {
					t.Error("HandOffReading from the busy reader: false")
				}
				<-release
			}
			_ = s.SendText("echo " + c.data)
		})
	})
	ctx, ws := serveWebSocket(t, srv)
	write := func(s string) {
		t.Helper()
		if err := ws.Write(eiotest.Packet{Type: eiotest.Message, Data: []byte(s)}); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(want string) {
		t.Helper()
		select {
		case c := <-calls:
			if c.data != want || !c.onReader {
				t.Fatalf("delivered %q (on the reader: %v), want %q on the reader", c.data, c.onReader, want)
			}
		case <-ctx.Done():
			t.Fatalf("%q not delivered", want)
		}
		for {
			p, err := ws.Read(wait)
			if err != nil {
				t.Fatalf("waiting for the echo of %q: %v", want, err)
			}
			if p.Type == eiotest.Message {
				if string(p.Data) != "echo "+want {
					t.Fatalf("got %q, want the echo of %q", p.Data, want)
				}
				return
			}
		}
	}
	// One by one up to just before the move, then a burst across it.
	n := 0
	for ; n < session.BusyAfter-2; n++ {
		write(fmt.Sprint(n))
		expect(fmt.Sprint(n))
	}
	burst := n + 6
	for i := n; i < burst; i++ {
		write(fmt.Sprint(i))
	}
	for ; n < burst; n++ {
		expect(fmt.Sprint(n))
	}
	// Busy now: a hand-off, then reading on the new reader.
	write("block")
	select {
	case c := <-calls:
		if c.data != "block" || !c.onReader {
			t.Fatalf("delivered %+v, want block on the reader", c)
		}
	case <-ctx.Done():
		t.Fatal("block not delivered")
	}
	write("during")
	expect("during")
	close(release)
	for {
		p, err := ws.Read(wait)
		if err != nil {
			t.Fatalf("waiting for the echo of block: %v", err)
		}
		if p.Type == eiotest.Message {
			if string(p.Data) != "echo block" {
				t.Fatalf("got %q, want the echo of block", p.Data)
			}
			break
		}
	}
	for i := 0; i < session.BusyAfter+2; i++ {
		write(fmt.Sprint("after ", i))
		expect(fmt.Sprint("after ", i))
	}
	if got := srv.Stats().ReadHandOffs; got != 1 {
		t.Fatalf("ReadHandOffs = %d, want 1", got)
	}
}
