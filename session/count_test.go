package session_test

import (
	"testing"
	"time"

	"github.com/gosio/socketio/internal/eiotest"
)

// TestCountByTransport: sessions are counted on the transport carrying
// them now: a polling session moves to the WebSocket column when its
// upgrade completes, and a closed session leaves both.
func TestCountByTransport(t *testing.T) {
	e := newEnv(t, envConfig{})
	check := func(step string, polling, websocket int) {
		t.Helper()
		p, w := e.srv.CountByTransport()
		if p != polling || w != websocket {
			t.Fatalf("%s: CountByTransport() = %d, %d; want %d, %d", step, p, w, polling, websocket)
		}
	}
	check("no session", 0, 0)
	p, ss := e.pollingSession(t)
	check("one polling session", 1, 0)
	ws1, ss1 := e.wsSession(t)
	check("and a WebSocket session", 1, 1)

	ws := probe(t, e, p.SID)
	check("probe answered, upgrade not completed", 1, 1)
	if err := ws.Write(eiotest.Text(eiotest.Upgrade, "")); err != nil {
		t.Fatal(err)
	}
	wsRoundTrip(t, ws, "upgraded") // the upgrade packet has been handled
	check("upgraded", 0, 2)

	ws1.Conn.Close()
	ws.Conn.Close()
	// A session leaves the server's list before its OnClose runs.
	for _, s := range []*serverSession{ss, ss1} {
		select {
		case <-s.closed:
		case <-time.After(wait):
			t.Fatalf("session %s not closed", s.ID())
		}
	}
	check("closed", 0, 0)
}
