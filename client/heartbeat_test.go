package client_test

import (
	"errors"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
)

// The client answers our server's pings on every transport: the
// connection outlives many ping intervals.
func TestHeartbeat(t *testing.T) {
	forModes(t, func(t *testing.T, md mode) {
		srv := newServer(t, &socketio.Options{Engine: socketio.EngineOptions{PingInterval: 50 * time.Millisecond, PingTimeout: time.Second}}, nil) // wide pong margin for a loaded machine
		m, up := newManager(t, srv.url, md, nil)
		pings := make(chan struct{}, 100)
		m.OnPing(func() { pings <- struct{}{} })
		closes := make(chan string, 4)
		m.OnClose(func(reason string, _ error) { closes <- reason })
		s := m.Socket("/", nil)
		connect(t, s, md, up)
		for range 10 {
			recv(t, pings, "a ping")
		}
		none(t, closes, "close")
		if !s.Connected() {
			t.Fatal("disconnected")
		}
	})
}

// A server that stops pinging is given up after pingInterval +
// pingTimeout ("ping timeout"), and the Manager reconnects.
func TestPingTimeout(t *testing.T) {
	for _, md := range modes[:2] {
		t.Run(md.name, func(t *testing.T) {
			f := newFakeServer(t, 40, 40, 1000)
			m, _ := newManager(t, f.ts.URL, md, &client.Options{ReconnectionDelay: 5 * time.Millisecond, ReconnectionDelayMax: 10 * time.Millisecond})
			closes := make(chan string, 4)
			m.OnClose(func(reason string, _ error) { closes <- reason })
			attempts := make(chan int, 4)
			m.OnReconnectAttempt(func(n int) { attempts <- n })
			reasons := make(chan string, 4)
			s := m.Socket("/", nil)
			s.OnDisconnect(func(reason string) { reasons <- reason })
			start := time.Now()
			connect(t, s, md, nil)
			recv(t, f.conns, "the connection")
			if r := recv(t, reasons, "the disconnection"); r != client.ReasonPingTimeout {
				t.Fatalf("reason %q", r)
			}
			if d := time.Since(start); d < 80*time.Millisecond {
				t.Fatalf("ping timeout after %v, before pingInterval+pingTimeout", d)
			}
			if r := recv(t, closes, "the close"); r != client.ReasonPingTimeout {
				t.Fatalf("manager close reason %q", r)
			}
			if n := recv(t, attempts, "a reconnection attempt"); n != 1 {
				t.Fatalf("attempt %d", n)
			}
			recv(t, f.conns, "the new connection")
		})
	}
}

// Each ping gets a pong, and re-arms the deadline: a server pinging in
// time keeps the connection however long pingInterval+pingTimeout is.
func TestPingsAnswered(t *testing.T) {
	for _, md := range modes[:2] {
		t.Run(md.name, func(t *testing.T) {
			// A 600 ms window, pinged every 150 ms for 900 ms: margins wide
			// enough for a loaded machine (120 ms windows flaked in CI).
			f := newFakeServer(t, 300, 300, 1000)
			m, _ := newManager(t, f.ts.URL, md, &client.Options{DisableReconnection: true})
			closes := make(chan string, 4)
			m.OnClose(func(reason string, _ error) { closes <- reason })
			s := m.Socket("/", nil)
			connect(t, s, md, nil)
			c := recv(t, f.conns, "the connection")
			if p := c.next(t, false); p != "40" {
				t.Fatalf("first packet %q", p)
			}
			for range 6 { // 6 × 150 ms: well past 600 ms
				time.Sleep(150 * time.Millisecond) // the server's own rhythm, not a synchronisation
				c.send(t, "2")
				if p := c.next(t, false); p != "3" {
					t.Fatalf("got %q, want a pong", p)
				}
			}
			select {
			case r := <-closes:
				t.Fatalf("closed (%s) while pinged in time", r)
			default:
			}
			c.close()
			r := recv(t, closes, "the close")
			if r != client.ReasonTransportClose && r != client.ReasonTransportError {
				t.Fatalf("close reason %q", r)
			}
			if err := s.WaitConnected(ctxWait(t)); !errors.Is(err, client.ErrDisconnected) {
				t.Fatalf("WaitConnected after a final close: %v", err)
			}
		})
	}
}
