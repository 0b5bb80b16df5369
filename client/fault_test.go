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
				if c != first+" true" {
					t.Fatalf("a reconnection not recovered: %v", conns)
				}
			}
		})
	}
}
