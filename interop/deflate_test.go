package interop

// permessage-deflate with the official clients in Node: engine.io-client
// and socket.io-client use the ws library, which offers the extension by
// default and compresses from 1024 bytes up. The clients talk to the Go
// server through a framespy proxy, which records the 101 response's
// Sec-WebSocket-Extensions and counts the compressed (RSV1) frames each
// way, so the tests see on the wire what was compressed, not only that the
// messages arrived intact. The browser's side is in deflate_browser_test.go.

import (
	"sync/atomic"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/deflatestat"
	"github.com/gosio/socketio/internal/framespy"
	"github.com/gosio/socketio/session"
)

// deflateAnswer is what the server answers to every acceptable offer.
const deflateAnswer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"

// startSpyProxy starts a framespy proxy to addr, closed when the test ends.
func startSpyProxy(t *testing.T, addr string) *framespy.Proxy {
	t.Helper()
	p, err := framespy.StartProxy(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// checkNegotiated checks the handshakes the proxy saw: upgrades WebSocket
// upgrades, each answered with deflateAnswer (none on polling).
func checkNegotiated(t *testing.T, c framespy.Counts, mode string, upgrades int) {
	t.Helper()
	if mode == "polling" {
		upgrades = 0
	}
	if c.Upgrades != upgrades {
		t.Fatalf("%d WebSocket upgrades through the proxy, want %d", c.Upgrades, upgrades)
	}
	for i, e := range c.Extensions {
		if e != deflateAnswer {
			t.Errorf("upgrade %d answered Sec-WebSocket-Extensions %q, want %q", i, e, deflateAnswer)
		}
	}
}

// TestDeflateEngineIO: eio/deflate.js echoes 10 small text messages and
// 10 large text and binary ones. On the WebSocket exactly the 20 large
// messages are compressed each way, and they cross the wire in a fraction
// of their size.
func TestDeflateEngineIO(t *testing.T) {
	env := requireNode(t)
	const small, large = 10, 10
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			opts := defaultOpts()
			opts.PerMessageDeflate = &session.Deflate{} // threshold 1024
			es := startEchoServer(t, serverConfig{opts: opts})
			p := startSpyProxy(t, es.ts.Listener.Addr().String())
			res := env.runScenario(t, "deflate.js", "http://"+p.Addr(), modeArg(mode), "--small=10", "--large=10")
			checkClientSide(t, res, mode, opts)
			if got := res.num("echoed"); got != small+2*large+1 { // and EchoTracker's sentinel
				t.Errorf("echoed %v messages, want %d", got, small+2*large+1)
			}
			es.waitAllClosed(t, 10*time.Second)
			es.checkCloses(t, mode, session.ReasonTransportClose)
			c := p.Counts()
			checkNegotiated(t, c, mode, 1)
			t.Logf("wire: %+v", c)
			if mode == "polling" {
				if ext := res.str("extensions"); ext != "" {
					t.Errorf("ws extensions %q on polling", ext)
				}
				return
			}
			if ext := res.str("extensions"); ext != "permessage-deflate" {
				t.Errorf("the client's ws negotiated %q, want permessage-deflate", ext)
			}
			if c.ServerCompressed != 2*large || c.ClientCompressed != 2*large {
				t.Errorf("compressed frames: %d from the server, %d from the client; want %d each way (the large messages only)",
					c.ServerCompressed, c.ClientCompressed, 2*large)
			}
			if plain := c.ServerFrames - c.ServerCompressed; plain < small {
				t.Errorf("%d uncompressed frames from the server, want the %d small echoes at least", plain, small)
			}
			// What the echoes weigh uncompressed: 201-byte small ones,
			// 4001-byte text and 3000-byte binary large ones.
			plain := int64(small*201 + large*(4001+3000))
			t.Logf("echoes: %d payload bytes on the wire (pings and the sentinel included) for %d uncompressed (%.0f%%)",
				c.ServerPayloadBytes, plain, 100*float64(c.ServerPayloadBytes)/float64(plain))
			if c.ServerPayloadBytes > plain/3 {
				t.Errorf("the server sent %d payload bytes for %d of echoes: the large ones were not compressed much", c.ServerPayloadBytes, plain)
			}
		})
	}
}

// TestDeflateSocketIO: sio/deflate.js on three connections. Acks and the
// server's own emits of a 4 KB record are compressed per socket,
// compress(false) ones and small ones are not, and a broadcast to the
// three is compressed once and sent compressed to each.
func TestDeflateSocketIO(t *testing.T) {
	env := requireSIO(t)
	for _, mode := range sioModes {
		t.Run(mode, func(t *testing.T) {
			var big atomic.Value
			h := newSIOServer(t, mode, func(o *socketio.Options) { o.Engine.PerMessageDeflate = &socketio.Deflate{} })
			srv := h.srv
			srv.OnConnection(func(s *socketio.Socket) {
				h.track(s)
				s.On("echo", func(v any, ack socketio.AckFunc) {
					if m, ok := v.(map[string]any); ok {
						big.Store(m)
					}
					_ = ack(v)
				})
				s.On("own", func(ack socketio.AckFunc) {
					b := big.Load()
					_ = s.Emit("own", b)
					_ = s.Compress(false).Emit("own-plain", b)
					_ = s.Emit("own-small", "x")
					_ = ack()
				})
				s.On("broadcast", func(ack socketio.AckFunc) {
					b := big.Load()
					_ = srv.Emit("news", b)
					_ = srv.Of("/").Compress(false).Emit("news-plain", b)
					_ = ack()
				})
			})
			p := startSpyProxy(t, h.ts.Listener.Addr().String())
			before := deflatestat.Compressions.Load()
			res := env.start(t, "deflate.js", "http://"+p.Addr(), mode).result()
			compressions := deflatestat.Compressions.Load() - before
			h.checkDiscs(h.waitDiscs(3, 10*time.Second), socketio.ReasonTransportClose, true)
			c := p.Counts()
			checkNegotiated(t, c, mode, 3)
			t.Logf("wire: %+v; %d compressions", c, compressions)
			exts, _ := res["extensions"].([]any)
			for i, e := range exts {
				want := "permessage-deflate"
				if mode == "polling" {
					want = ""
				}
				if e != want {
					t.Errorf("connection %d: the client's ws negotiated %q, want %q", i, e, want)
				}
			}
			if mode == "polling" {
				if compressions != 0 || c.ServerCompressed != 0 {
					t.Errorf("polling: %d compressions, %d compressed frames", compressions, c.ServerCompressed)
				}
				return
			}
			// Per connection: the large ack and the large own emit; the
			// broadcast once for the three.
			if compressions != 3*2+1 {
				t.Errorf("%d compressions on the server, want 7 (two per connection, one for the broadcast)", compressions)
			}
			if c.ServerCompressed != 3*3 || c.ClientCompressed != 3 {
				t.Errorf("compressed frames: %d from the server, %d from the clients; want 9 and 3", c.ServerCompressed, c.ClientCompressed)
			}
		})
	}
}

// TestDeflateClientV2: socket.io-client 2.5 in Node (Engine.IO 3: its ws
// offers the extension too) against AllowEIO3 with every message
// compressed (a negative Threshold: the scenarios' messages are small),
// v3 frames included: the basic and rooms scenarios of v2/scenario.js
// pass, and every data frame from the server is compressed.
func TestDeflateClientV2(t *testing.T) {
	env := requireV2(t)
	conns := map[string]int{"basic": 1, "rooms": 3}
	for _, scenario := range []string{"basic", "rooms"} {
		for _, mode := range []string{"websocket", "upgrade"} {
			t.Run(scenario+"/"+mode, func(t *testing.T) {
				opts := session.Options{PerMessageDeflate: &session.Deflate{Threshold: -1}}
				if mode == "websocket" {
					opts.Transports = []string{"websocket"}
				}
				var wire v2Wire
				ts := newV2Server(t, opts, &wire)
				p := startSpyProxy(t, ts.Listener.Addr().String())
				res := env.runScenario(t, "scenario.js", "http://"+p.Addr(), "--transport="+mode, "--scenario="+scenario)
				if res.str("scenario") != scenario {
					t.Fatalf("result %v", res)
				}
				c := p.Counts()
				t.Logf("wire: %+v", c)
				checkNegotiated(t, c, mode, conns[scenario])
				if c.ServerFrames == 0 || c.ServerCompressed != c.ServerFrames {
					t.Errorf("%d of %d data frames from the server compressed, want all", c.ServerCompressed, c.ServerFrames)
				}
			})
		}
	}
}
