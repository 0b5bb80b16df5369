package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
	"github.com/gosio/socketio/session"
)

// TestAdvance: each counter's growth is reported once; a counter found
// lower than before (a write taken back) reports nothing, and its growth
// back is not reported again.
func TestAdvance(t *testing.T) {
	var last totals
	steps := []struct{ cur, want totals }{
		{totals{3, 1, 10, 20, 100, 200}, totals{3, 1, 10, 20, 100, 200}},
		{totals{3, 1, 10, 20, 100, 200}, totals{}},
		{totals{5, 1, 12, 18, 130, 190}, totals{2, 0, 2, 0, 30, 0}}, // out taken back
		{totals{5, 1, 12, 21, 130, 215}, totals{0, 0, 0, 1, 0, 15}}, // past the high mark only
	}
	for i, s := range steps {
		if got := last.advance(s.cur); got != s.want {
			t.Fatalf("step %d: advance(%v) = %v, want %v", i, s.cur, got, s.want)
		}
	}
}

// aggEvent is an aggregated event as the UI reads it.
type aggEvent struct {
	Timestamp int64  `json:"timestamp"`
	Type      string `json:"type"`
	SubType   string `json:"subType"`
	Count     uint64 `json:"count"`
}

// TestAggregatedExact: the aggregated events a server_stats carries count
// exactly what happened since the previous one: Engine.IO sessions
// opened and closed, message packets and their bytes in and out; each
// once, whatever the number of ticks. The test is the dispatcher here
// (its ticker is an hour): it takes the ticks itself, with no UI
// connected, so the admin's own traffic is not in the counts.
func TestAggregatedExact(t *testing.T) {
	const payloadLen = 100
	payload := strings.Repeat("é", payloadLen/2) // 100 bytes of UTF-8
	up := fmt.Sprintf(`2["up","%s"]`, payload)   // an event as the Socket.IO wire has it
	down := fmt.Sprintf(`2["down","%s"]`, payload)

	io := socketio.NewServer(nil)
	received := make(chan struct{}, 64)
	socks := make(chan *socketio.Socket, 8)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("up", func(string) { received <- struct{}{} })
		socks <- s
	})
	closed := make(chan string, 8)
	io.Engine().OnConnection(func(s *session.Session) {
		s.OnClose(func(reason string, _ error) { closed <- reason })
	})
	ts := httptest.NewServer(io)
	a, err := Attach(io, Options{InsecureNoAuth: true, Mode: Production, StatsInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = a.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = io.Shutdown(ctx)
		ts.Close()
	})
	tick := func(step string, want map[string]uint64) map[string]any {
		t.Helper()
		st := io.Engine().Stats()
		now := time.Now()
		evs := a.aggregated(st, now)
		b, _ := json.Marshal(evs)
		var list []aggEvent
		if err := json.Unmarshal(b, &list); err != nil {
			t.Fatal(err)
		}
		got := map[string]uint64{}
		for _, ev := range list {
			if _, dup := got[ev.Type]; dup || ev.SubType != "" || ev.Timestamp != now.Truncate(time.Second).UnixMilli() {
				t.Errorf("%s: event %+v (a type once, no subType, the tick's second)", step, ev)
			}
			got[ev.Type] = ev.Count
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: aggregated %s, want %v", step, b, want)
		}
		return a.stats(st, evs)
	}
	timeout := time.After(10 * time.Second)
	await := func(what string, ch <-chan struct{}, n int) {
		t.Helper()
		for range n {
			select {
			case <-ch:
			case <-timeout:
				t.Fatalf("waiting for %s", what)
			}
		}
	}

	tick("before any client", map[string]uint64{})

	// Three clients: each a session opened, its CONNECT in ("0") and the
	// CONNECT reply out (0{"sid":...}).
	var clients []*client.Socket
	var connectOut uint64
	for _, tr := range []string{client.WebSocket, client.WebSocket, client.Polling} {
		c, err := client.New(ts.URL, &client.Options{Transports: []string{tr}, DisableReconnection: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Manager().Close() })
		c.Connect()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = c.WaitConnected(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		<-socks // the server has read the CONNECT
		clients = append(clients, c)
		connectOut += uint64(len(`0{"sid":""}`) + len(c.ID()))
	}
	stats := tick("3 connections", map[string]uint64{
		"rawConnection": 3, "packetsIn": 3, "bytesIn": 3, "packetsOut": 3, "bytesOut": connectOut,
	})
	if stats["clientsCount"] != int64(3) || stats["pollingClientsCount"] != int64(1) {
		t.Errorf("clientsCount %v, pollingClientsCount %v; want 3, 1", stats["clientsCount"], stats["pollingClientsCount"])
	}
	tick("nothing new", map[string]uint64{})

	// Events in both directions, over two ticks: each tick has its own.
	got := make(chan struct{}, 64)
	clients[2].On("down", func(string) { got <- struct{}{} })
	server := ioSocket(t, io, clients[2].ID())
	for round, n := range []int{2, 3} {
		for _, c := range clients {
			for range n {
				if err := c.Emit("up", payload); err != nil {
					t.Fatal(err)
				}
			}
		}
		for range n + 1 {
			if err := server.Emit("down", payload); err != nil {
				t.Fatal(err)
			}
		}
		await("the events in", received, 3*n)
		await("the events out", got, n+1)
		in, out := uint64(3*n), uint64(n+1)
		tick(fmt.Sprintf("round %d", round), map[string]uint64{
			"packetsIn": in, "bytesIn": in * uint64(len(up)), "packetsOut": out, "bytesOut": out * uint64(len(down)),
		})
	}

	// Two clients leave (closing their connections: no packet): two
	// sessions closed, counted once.
	_ = clients[1].Manager().Close()
	_ = clients[2].Manager().Close()
	for range 2 {
		select {
		case <-closed:
		case <-timeout:
			t.Fatal("waiting for the sessions to close")
		}
	}
	stats = tick("2 disconnections", map[string]uint64{"rawDisconnection": 2})
	if stats["clientsCount"] != int64(1) || stats["pollingClientsCount"] != int64(0) {
		t.Errorf("clientsCount %v, pollingClientsCount %v; want 1, 0", stats["clientsCount"], stats["pollingClientsCount"])
	}
	tick("nothing new", map[string]uint64{})

	// A tick that finds no UI connected sends nothing and consumes its
	// events all the same.
	if err := clients[0].Emit("up", payload); err != nil {
		t.Fatal(err)
	}
	await("the last event in", received, 1)
	a.tick()
	tick("after a tick without a UI", map[string]uint64{})
}

// ioSocket finds the server's socket of the main namespace with id.
func ioSocket(t *testing.T, io *socketio.Server, id string) *socketio.Socket {
	t.Helper()
	for _, s := range io.Of("/").Sockets() {
		if s.ID() == id {
			return s
		}
	}
	t.Fatalf("no server socket %s", id)
	return nil
}
