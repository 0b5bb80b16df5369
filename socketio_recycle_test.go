package socketio_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	socketio "github.com/gosio/socketio"
)

// TestRecycledEventsKeptArgs: the decoder may reuse an EVENT's memory once
// an inline handler that takes copies has returned (codec.Recycler). Args
// that reached anything else must keep reading what they read: an OnAny
// listener, a Use middleware, a handler with an Args parameter. Each one
// keeps every Args it sees; after a run of events of different shapes
// over an idle WebSocket (handlers inline), each kept Args must still
// read its own event. A handler of copies ("/copy") gets the right values
// across the same run.
func TestRecycledEventsKeptArgs(t *testing.T) {
	type kept struct {
		event string
		args  socketio.Args
	}
	keptCh := make(chan kept, 64)
	copies := make(chan string, 64)
	echo := func(x string, ack socketio.AckFunc) { _ = ack(x) }
	e := newEnv(t, nil, func(srv *socketio.Server) {
		srv.Of("/any").OnConnection(func(s *socketio.Socket) {
			s.OnAny(func(ev string, a socketio.Args) { keptCh <- kept{"/any", a} })
			s.On("ev", echo)
		})
		srv.Of("/mw").OnConnection(func(s *socketio.Socket) {
			s.Use(func(ev string, a socketio.Args) error { keptCh <- kept{"/mw", a}; return nil })
			s.On("ev", echo)
		})
		srv.Of("/raw").OnConnection(func(s *socketio.Socket) {
			s.On("ev", func(a socketio.Args, ack socketio.AckFunc) {
				keptCh <- kept{"/raw", a}
				var x string
				_ = a.Decode(0, &x)
				_ = ack(x)
			})
		})
		srv.Of("/copy").OnConnection(func(s *socketio.Socket) {
			s.On("ev", func(x string, ack socketio.AckFunc) {
				copies <- x
				_ = ack(x)
			})
		})
	})
	// Arguments of different counts and shapes: a reused packet read in
	// place of another would show the other's.
	events := []string{`"one",1,2,{"k":[1]}`, `"two"`, `"three",null`, `"four",4,4,4,4,4,4`, `"five"`}
	for _, nsp := range []string{"/any", "/mw", "/raw", "/copy"} {
		c, _ := e.connect(nsp)
		for i, args := range events {
			send(t, c, fmt.Sprintf(`2%s,%d["ev",%s]`, nsp, i+1, args))
			first := args[:strings.IndexByte(args+",", ',')]
			expect(t, c, fmt.Sprintf(`3%s,%d[%s]`, nsp, i+1, first))
		}
	}
	// In order: each namespace's events were handled one after the
	// other, and the namespaces one after the other. Read only now, when
	// every later event has been decoded.
	for j := range 3 * len(events) {
		k := recvChan(t, keptCh, "kept Args")
		wantNsp, want := []string{"/any", "/mw", "/raw"}[j/len(events)], events[j%len(events)]
		got := make([]string, k.args.Len())
		for i := range got {
			var raw json.RawMessage
			if err := k.args.Decode(i, &raw); err != nil {
				t.Fatalf("%s: argument %d: %v", k.event, i, err)
			}
			got[i] = string(raw)
		}
		if k.event != wantNsp || strings.Join(got, ",") != want {
			t.Errorf("kept Args %d: %s reading %s, want %s reading %s", j, k.event, strings.Join(got, ","), wantNsp, want)
		}
	}
	for i, want := range []string{"one", "two", "three", "four", "five"} {
		if got := recvChan(t, copies, "copy"); got != want {
			t.Errorf("/copy event %d: got %q, want %q", i+1, got, want)
		}
	}
	e.noErr()
}
