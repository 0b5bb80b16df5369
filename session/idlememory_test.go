package session_test

import (
	"testing"
	"time"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// A WebSocket writer that has gone idle leaves no wake channel behind: an
// idle session holds none of its writer's state, and the next writer (the
// next ping here) gets a channel of its own and works as before.
func TestIdleWriterKeepsNoWakeChannel(t *testing.T) {
	e := newEnv(t, envConfig{opts: &session.Options{PingInterval: 300 * time.Millisecond, PingTimeout: 5 * time.Second}})
	ws, ss := e.wsSession(t)
	for i := range 2 {
		// The ping goes through the writer goroutine (kickLocked).
		p, err := ws.Read(wait)
		if err != nil || p.Type != eiotest.Ping {
			t.Fatalf("ping %d: got %v, %v", i, p, err)
		}
		if err := ws.Write(eiotest.Packet{Type: eiotest.Pong}); err != nil {
			t.Fatal(err)
		}
		if session.WaitWriterGoneWake(t, ss.Session) {
			t.Fatalf("ping %d: the idle session still holds its writer's wake channel", i)
		}
	}
	if err := ss.SendText("after"); err != nil {
		t.Fatal(err)
	}
	if p, err := ws.Read(wait); err != nil || string(p.Data) != "after" {
		t.Fatalf("got %v, %v; want the message sent after the writers went idle", p, err)
	}
}
