package interop

import (
	"fmt"
	"strings"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/faultproxy"
)

// TestSocketIORecoveryUnderFaults: socket.io-client@4 with connection
// state recovery, connected through a proxy that kills its connections at
// random points (server→client bytes cut mid-frame, mid-poll, during the
// upgrade), while the server broadcasts numbered events. Every
// reconnection within the window must be recovered, with no event lost,
// doubled or reordered.
func TestSocketIORecoveryUnderFaults(t *testing.T) {
	env := requireSIO(t)
	const count = 3000
	for i, mode := range append(sioModes, "upgrade-cut") {
		t.Run(mode, func(t *testing.T) {
			variant := mode
			if mode == "upgrade-cut" {
				mode = "upgrade"
			}
			h := newSIOServer(t, mode, func(o *socketio.Options) {
				o.ConnectionStateRecovery = &socketio.ConnectionStateRecovery{}
			})
			// A WebSocket is one long connection; the client's polling
			// requests each open one of their own (a few hundred bytes):
			// one in five is cut somewhere in its first 2 KiB.
			budget := faultproxy.Options{MinBytes: 2 << 10, MaxBytes: 24 << 10, Seed: uint64(i + 1)}
			switch variant {
			case "upgrade-cut":
				// Two in five connections cut in their first 400
				// bytes: polls, and WebSockets in their 101 response or
				// their probe (the client then stays on polling for
				// that connection).
				budget.MinBytes, budget.MaxBytes, budget.KillRatio = 100, 400, 0.4
			case "polling":
				budget.MinBytes, budget.MaxBytes, budget.KillRatio = 100, 2<<10, 0.2
			}
			proxy, err := faultproxy.Start(strings.TrimPrefix(h.url, "http://"), budget)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(proxy.Close)
			p := env.start(t, "recovery.js", "http://"+proxy.Addr(), mode, fmt.Sprintf("--count=%d", count))
			p.waitLine("ready", 20*time.Second)
			// Paced so that the connections die all along the run.
			tick := time.NewTicker(500 * time.Microsecond)
			for n := range count {
				<-tick.C
				if err := h.srv.Emit("n", n); err != nil {
					t.Fatal(err)
				}
			}
			tick.Stop()
			kills := proxy.Kills()
			proxy.SetKilling(false) // let the client's final close through
			res := p.result()
			t.Logf("%s: %d connections killed; result %v", mode, kills, res)
			if res.num("received") != count || res.num("dups") != 0 || res.num("disorder") != 0 || res.num("missingCount") != 0 {
				t.Errorf("received %v of %d events, %v duplicated, %v out of order, %v missing (first: %v)",
					res["received"], count, res["dups"], res["disorder"], res["missingCount"], res["missing"])
			}
			connects := res.num("connects")
			if kills < 3 || connects < 2 {
				t.Errorf("only %d kills and %v connections: the run did not exercise recovery", kills, connects)
			}
			if res.num("recovered") != connects-1 || res.num("ids") != 1 {
				t.Errorf("%v of %v reconnections recovered, %v socket ids (want every reconnection recovered, one id)",
					res["recovered"], connects-1, res["ids"])
			}
		})
	}
}

// TestChatRecovery: chi_example -recover: a chat client whose connection
// drops comes back with its id and the messages it missed.
func TestChatRecovery(t *testing.T) {
	root := brRequire(t)
	env := requireSIO(t)
	url, stop := brStartChat(t, root, "-recover", "1m")
	defer stop()
	res := env.start(t, "chat-recover.js", url, "websocket").result()
	if res["recovered"] != true || res["sameId"] != true {
		t.Fatalf("after the drop (%v): recovered %v, same id %v", res["reason"], res["recovered"], res["sameId"])
	}
}

// TestSocketIORecoveryExpires: the official client that comes back
// within MaxDisconnectionDuration is recovered; past it, it connects as a
// new socket (recovered false, a new id).
func TestSocketIORecoveryExpires(t *testing.T) {
	env := requireSIO(t)
	cases := []struct {
		name   string
		window time.Duration
		away   string
		want   bool
	}{
		{"within", 10 * time.Second, "50", true},
		{"past", 300 * time.Millisecond, "800", false},
	}
	for _, mode := range sioModes {
		for _, tc := range cases {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				h := newSIOServer(t, mode, func(o *socketio.Options) {
					o.ConnectionStateRecovery = &socketio.ConnectionStateRecovery{MaxDisconnectionDuration: tc.window}
				})
				p := env.start(t, "recovery-expire.js", h.url, mode, "--away="+tc.away)
				p.waitLine("ready", 20*time.Second)
				if err := h.srv.Emit("n", 1); err != nil {
					t.Fatal(err)
				}
				res := p.result()
				sameID := res.str("id2") == res.str("id1")
				if res["recovered"] != tc.want || sameID != tc.want || res.str("id2") == "" {
					t.Fatalf("away %s ms with a window of %v (left with %q): recovered %v, ids %v then %v; want recovered=%v",
						tc.away, tc.window, res["reason"], res["recovered"], res["id1"], res["id2"], tc.want)
				}
			})
		}
	}
}
