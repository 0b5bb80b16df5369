package client

import (
	"context"
	"sync"
	"testing"

	"github.com/gosio/socketio/codec"
)

// discard is a transport that writes nowhere.
type discard struct{}

func (discard) name() string                                { return "discard" }
func (discard) write(context.Context, []codec.Packet) error { return nil }

// openOnNothing returns a Manager whose open connection is an engine on a
// discard transport, with sockets for "/" and "/chat" waiting for their
// CONNECT reply (one of them with a recovery pid), handlers registered and
// acks awaited: everything the server's packets can reach.
func openOnNothing(t testing.TB) (*Manager, *engine) {
	m, err := NewManager("http://127.0.0.1:1", &Options{DisableReconnection: true, MaxPendingEvents: 8})
	if err != nil {
		t.Fatal(err)
	}
	e := &engine{cfg: &m.cfg, gor: &m.gor, quit: make(chan struct{}), tr: discard{},
		hs: handshake{SID: "x", PingInterval: 60_000, PingTimeout: 60_000, MaxPayload: 1000}}
	e.cond = sync.NewCond(&e.mu)
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.hooks = engineHooks{message: m.onEngineMessage, close: m.onEngineClose, ping: m.onEnginePing, upgraded: m.onEngineUpgrade}
	m.mu.Lock()
	m.state, m.engine = managerOpen, e
	m.decoder = m.parser.NewDecoder(codec.DecoderLimits{})
	m.mu.Unlock()
	for i, nsp := range []string{"/", "/chat"} {
		s := m.Socket(nsp, nil)
		s.On("e", func(a int, b string, rest codec.Args, ack AckFunc) {
			if ack != nil {
				_ = ack(a, b, []byte{1})
			}
		})
		s.On("bin", func(b []byte, m map[string]any) {})
		s.OnAny(func(string, codec.Args) {})
		s.OnError(func(error) {})
		_ = s.Emit("x", func(err error, v string, b []byte) {}) // ack id 0, buffered
		s.mu.Lock()
		s.active, s.connectOn = true, e
		if i == 1 {
			s.pid, s.offset = "p", "o"
		}
		s.mu.Unlock()
	}
	return m, e
}

// FuzzInbound feeds a polling payload from the server through the whole
// receiving path: Engine.IO packets, the Socket.IO decoder, the sockets'
// handling of CONNECT replies, CONNECT_ERROR, events (offsets, acks,
// attachments), ACKs and DISCONNECT, and the handlers' argument decoding.
// Nothing may panic, and everything must end when the Manager closes.
func FuzzInbound(f *testing.F) {
	for _, s := range []string{
		"40{\"sid\":\"a\"}\x1e42[\"e\",1,\"two\"]",
		"40/chat,{\"sid\":\"b\",\"pid\":\"p\"}\x1e42/chat,[\"e\",1,\"o1\"]\x1e42/chat,5[\"e\",2,\"x\"]",
		"42/chat,[\"e\",1,\"o1\"]\x1e40/chat,{\"sid\":\"b\",\"pid\":\"p\"}",
		"40{\"sid\":\"a\"}\x1e451-[\"bin\",{\"_placeholder\":true,\"num\":0},{}]\x1ebAQID",
		"40{\"sid\":\"a\"}\x1e430[\"v\",{\"_placeholder\":true,\"num\":0}]",
		"40{\"sid\":\"a\"}\x1e461-0[\"v\",{\"_placeholder\":true,\"num\":0}]\x1ebAA==",
		"44{\"message\":\"no\",\"data\":{\"a\":[1]}}\x1e44/chat,\"no\"",
		"40{\"sid\":\"a\"}\x1e41\x1e42[\"e\"]",
		"40{}\x1e40[]\x1e2\x1e3\x1e6\x1e5\x1e0{}",
		"40{\"sid\":\"a\"}\x1e42[\"e\",\"x\",1]\x1e42[\"e\",{},[],null]\x1e1",
		"42[\"e\",1]\x1e42[\"e\",2]\x1e42[\"e\",3]\x1e42[\"e\",4]\x1e42[\"e\",5]\x1e42[\"e\",6]\x1e42[\"e\",7]\x1e42[\"e\",8]\x1e42[\"e\",9]\x1e42[\"e\",10]",
		"4garbage",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		m, e := openOnNothing(t)
		_ = codec.DecodePayload(payload, func(p codec.Packet) error {
			if e.receive(p) {
				return errStop
			}
			return nil
		})
		_ = m.Close()
		m.dgor.Wait()
	})
}

// FuzzParseHandshake checks the open packet's decoding: no panic, and
// what it accepts is usable (a sid, heartbeat values whose sum is a valid
// duration).
func FuzzParseHandshake(f *testing.F) {
	f.Add([]byte(`{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`))
	f.Add([]byte(`{"sid":"","pingInterval":1,"pingTimeout":1}`))
	f.Add([]byte(`{"sid":"x","pingInterval":1e300,"pingTimeout":-1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		hs, err := parseHandshake(data)
		if err != nil {
			return
		}
		if hs.SID == "" || hs.PingInterval <= 0 || hs.PingTimeout <= 0 || hs.PingInterval+hs.PingTimeout > 2*maxHeartbeat || hs.MaxPayload < 0 {
			t.Fatalf("accepted %+v", hs)
		}
	})
}
