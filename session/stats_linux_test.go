package session_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// waitParked polls Stats until Parked is want: parking has no event to
// wait for (bounded by wait).
func waitParked(tb testing.TB, srv *session.Server, want int64) {
	tb.Helper()
	deadline := time.Now().Add(wait)
	for {
		got := srv.Stats().Parked
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("Stats().Parked = %d after %v, want %d", got, wait, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestStatsParked: the Parked gauge follows idle parking (Linux only: elsewhere
// a session never parks and the gauge stays 0).
func TestStatsParked(t *testing.T) {
	var e *env
	// Bytes arriving resume the reader before the message is handled:
	// while "wake" is handled its session is not parked.
	onSession := func(ss *serverSession) {
		ss.handle = func(ss *serverSession, data []byte, _ bool) {
			if string(data) == "wake" {
				if n := e.srv.Stats().Parked; n != 2 {
					e.violation("Parked = %d while a message is handled, want 2", n)
				}
			}
			_ = ss.SendText(string(data))
		}
	}
	e = newEnv(t, envConfig{opts: &session.Options{IdleParkAfter: 30 * time.Millisecond}, onSession: onSession})
	clients := make([]*eiotest.Client, 3)
	for i := range clients {
		clients[i] = e.dial(t, eiotest.ModeWebSocket)
		roundTrip(t, clients[i], fmt.Sprint(i))
	}
	waitParked(t, e.srv, 3)
	roundTrip(t, clients[0], "wake")
	waitParked(t, e.srv, 3)
	// A closed session is no longer counted, parked or not.
	if err := clients[1].Close(wait); err != nil {
		t.Fatal(err)
	}
	e.session(t, clients[1].SID()).waitClosed(t, session.ReasonTransportClose)
	if got := e.srv.Stats().Parked; got != 2 {
		t.Fatalf("Parked = %d after a parked client closed, want 2", got)
	}
	_ = e.session(t, clients[2].SID()).Close()
	e.session(t, clients[2].SID()).waitClosed(t, session.ReasonForcedClose)
	if got := e.srv.Stats().Parked; got != 1 {
		t.Fatalf("Parked = %d after closing a parked session, want 1", got)
	}
}
