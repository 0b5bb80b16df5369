package session_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// Engine.IO protocol 3 (Options.AllowEIO3): socket.io-client 2.x.

func v3Env(t *testing.T, opts *session.Options) *env {
	t.Helper()
	if opts == nil {
		opts = &session.Options{}
	}
	opts.AllowEIO3 = true
	return newEnv(t, envConfig{opts: opts})
}

func (e *env) v3Config(v3 eiotest.V3) eiotest.Config {
	cfg := e.clientConfig()
	cfg.V3 = &v3
	return cfg
}

// v3Framings are the client setups of socket.io-client 2.x: Node.js
// (b64: no binary in polling or WebSocket... only in polling, where its
// XHR has none), a browser with XHR2 (binary payloads and frames), and
// JSONP.
var v3Framings = []struct {
	name  string
	v3    eiotest.V3
	modes []eiotest.Mode
}{
	{"binary", eiotest.V3{}, eiotest.Modes},
	{"b64", eiotest.V3{B64: true}, eiotest.Modes},
	{"jsonp", eiotest.V3{JSONP: true, B64: true}, []eiotest.Mode{eiotest.ModePolling, eiotest.ModeUpgrade}},
}

func TestEIO3RefusedByDefault(t *testing.T) {
	e := newEnv(t, envConfig{})
	for _, q := range []string{"?EIO=3&transport=polling", "?transport=polling", "?EIO=5&transport=polling", "?EIO=3&transport=polling&j=0"} {
		expectJSONError(t, e.do(t, http.MethodGet, q, nil, nil), http.StatusBadRequest, session.CodeUnsupportedVersion, "Unsupported protocol version")
	}
}

func TestEIO3Handshake(t *testing.T) {
	e := v3Env(t, &session.Options{PingInterval: 3 * time.Second, PingTimeout: 2 * time.Second})
	resp := e.do(t, http.MethodGet, "?EIO=3&transport=polling&t=N8hyd6w", nil, nil)
	if resp.Status != http.StatusOK || resp.Header.Get("Content-Type") != "text/plain; charset=UTF-8" {
		t.Fatalf("handshake: %s", resp)
	}
	body := string(resp.Body)
	colon := strings.IndexByte(body, ':')
	if colon < 0 || body[:colon] != itoa(len(body)-colon-1) {
		t.Fatalf("handshake body %q: want <length>:<open packet> with the exact length", body)
	}
	var h map[string]any
	if body[colon+1] != '0' || json.Unmarshal([]byte(body[colon+2:]), &h) != nil {
		t.Fatalf("handshake body %q: want an open packet", body)
	}
	if len(h) != 4 || h["pingInterval"] != 3000.0 || h["pingTimeout"] != 2000.0 || len(h["sid"].(string)) != 20 {
		t.Errorf("open packet %v: want sid, upgrades, pingInterval 3000, pingTimeout 2000 and nothing else", h)
	}
	if up, _ := h["upgrades"].([]any); len(up) != 1 || up[0] != "websocket" {
		t.Errorf("upgrades %v, want [websocket]", h["upgrades"])
	}
	ss := e.session(t, h["sid"].(string))
	if ss.Protocol() != 3 {
		t.Errorf("Protocol() = %d, want 3", ss.Protocol())
	}

	// WebSocket from the start: the open packet is the first frame.
	ws, hs, err := eiotest.HandshakeWebSocketV3(context.Background(), e.dialer(), e.base, wait, &eiotest.V3{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Conn.Close()
	if len(hs.Upgrades) != 0 {
		t.Errorf("WebSocket handshake upgrades %v, want []", hs.Upgrades)
	}
}

func itoa(n int) string { return jsonNumber(n) }

func jsonNumber(n int) string { b, _ := json.Marshal(n); return string(b) }

// Echo over every mode and framing: text with characters outside the BMP
// (whose length counts two UTF-16 units), newlines and backslashes (JSONP
// escaping), and binary.
func TestEIO3Echo(t *testing.T) {
	e := v3Env(t, nil)
	texts := []string{"hello", "€ and 😀 and é", "line\nbreak \\n literal \\\\n \"quoted\" \u2028", strings.Repeat("ü", 3000)}
	for _, f := range v3Framings {
		for _, mode := range f.modes {
			t.Run(f.name+"/"+string(mode), func(t *testing.T) {
				c := e.dialWith(t, mode, e.v3Config(f.v3))
				if c.Handshake().MaxPayload != 0 {
					t.Errorf("v3 handshake with maxPayload %d", c.Handshake().MaxPayload)
				}
				for _, s := range texts {
					roundTrip(t, c, s)
				}
				// Several packets in one payload, binary among them.
				if err := c.Send(eiotest.Msg("a"), eiotest.Bin([]byte{1, 2, 0, 0xff}), eiotest.Msg("b😀")); err != nil {
					t.Fatal(err)
				}
				expect(t, c, "4a")
				if p := recv(t, c); !p.Binary || !bytes.Equal(p.Data, []byte{1, 2, 0, 0xff}) {
					t.Fatalf("got %q, want the binary echo", p)
				}
				expect(t, c, "4b😀")
				if err := c.Close(wait); err != nil {
					t.Fatal(err)
				}
				e.session(t, c.SID()).waitClosed(t, session.ReasonTransportClose)
			})
		}
	}
}

// The server's binary messages reach a polling client as a binary payload
// when it takes one, as base64 text otherwise (b64, JSONP): raw checks of
// the response bodies.
func TestEIO3PollingBinaryFraming(t *testing.T) {
	e := v3Env(t, nil)
	for _, tc := range []struct {
		v3       eiotest.V3
		query    string // the handshake's, to check the j digits
		wantType string
		want     string
	}{
		{eiotest.V3{}, "?EIO=3&transport=polling", "application/octet-stream", "\x01\x03\xff\x04\x09\x08\x00\x02\xff4x"},
		{eiotest.V3{B64: true}, "?EIO=3&transport=polling&b64=1", "text/plain; charset=UTF-8", "6:b4CQg=2:4x"},
		{eiotest.V3{B64: true, JSONP: true}, "?EIO=3&transport=polling&b64=1&j=7x", "text/plain; charset=UTF-8", `___eio[7]("6:b4CQg=2:4x");`},
	} {
		t.Run(tc.query, func(t *testing.T) {
			resp := e.do(t, http.MethodGet, tc.query, nil, nil)
			if resp.Status != http.StatusOK {
				t.Fatalf("handshake: %s", resp)
			}
			body := resp.Body
			if tc.v3.JSONP {
				if !bytes.HasPrefix(body, []byte(`___eio[7]("`)) {
					t.Fatalf("JSONP handshake %q, want ___eio[7](...)", body)
				}
				body = []byte(strings.Replace(string(body), "___eio[7]", "___eio[0]", 1))
				var err error
				if body, err = eiotest.DecodeJSONP(body); err != nil {
					t.Fatal(err)
				}
			}
			pkts, err := eiotest.DecodePayloadV3(body)
			if err != nil || len(pkts) != 1 {
				t.Fatalf("handshake payload %q: %v", body, err)
			}
			h, err := eiotest.ParseOpenV3(pkts[0])
			if err != nil {
				t.Fatal(err)
			}
			ss := e.session(t, h.SID)
			if err := ss.Send(codec.Packet{Type: codec.PacketMessage, Data: []byte{9, 8}, Binary: true}, codec.Packet{Type: codec.PacketMessage, Data: []byte("x")}); err != nil {
				t.Fatal(err)
			}
			r := e.do(t, http.MethodGet, tc.query+"&sid="+h.SID, nil, nil)
			if r.Status != http.StatusOK || r.Header.Get("Content-Type") != tc.wantType || string(r.Body) != tc.want {
				t.Fatalf("poll: %s, want %q of type %q", r, tc.want, tc.wantType)
			}
		})
	}
}

// v3 heartbeat: the client pings and the server answers; a client that
// stops pinging is dropped after PingInterval + PingTimeout; a pong from a
// v3 client is a protocol error.
func TestEIO3Heartbeat(t *testing.T) {
	// An 800 ms window pinged every 100 ms for a second: margins wide
	// enough for a loaded machine (a 300 ms window flaked under make test).
	e := v3Env(t, &session.Options{PingInterval: 400 * time.Millisecond, PingTimeout: 400 * time.Millisecond})
	for _, mode := range eiotest.Modes {
		t.Run(string(mode), func(t *testing.T) {
			c := e.dialWith(t, mode, e.v3Config(eiotest.V3{}))
			ss := e.session(t, c.SID())
			// Pinging every 100 ms keeps the session past its window.
			for i := int64(1); i <= 10; i++ {
				if err := c.Ping(); err != nil {
					t.Fatal(err)
				}
				if !c.WaitPings(i, wait) {
					t.Fatalf("no pong for ping %d", i)
				}
				time.Sleep(100 * time.Millisecond) // the client's ping interval, not synchronisation
			}
			if !ss.isOpen() {
				t.Fatalf("session closed (%q) although the client pinged", ss.reason)
			}
			start := time.Now()
			ss.waitClosed(t, session.ReasonPingTimeout)
			if d := time.Since(start); d < 400*time.Millisecond {
				t.Errorf("ping timeout after %v of silence, want at least PingInterval+PingTimeout-100ms", d)
			}
		})
	}
	t.Run("pong from the client", func(t *testing.T) {
		c := e.dialWith(t, eiotest.ModeWebSocket, e.v3Config(eiotest.V3{}))
		if err := c.Send(eiotest.Text(eiotest.Pong, "")); err != nil {
			t.Fatal(err)
		}
		e.session(t, c.SID()).waitClosed(t, session.ReasonTransportError)
	})
}

// A request of the other protocol on a session is refused, as the
// reference server refuses it (PROTOCOL_MISMATCH).
func TestEIO3ProtocolMismatch(t *testing.T) {
	e := v3Env(t, nil)
	c := e.dialWith(t, eiotest.ModePolling, e.v3Config(eiotest.V3{B64: true}))
	expectJSONError(t, e.do(t, http.MethodPost, "?EIO=4&transport=polling&sid="+c.SID(), []byte("4x"), nil),
		http.StatusBadRequest, session.CodeBadRequest, "")
	c4 := e.dial(t, eiotest.ModePolling)
	expectJSONError(t, e.do(t, http.MethodPost, "?EIO=3&transport=polling&sid="+c4.SID(), []byte("2:4x"), nil),
		http.StatusBadRequest, session.CodeBadRequest, "")
	roundTrip(t, c, "still here")
	roundTrip(t, c4, "still here")
}

// Bad v3 input: a clear refusal for that session, nothing else.
func TestEIO3BadInput(t *testing.T) {
	e := v3Env(t, &session.Options{MaxPayload: 1000})
	post := func(t *testing.T, v3 eiotest.V3, body []byte, ct string) (*eiotest.Response, *serverSession) {
		t.Helper()
		p, _, _, err := eiotest.HandshakePollingV3(context.Background(), e.httpClient(), e.base, &v3)
		if err != nil {
			t.Fatal(err)
		}
		r, err := eiotest.Do(context.Background(), e.httpClient(), http.MethodPost, p.URL(), bytes.NewReader(body), http.Header{"Content-Type": {ct}})
		if err != nil {
			t.Fatal(err)
		}
		return r, e.session(t, p.SID)
	}
	for _, tc := range []struct {
		name   string
		v3     eiotest.V3
		body   string
		ct     string
		status int
		reason string
	}{
		{"bad length", eiotest.V3{}, "x:4a", "text/plain", 400, session.ReasonParseError},
		{"truncated", eiotest.V3{}, "9:4a", "text/plain", 400, session.ReasonParseError},
		{"split surrogate", eiotest.V3{}, "2:4😀", "text/plain", 400, session.ReasonParseError},
		{"empty", eiotest.V3{}, "", "text/plain", 400, session.ReasonParseError},
		{"bad binary payload", eiotest.V3{}, "\x00\x0a\xff4", "application/octet-stream", 400, session.ReasonParseError},
		{"binary of type ping", eiotest.V3{}, "\x01\x02\xff\x02\x01", "application/octet-stream", 400, session.ReasonParseError},
		{"jsonp without d", eiotest.V3{JSONP: true}, "x=2:4a", "application/x-www-form-urlencoded", 400, session.ReasonParseError},
		{"too large", eiotest.V3{}, "1001:4" + strings.Repeat("a", 1000), "text/plain", 413, session.ReasonTransportError},
		{"too large jsonp", eiotest.V3{JSONP: true}, "d=" + strings.Repeat("a", 1000), "application/x-www-form-urlencoded", 413, session.ReasonTransportError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, ss := post(t, tc.v3, []byte(tc.body), tc.ct)
			if r.Status != tc.status {
				t.Fatalf("got %s, want %d", r, tc.status)
			}
			ss.waitClosed(t, tc.reason)
		})
	}
	t.Run("websocket binary frame of another type", func(t *testing.T) {
		ws, h, err := eiotest.HandshakeWebSocketV3(context.Background(), e.dialer(), e.base, wait, &eiotest.V3{})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Conn.Close()
		if err := ws.WriteFrame(websocket.BinaryMessage, []byte{2, 1}); err != nil {
			t.Fatal(err)
		}
		_, err = ws.Read(wait)
		if ce := expectClosed(t, err); ce.Code != websocket.CloseProtocolError {
			t.Errorf("close code %d, want 1002", ce.Code)
		}
		e.session(t, h.SID).waitClosed(t, session.ReasonParseError)
	})
	t.Run("websocket message too big", func(t *testing.T) {
		ws, h, err := eiotest.HandshakeWebSocketV3(context.Background(), e.dialer(), e.base, wait, &eiotest.V3{})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Conn.Close()
		if err := ws.Write(eiotest.Bin(make([]byte, 1000))); err != nil { // 1001 bytes with the type byte
			t.Fatal(err)
		}
		_, err = ws.Read(wait)
		if ce := expectClosed(t, err); ce.Code != websocket.CloseMessageTooBig {
			t.Errorf("close code %d, want 1009", ce.Code)
		}
		e.session(t, h.SID).waitClosed(t, session.ReasonTransportError)
	})
}

// PollingBodyTimeout bounds v3 bodies too, binary payloads included: a
// POST that declares a body and stalls gets 408 and closes its session.
func TestEIO3PollingBodyTimeout(t *testing.T) {
	e := v3Env(t, &session.Options{PollingBodyTimeout: 200 * time.Millisecond})
	for _, ct := range []string{"text/plain;charset=UTF-8", "application/octet-stream", "application/x-www-form-urlencoded"} {
		t.Run(ct, func(t *testing.T) {
			v3 := &eiotest.V3{JSONP: strings.HasPrefix(ct, "application/x-www"), B64: true}
			p, _, _, err := eiotest.HandshakePollingV3(context.Background(), e.httpClient(), e.base, v3)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(p.URL())
			conn, err := net.DialTimeout("tcp", u.Host, wait)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			req := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: 500\r\n\r\n\x00", u.RequestURI(), u.Host, ct)
			if _, err := conn.Write([]byte(req)); err != nil {
				t.Fatal(err)
			}
			_ = conn.SetReadDeadline(time.Now().Add(wait))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestTimeout {
				t.Fatalf("status %d, want 408", resp.StatusCode)
			}
			e.session(t, p.SID).waitClosed(t, session.ReasonTransportError)
		})
	}
}
