package session_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/framespy"
	"github.com/gosio/socketio/session"
)

// permessage-deflate seen from the session (Options.PerMessageDeflate):
// clients that offer it (gorilla's Dialer with EnableCompression) get it
// on the WebSocket they open at the handshake or to upgrade, in both
// protocols; what crossed the wire is counted by framespy.

// deflateEnv is an echo server with deflate on (threshold 200 bytes: the
// open packet is about 110).
func deflateEnv(t *testing.T, o session.Options) *env {
	t.Helper()
	o.PerMessageDeflate = &session.Deflate{Threshold: 200}
	return newEnv(t, envConfig{opts: &o})
}

// spyConfig is the env's client configuration, offering deflate and
// watched by spy.
func (e *env) spyConfig(spy *framespy.Spy) eiotest.Config {
	cfg := e.clientConfig()
	d := *cfg.Dialer
	d.EnableCompression = true
	d.NetDialContext = spy.DialContext
	cfg.Dialer = &d
	return cfg
}

// TestDeflateEcho: large messages both ways are compressed on the
// WebSocket, small ones are not, and polling is untouched.
func TestDeflateEcho(t *testing.T) {
	big := strings.Repeat("compressible ", 400)
	for _, tt := range []struct {
		name string
		v3   *eiotest.V3
	}{{"v4", nil}, {"v3", &eiotest.V3{}}, {"v3 b64", &eiotest.V3{B64: true}}} {
		for _, mode := range eiotest.Modes {
			t.Run(tt.name+"/"+string(mode), func(t *testing.T) {
				e := deflateEnv(t, session.Options{AllowEIO3: true})
				var spy framespy.Spy
				cfg := e.spyConfig(&spy)
				cfg.V3 = tt.v3
				c := e.dialWith(t, mode, cfg)
				roundTrip(t, c, big)
				roundTrip(t, c, "small")
				bin := bytes.Repeat([]byte{1, 2, 3, 4}, 500)
				if err := c.Send(eiotest.Bin(bin)); err != nil {
					t.Fatal(err)
				}
				if p := recv(t, c); !p.Equal(eiotest.Bin(bin)) {
					t.Fatalf("echo of %d binary bytes: %q", len(bin), p)
				}
				n := spy.Counts()
				if mode == eiotest.ModePolling {
					if n.Upgrades != 0 {
						t.Errorf("%d WebSocket upgrades on polling", n.Upgrades)
					}
					return
				}
				if n.Upgrades != 1 || !strings.HasPrefix(n.Extensions[0], "permessage-deflate") {
					t.Fatalf("upgrades %d, extensions %q", n.Upgrades, n.Extensions)
				}
				// The server compressed the two large echoes, not the
				// small one nor the open packet (v3 ping answers are small
				// too); gorilla compresses all it sends.
				if n.ServerCompressed != 2 {
					t.Errorf("%d compressed frames from the server, want 2 (%+v)", n.ServerCompressed, n)
				}
				if n.ClientCompressed == 0 {
					t.Errorf("no compressed frame from the client (%+v)", n)
				}
				if n.ServerPayloadBytes > int64(len(big)) {
					t.Errorf("the server sent %d payload bytes for a %d-byte echo among others", n.ServerPayloadBytes, len(big))
				}
			})
		}
	}
}

// TestDeflateOffByDefault: without the option, an offer is declined.
func TestDeflateOffByDefault(t *testing.T) {
	e := newEnv(t, envConfig{})
	var spy framespy.Spy
	c := e.dialWith(t, eiotest.ModeWebSocket, e.spyConfig(&spy))
	roundTrip(t, c, strings.Repeat("x", 5000))
	n := spy.Counts()
	if n.Upgrades != 1 || n.Extensions[0] != "" || n.ServerCompressed != 0 || n.ClientCompressed != 0 {
		t.Errorf("without PerMessageDeflate: %+v", n)
	}
}

// TestDeflateOptions: a negative threshold compresses every message; a
// level out of range panics in NewServer.
func TestDeflateOptions(t *testing.T) {
	e := newEnv(t, envConfig{opts: &session.Options{PerMessageDeflate: &session.Deflate{Threshold: -1, Level: 9}}})
	var spy framespy.Spy
	c := e.dialWith(t, eiotest.ModeWebSocket, e.spyConfig(&spy))
	roundTrip(t, c, "x")
	if n := spy.Counts(); n.ServerCompressed != 2 { // the open packet and the echo
		t.Errorf("threshold -1: %d compressed frames, want 2", n.ServerCompressed)
	}
	for _, level := range []int{-3, -1, 10} {
		func() {
			defer func() {
				if r := recover(); (r == nil) != (level == -1) {
					t.Errorf("Level %d: recovered %v", level, r)
				}
			}()
			session.NewServer(&session.Options{PerMessageDeflate: &session.Deflate{Level: level}})
		}()
	}
}
