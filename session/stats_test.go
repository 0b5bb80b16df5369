package session_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// Server.Stats over real sessions: every counter is checked for its exact
// value after each step. The counters are updated before anything a
// client can observe (an echo, a close, an error response), so no step
// waits for them but the parking one.

// closedMap is the Closed map of Stats: every reason, zero included.
func closedMap(nonzero map[string]uint64) map[string]uint64 {
	m := map[string]uint64{
		session.ReasonTransportClose: 0, session.ReasonTransportError: 0, session.ReasonPingTimeout: 0,
		session.ReasonParseError: 0, session.ReasonForcedClose: 0, session.ReasonShutdown: 0,
	}
	for k, v := range nonzero {
		m[k] = v
	}
	return m
}

// refusedMap is the HandshakesRefused map of Stats: every cause.
func refusedMap(nonzero map[string]uint64) map[string]uint64 {
	m := map[string]uint64{
		"unknown_transport": 0, "bad_method": 0, "bad_request": 0,
		"forbidden": 0, "unsupported_protocol": 0, "shutting_down": 0,
	}
	for k, v := range nonzero {
		m[k] = v
	}
	return m
}

func checkStats(tb testing.TB, step string, got, want session.Stats) {
	tb.Helper()
	if want.Closed == nil {
		want.Closed = closedMap(nil)
	}
	if want.HandshakesRefused == nil {
		want.HandshakesRefused = refusedMap(nil)
	}
	if !reflect.DeepEqual(got, want) {
		tb.Fatalf("%s: Stats\n got  %+v\n want %+v", step, got, want)
	}
}

func TestStats(t *testing.T) {
	opts := &session.Options{
		MaxBufferedPackets: 2,
		IdleParkAfter:      -1, // Parked stays 0 here; see TestStatsParked
		AllowRequest: func(r *http.Request) error {
			if r.URL.Query().Get("deny") != "" {
				return errors.New("denied")
			}
			return nil
		},
	}
	e := newEnv(t, envConfig{opts: opts})
	var want session.Stats
	checkStats(t, "new server", e.srv.Stats(), want)

	// A WebSocket session and an echo: one message each way.
	c1 := e.dial(t, eiotest.ModeWebSocket)
	roundTrip(t, c1, "hello")
	want.Opened, want.OpenWebSocket = 1, 1
	want.PacketsIn, want.BytesIn, want.PacketsOut, want.BytesOut = 1, 5, 1, 5
	checkStats(t, "websocket echo", e.srv.Stats(), want)

	// A polling session upgraded, then an echo over the WebSocket.
	c2 := e.dial(t, eiotest.ModeUpgrade)
	roundTrip(t, c2, "abc")
	want.Opened, want.OpenWebSocket, want.Upgrades = 2, 2, 1
	want.PacketsIn, want.BytesIn, want.PacketsOut, want.BytesOut = 2, 8, 2, 8
	checkStats(t, "upgrade", e.srv.Stats(), want)

	// Binary messages count their bytes.
	if err := c2.Send(eiotest.Bin([]byte{1, 2, 3, 4})); err != nil {
		t.Fatal(err)
	}
	if p := recv(t, c2); !p.Binary || len(p.Data) != 4 {
		t.Fatalf("binary echo: %q", p)
	}
	want.PacketsIn, want.BytesIn, want.PacketsOut, want.BytesOut = 3, 12, 3, 12
	checkStats(t, "binary echo", e.srv.Stats(), want)

	// A polling session whose queue overflows: nothing polls it, so
	// nothing is sent.
	_, ss := e.pollingSession(t)
	want.Opened, want.OpenPolling = 3, 1
	checkStats(t, "polling session", e.srv.Stats(), want)
	for i, msg := range []string{"a", "b"} {
		if err := ss.SendText(msg); err != nil {
			t.Fatalf("SendText %d: %v", i, err)
		}
	}
	if err := ss.SendText("c"); !errors.Is(err, session.ErrQueueFull) {
		t.Fatalf("third SendText: %v, want ErrQueueFull", err)
	}
	ss.waitClosed(t, session.ReasonTransportError)
	want.OpenPolling, want.QueueOverflows = 0, 1
	want.Closed = closedMap(map[string]uint64{session.ReasonTransportError: 1})
	checkStats(t, "queue overflow", e.srv.Stats(), want)

	// A parse error.
	ws, ss := e.wsSession(t)
	if err := ws.WriteFrame(websocket.TextMessage, []byte("abc")); err != nil {
		t.Fatal(err)
	}
	ss.waitClosed(t, session.ReasonParseError)
	want.Opened = 4
	want.Closed = closedMap(map[string]uint64{session.ReasonTransportError: 1, session.ReasonParseError: 1})
	checkStats(t, "parse error", e.srv.Stats(), want)

	// Closed by the server (Session.Close), then by the client.
	c3 := e.dial(t, eiotest.ModeWebSocket)
	ss = e.session(t, c3.SID())
	_ = ss.Close()
	ss.waitClosed(t, session.ReasonForcedClose)
	if err := c1.Close(wait); err != nil {
		t.Fatal(err)
	}
	e.session(t, c1.SID()).waitClosed(t, session.ReasonTransportClose)
	want.Opened, want.OpenWebSocket = 5, 1
	want.Closed = closedMap(map[string]uint64{session.ReasonTransportError: 1, session.ReasonParseError: 1,
		session.ReasonForcedClose: 1, session.ReasonTransportClose: 1})
	checkStats(t, "closed both ways", e.srv.Stats(), want)

	// Refused handshakes, one per cause; a request with a sid is not a
	// handshake.
	refusals := []struct {
		method, query string
		status        int
	}{
		{"GET", "?EIO=4&transport=carrier-pigeon", 400},
		{"GET", "?EIO=4&transport=carrier-pigeon&sid=nosuch", 400}, // not counted
		{"GET", "?EIO=4&transport=polling&sid=nosuch", 400},        // not counted
		{"POST", "?EIO=4&transport=polling", 400},
		{"GET", "?EIO=3&transport=polling", 400},
		{"GET", "?EIO=4&transport=websocket", 400}, // no upgrade headers
		{"GET", "?EIO=4&transport=polling&deny=1", 403},
	}
	for _, r := range refusals {
		if resp := e.do(t, r.method, r.query, nil, nil); resp.Status != r.status {
			t.Fatalf("%s %s: %s, want %d", r.method, r.query, resp, r.status)
		}
	}
	want.HandshakesRefused = refusedMap(map[string]uint64{"unknown_transport": 1, "bad_method": 1,
		"unsupported_protocol": 1, "bad_request": 1, "forbidden": 1})
	checkStats(t, "refusals", e.srv.Stats(), want)

	// Shutdown closes the last session, then refuses handshakes.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	e.session(t, c2.SID()).waitClosed(t, session.ReasonShutdown)
	if resp := e.do(t, "GET", "?EIO=4&transport=polling", nil, nil); resp.Status != http.StatusServiceUnavailable {
		t.Fatalf("handshake after Shutdown: %s, want 503", resp)
	}
	want.OpenWebSocket = 0
	want.Closed[session.ReasonShutdown] = 1
	want.HandshakesRefused["shutting_down"] = 1
	checkStats(t, "shutdown", e.srv.Stats(), want)
}

// TestStatsPingTimeout: a client that does not answer pings is counted
// under "ping timeout", on either transport.
func TestStatsPingTimeout(t *testing.T) {
	e := newEnv(t, envConfig{opts: &session.Options{PingInterval: 20 * time.Millisecond, PingTimeout: 50 * time.Millisecond}})
	for i, mode := range []eiotest.Mode{eiotest.ModeWebSocket, eiotest.ModePolling} {
		cfg := e.clientConfig()
		cfg.ManualPong = true
		c := e.dialWith(t, mode, cfg)
		e.session(t, c.SID()).waitClosed(t, session.ReasonPingTimeout)
		st := e.srv.Stats()
		if got := st.Closed[session.ReasonPingTimeout]; got != uint64(i+1) {
			t.Fatalf("%s: Closed[ping timeout] = %d, want %d", mode, got, i+1)
		}
		if st.OpenPolling != 0 || st.OpenWebSocket != 0 {
			t.Fatalf("%s: open gauges %d/%d after the close, want 0", mode, st.OpenPolling, st.OpenWebSocket)
		}
	}
}

// TestStatsBodyLimits: a polling body over MaxPayload is a transport
// error, not a queue overflow.
func TestStatsBodyLimits(t *testing.T) {
	e := newEnv(t, envConfig{opts: &session.Options{MaxPayload: 100}})
	p, ss := e.pollingSession(t)
	resp := e.do(t, "POST", "?EIO=4&transport=polling&sid="+p.SID, make([]byte, 200), nil)
	if resp.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("POST over MaxPayload: %s, want 413", resp)
	}
	ss.waitClosed(t, session.ReasonTransportError)
	st := e.srv.Stats()
	if st.Closed[session.ReasonTransportError] != 1 || st.QueueOverflows != 0 || st.PacketsIn != 0 {
		t.Fatalf("Stats after a 413: %+v", st)
	}
}
