package client_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
	"github.com/gosio/socketio/internal/faultproxy"
)

// TestRecoveryUnderFaults: the Go client with connection state recovery
// against our server, through a proxy that resets its connections at
// random byte offsets (mid-frame, mid-response, during the upgrade) while
// the server broadcasts numbered events: every reconnection is recovered
// with the same id, and every event arrives once, in order.
func TestRecoveryUnderFaults(t *testing.T) {
	const count = 3000
	for i, md := range modes {
		t.Run(md.name, func(t *testing.T) {
			srv := newServer(t, &socketio.Options{ConnectionStateRecovery: &socketio.ConnectionStateRecovery{}}, nil)
			// Every connection dies within its first 24 KiB from the
			// server: the client's polls share keep-alive connections,
			// so a cut lands in some response (headers or payload).
			budget := faultproxy.Options{MinBytes: 2 << 10, MaxBytes: 24 << 10, Seed: uint64(i + 1)}
			proxy, err := faultproxy.Start(strings.TrimPrefix(srv.url, "http://"), budget)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(proxy.Close)

			var mu sync.Mutex
			var got []int
			var conns []string // "id recovered"
			done := make(chan struct{})
			opts := &client.Options{ReconnectionDelay: 50 * time.Millisecond, ReconnectionDelayMax: 200 * time.Millisecond}
			m, _ := newManager(t, "http://"+proxy.Addr(), md, opts)
			s := m.Socket("/", nil)
			s.On("n", func(n int) {
				mu.Lock()
				got = append(got, n)
				mu.Unlock()
				if n == count-1 {
					close(done)
				}
			})
			connected := make(chan struct{}, 1)
			s.OnConnect(func() {
				mu.Lock()
				conns = append(conns, fmt.Sprint(s.ID(), " ", s.Recovered()))
				mu.Unlock()
				select {
				case connected <- struct{}{}:
				default:
				}
			})
			s.Connect()
			recv(t, connected, "the first connection")

			tick := time.NewTicker(500 * time.Microsecond)
			for n := range count {
				<-tick.C
				if err := srv.srv.Emit("n", n); err != nil {
					t.Fatal(err)
				}
			}
			tick.Stop()
			kills := proxy.Kills()
			proxy.SetKilling(false)
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				mu.Lock()
				t.Fatalf("event %d never arrived; got %d events, connections %v", count-1, len(got), conns)
			}
			mu.Lock()
			defer mu.Unlock()
			t.Logf("%s: %d connections killed, connections: %v", md.name, kills, conns)
			for k, n := range got {
				if n != k {
					t.Fatalf("event #%d is %d (lost, doubled or reordered); %d events, connections %v", k, n, len(got), conns)
				}
			}
			if len(got) != count {
				t.Fatalf("%d events, want %d", len(got), count)
			}
			if kills < 3 || len(conns) < 2 {
				t.Fatalf("%d kills, %d connections: recovery was not exercised", kills, len(conns))
			}
			first := strings.Fields(conns[0])[0]
			for _, c := range conns[1:] {
				// " true": the proxy cut this connection again before its
				// OnConnect handler read the id (ID is "" once
				// disconnected; Recovered keeps the last connection's
				// answer). Seen once, with the machine loaded.
				if c != first+" true" && c != " true" {
					t.Fatalf("a reconnection not recovered: %v", conns)
				}
			}
		})
	}
}

// TestRecoveryWindow: cut, the Go client that reconnects within the
// server's MaxDisconnectionDuration is recovered (same id, the event sent
// meanwhile replayed); one that reconnects after it is a new socket.
func TestRecoveryWindow(t *testing.T) {
	cases := []struct {
		name   string
		window time.Duration
		delay  time.Duration // the client's reconnection delay
		want   bool
	}{
		{"within", 10 * time.Second, 5 * time.Millisecond, true},
		// Back after the server has seen the disconnection and the window
		// has run out. A polling cut between two polls is seen by the
		// heartbeat only (100 ms + 300 ms here): until then the socket is
		// connected, and a client back that soon takes it over (recovered).
		{"past", 200 * time.Millisecond, time.Second, false},
	}
	forModes(t, func(t *testing.T, md mode) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				gone := make(chan struct{}, 1)
				opts := &socketio.Options{ConnectionStateRecovery: &socketio.ConnectionStateRecovery{MaxDisconnectionDuration: tc.window}}
				if !tc.want {
					opts.Engine = socketio.EngineOptions{PingInterval: 100 * time.Millisecond, PingTimeout: 300 * time.Millisecond}
				}
				srv := newServer(t, opts,
					func(s *socketio.Server) {
						s.OnConnection(func(s *socketio.Socket) {
							s.OnDisconnect(func(string) { gone <- struct{}{} })
						})
					})
				copts := &client.Options{ReconnectionDelay: tc.delay, ReconnectionDelayMax: tc.delay, RandomizationFactor: 0.01}
				m, up := newManager(t, srv.url, md, copts)
				closes := make(chan string, 4)
				m.OnClose(func(r string, _ error) { closes <- r })
				events := make(chan int, 8)
				connects := make(chan string, 4)
				s := m.Socket("/", nil)
				s.On("n", func(n int) { events <- n })
				s.OnConnect(func() { connects <- fmt.Sprint(s.ID(), " ", s.Recovered()) })
				connect(t, s, md, up)
				first := recv(t, connects, "the connection")
				if err := srv.srv.Emit("n", 1); err != nil {
					t.Fatal(err)
				}
				recv(t, events, "event 1") // the client holds an offset
				cut(t, srv, closes)
				recv(t, gone, "the server-side disconnect")
				if err := srv.srv.Emit("n", 2); err != nil { // while away
					t.Fatal(err)
				}
				second := recv(t, connects, "the reconnection")
				id := strings.Fields(first)[0]
				if !tc.want {
					if strings.HasPrefix(second, id) || strings.HasSuffix(second, "true") {
						t.Fatalf("reconnected past the window as %q (was %q), want a new socket", second, first)
					}
					return
				}
				if second != id+" true" {
					t.Fatalf("reconnected as %q, want %q", second, id+" true")
				}
				if n := recv(t, events, "the missed event"); n != 2 {
					t.Fatalf("replayed %d, want 2", n)
				}
			})
		}
	})
}
