package session_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// Group 1: the handshake, every refusal, and the Options that shape them.

func TestHandshake(t *testing.T) {
	tests := []struct {
		name string
		opts *session.Options
		want eiotest.Handshake // SID is not compared
	}{
		{"defaults", nil, eiotest.Handshake{PingInterval: 25000, PingTimeout: 20000, MaxPayload: 1_000_000}},
		{"options", &session.Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond, MaxPayload: 12345},
			eiotest.Handshake{PingInterval: 300, PingTimeout: 200, MaxPayload: 12345}},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/polling", func(t *testing.T) {
			e := newEnv(t, envConfig{opts: tt.opts})
			resp := e.do(t, http.MethodGet, "?EIO=4&transport=polling", nil, nil)
			if resp.Status != http.StatusOK {
				t.Fatalf("handshake: %s", resp)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
				t.Errorf("Content-Type %q, want text/plain; charset=UTF-8", ct)
			}
			pkts, err := eiotest.DecodePayload(resp.Body)
			if err != nil || len(pkts) != 1 {
				t.Fatalf("handshake body %q: %v packets, err %v; want one open packet", resp.Body, len(pkts), err)
			}
			h, err := eiotest.ParseOpen(pkts[0])
			if err != nil {
				t.Fatal(err)
			}
			checkHandshake(t, h, tt.want, []string{"websocket"})
			ss := e.session(t, h.SID)
			if got := ss.Transport(); got != "polling" {
				t.Errorf("Transport() = %q, want polling", got)
			}
			if n := e.srv.Count(); n != 1 {
				t.Errorf("Count() = %d, want 1", n)
			}
			if r := ss.Request(); r == nil || r.URL.Query().Get("EIO") != "4" {
				t.Errorf("Request() = %v, want the handshake request", r)
			} else if err := r.Context().Err(); err != nil {
				t.Errorf("Request().Context() is done (%v) after the handshake request ended", err)
			}
		})
		t.Run(tt.name+"/websocket", func(t *testing.T) {
			e := newEnv(t, envConfig{opts: tt.opts})
			checkHandshakeWS(t, e, tt.want)
		})
	}
}

func checkHandshake(t *testing.T, h, want eiotest.Handshake, upgrades []string) {
	t.Helper()
	if len(h.SID) != 20 || strings.Trim(h.SID, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		t.Errorf("sid %q: want 20 URL-safe base64 characters", h.SID)
	}
	if !slices.Equal(h.Upgrades, upgrades) {
		t.Errorf("upgrades %q, want %q", h.Upgrades, upgrades)
	}
	if h.PingInterval != want.PingInterval || h.PingTimeout != want.PingTimeout || h.MaxPayload != want.MaxPayload {
		t.Errorf("pingInterval/pingTimeout/maxPayload = %d/%d/%d, want %d/%d/%d",
			h.PingInterval, h.PingTimeout, h.MaxPayload, want.PingInterval, want.PingTimeout, want.MaxPayload)
	}
}

// checkHandshakeWS opens a WebSocket session and checks its first frame is
// a text frame holding the open packet, with no upgrades.
func checkHandshakeWS(t *testing.T, e *env, want eiotest.Handshake) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, _, err := eiotest.DialWebSocket(ctx, e.dialer(), e.base, "")
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Conn.Close()
	_ = ws.Conn.SetReadDeadline(time.Now().Add(wait))
	typ, data, err := ws.Conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if typ != websocket.TextMessage {
		t.Fatalf("first frame is of type %d, want a text frame", typ)
	}
	p, err := eiotest.DecodePacket(data)
	if err != nil {
		t.Fatal(err)
	}
	h, err := eiotest.ParseOpen(p)
	if err != nil {
		t.Fatal(err)
	}
	checkHandshake(t, h, want, []string{})
	if ss := e.session(t, h.SID); ss.Transport() != "websocket" {
		t.Errorf("Transport() = %q, want websocket", ss.Transport())
	}
}

// TestHandshakeErrors covers every refusal of a request without a live
// session, and of malformed requests for a live one.
func TestHandshakeErrors(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		query   string // "{sid}" is replaced by a live session's id
		body    string
		header  http.Header
		status  int
		code    int
		message string
	}{
		{"no transport", "GET", "?EIO=4", "", nil, 400, session.CodeUnknownTransport, "Transport unknown"},
		{"unknown transport", "GET", "?EIO=4&transport=flashsocket", "", nil, 400, session.CodeUnknownTransport, "Transport unknown"},
		{"unknown transport with sid", "GET", "?EIO=4&transport=jsonp&sid={sid}", "", nil, 400, session.CodeUnknownTransport, "Transport unknown"},
		{"unknown transport before version", "GET", "?EIO=3&transport=nope", "", nil, 400, session.CodeUnknownTransport, "Transport unknown"},
		{"unknown sid GET", "GET", "?EIO=4&transport=polling&sid=nope", "", nil, 400, session.CodeUnknownSID, "Session ID unknown"},
		{"unknown sid POST", "POST", "?EIO=4&transport=polling&sid=nope", "4hi", nil, 400, session.CodeUnknownSID, "Session ID unknown"},
		{"unknown sid websocket", "GET", "?EIO=4&transport=websocket&sid=nope", "", nil, 400, session.CodeUnknownSID, "Session ID unknown"},
		{"handshake POST", "POST", "?EIO=4&transport=polling", "4hi", nil, 400, session.CodeBadHandshakeMethod, "Bad handshake method"},
		{"handshake PUT", "PUT", "?EIO=4&transport=polling", "", nil, 400, session.CodeBadHandshakeMethod, "Bad handshake method"},
		{"no EIO", "GET", "?transport=polling", "", nil, 400, session.CodeUnsupportedVersion, "Unsupported protocol version"},
		{"EIO=3", "GET", "?EIO=3&transport=polling", "", nil, 400, session.CodeUnsupportedVersion, "Unsupported protocol version"},
		{"EIO=5", "GET", "?EIO=5&transport=polling", "", nil, 400, session.CodeUnsupportedVersion, "Unsupported protocol version"},
		{"EIO empty", "GET", "?EIO=&transport=websocket", "", nil, 400, session.CodeUnsupportedVersion, "Unsupported protocol version"},
		{"websocket handshake without upgrade", "GET", "?EIO=4&transport=websocket", "", nil, 400, session.CodeBadRequest, "Bad request"},
		{"websocket with sid without upgrade", "GET", "?EIO=4&transport=websocket&sid={sid}", "", nil, 400, session.CodeBadRequest, "Bad request"},
		{"PUT with sid", "PUT", "?EIO=4&transport=polling&sid={sid}", "4x", nil, 400, session.CodeBadRequest, "Bad request"},
		{"DELETE with sid", "DELETE", "?EIO=4&transport=polling&sid={sid}", "", nil, 400, session.CodeBadRequest, "Bad request"},
	}
	e := newEnv(t, envConfig{})
	c := e.dial(t, eiotest.ModePolling)
	live := e.session(t, c.SID())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			query := strings.ReplaceAll(tt.query, "{sid}", url.QueryEscape(c.SID()))
			resp := e.do(t, tt.method, query, body, tt.header)
			expectJSONError(t, resp, tt.status, tt.code, tt.message)
			if n := e.srv.Count(); n != 1 {
				t.Errorf("Count() = %d after a refused request, want 1 (the live session only)", n)
			}
		})
	}
	// None of the refusals touched the live session.
	if !live.isOpen() {
		t.Fatalf("live session closed: %q %v", live.reason, live.err)
	}
	roundTrip(t, c, "still alive")
}

// TestWebSocketHandshakeRefused dials real WebSocket handshakes that must
// be refused with a JSON error before the upgrade.
func TestWebSocketHandshakeRefused(t *testing.T) {
	tests := []struct {
		name   string
		opts   *session.Options
		query  string
		status int
		code   int
	}{
		{"unknown sid", nil, "?EIO=4&transport=websocket&sid=nope", 400, session.CodeUnknownSID},
		{"no EIO", nil, "?transport=websocket", 400, session.CodeUnsupportedVersion},
		{"EIO=3", nil, "?EIO=3&transport=websocket", 400, session.CodeUnsupportedVersion},
		{"websocket disabled", &session.Options{Transports: []string{"polling"}}, "?EIO=4&transport=websocket", 400, session.CodeUnknownTransport},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envConfig{opts: tt.opts})
			u := strings.Replace(e.base, "http", "ws", 1) + tt.query
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			conn, resp, err := e.dialer().DialContext(ctx, u, nil)
			if err == nil {
				conn.Close()
				t.Fatal("WebSocket handshake accepted, want refused")
			}
			if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil {
				t.Fatalf("dial: %v, want a bad handshake with an HTTP response", err)
			}
			r := readResponse(t, resp)
			expectJSONError(t, r, tt.status, tt.code, "")
			if n := e.srv.Count(); n != 0 {
				t.Errorf("Count() = %d, want 0", n)
			}
		})
	}
}

func readResponse(t *testing.T, resp *http.Response) *eiotest.Response {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &eiotest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func TestOptionsTransports(t *testing.T) {
	t.Run("websocket only", func(t *testing.T) {
		e := newEnv(t, envConfig{opts: &session.Options{Transports: []string{"websocket"}}})
		expectJSONError(t, e.do(t, "GET", "?EIO=4&transport=polling", nil, nil), 400, session.CodeUnknownTransport, "Transport unknown")
		checkHandshakeWS(t, e, eiotest.Handshake{PingInterval: 25000, PingTimeout: 20000, MaxPayload: 1_000_000})
		c := e.dial(t, eiotest.ModeWebSocket)
		roundTrip(t, c, "hello")
		// Polling with the sid of a live WebSocket session: the transport
		// check comes first.
		expectJSONError(t, e.do(t, "GET", "?EIO=4&transport=polling&sid="+c.SID(), nil, nil), 400, session.CodeUnknownTransport, "")
	})
	t.Run("polling only", func(t *testing.T) {
		e := newEnv(t, envConfig{opts: &session.Options{Transports: []string{"polling"}}})
		c := e.dial(t, eiotest.ModePolling)
		if u := c.Handshake().Upgrades; len(u) != 0 {
			t.Errorf("upgrades %q, want none when websocket is not allowed", u)
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_, resp, err := eiotest.DialWebSocket(ctx, e.dialer(), e.base, c.SID())
		if err == nil {
			t.Fatal("upgrade WebSocket accepted with Transports [polling]")
		}
		expectJSONError(t, resp, 400, session.CodeUnknownTransport, "")
		roundTrip(t, c, "still on polling")
		if got := e.session(t, c.SID()).Transport(); got != "polling" {
			t.Errorf("Transport() = %q", got)
		}
	})
	t.Run("unknown names ignored", func(t *testing.T) {
		e := newEnv(t, envConfig{opts: &session.Options{Transports: []string{"polling", "flashsocket"}}})
		expectJSONError(t, e.do(t, "GET", "?EIO=4&transport=flashsocket", nil, nil), 400, session.CodeUnknownTransport, "")
		roundTrip(t, e.dial(t, eiotest.ModePolling), "x")
	})
}

func TestOptionsDisableUpgrades(t *testing.T) {
	e := newEnv(t, envConfig{opts: &session.Options{DisableUpgrades: true}})
	c := e.dial(t, eiotest.ModePolling)
	if u := c.Handshake().Upgrades; u == nil || len(u) != 0 {
		t.Errorf("upgrades %q, want []", u)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, resp, err := eiotest.DialWebSocket(ctx, e.dialer(), e.base, c.SID())
	if err == nil {
		t.Fatal("upgrade accepted with DisableUpgrades")
	}
	expectJSONError(t, resp, 400, session.CodeBadRequest, "")
	ss := e.session(t, c.SID())
	if !ss.isOpen() || ss.Transport() != "polling" {
		t.Fatalf("refused upgrade affected the session: open=%v transport=%s", ss.isOpen(), ss.Transport())
	}
	roundTrip(t, c, "still on polling")
	// WebSocket sessions are still allowed.
	roundTrip(t, e.dial(t, eiotest.ModeWebSocket), "ws")
}

func TestOptionsAllowRequest(t *testing.T) {
	var calls atomic.Int32
	opts := &session.Options{AllowRequest: func(r *http.Request) error {
		calls.Add(1)
		if r.Header.Get("X-Deny") != "" || r.URL.Query().Get("deny") != "" {
			return errors.New("no entry for you")
		}
		return nil
	}}
	e := newEnv(t, envConfig{opts: opts})

	t.Run("polling refused", func(t *testing.T) {
		resp := e.do(t, "GET", "?EIO=4&transport=polling", nil, http.Header{"X-Deny": {"1"}})
		expectJSONError(t, resp, http.StatusForbidden, session.CodeForbidden, "no entry for you")
	})
	t.Run("websocket refused", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		u := strings.Replace(e.base, "http", "ws", 1) + "?EIO=4&transport=websocket&deny=1"
		conn, resp, err := e.dialer().DialContext(ctx, u, nil)
		if err == nil {
			conn.Close()
			t.Fatal("WebSocket handshake accepted")
		}
		expectJSONError(t, readResponse(t, resp), http.StatusForbidden, session.CodeForbidden, "no entry for you")
	})
	if n := e.srv.Count(); n != 0 {
		t.Fatalf("Count() = %d after refusals", n)
	}
	t.Run("allowed", func(t *testing.T) {
		before := calls.Load()
		for _, mode := range eiotest.Modes {
			c := e.dial(t, mode)
			roundTrip(t, c, "a")
			roundTrip(t, c, "b")
		}
		// One call per handshake: not for polls, posts or upgrades.
		if got := calls.Load() - before; got != 3 {
			t.Errorf("AllowRequest called %d times for 3 sessions, want 3", got)
		}
	})
}

func TestOptionsGenerateID(t *testing.T) {
	var n atomic.Int32
	var failNext, emptyNext, dupNext atomic.Bool
	opts := &session.Options{GenerateID: func(r *http.Request) (string, error) {
		if r.URL.Query().Get("EIO") != "4" {
			t.Errorf("GenerateID got request %v, want the handshake request", r.URL)
		}
		switch {
		case failNext.Swap(false):
			return "", errors.New("entropy exhausted")
		case emptyNext.Swap(false):
			return "", nil
		case dupNext.Swap(false):
			return "custom-1", nil
		}
		return "custom-" + string(rune('0'+n.Add(1))), nil
	}}
	e := newEnv(t, envConfig{opts: opts})
	c1 := e.dial(t, eiotest.ModePolling)
	c2 := e.dial(t, eiotest.ModeWebSocket)
	c3 := e.dial(t, eiotest.ModeUpgrade)
	for i, c := range []*eiotest.Client{c1, c2, c3} {
		want := "custom-" + string(rune('1'+i))
		if c.SID() != want {
			t.Errorf("sid %q, want %q", c.SID(), want)
		}
		if e.srv.Session(want) == nil {
			t.Errorf("Server.Session(%q) = nil", want)
		}
		roundTrip(t, c, "hi")
	}
	t.Run("error", func(t *testing.T) {
		failNext.Store(true)
		expectJSONError(t, e.do(t, "GET", "?EIO=4&transport=polling", nil, nil), 400, session.CodeBadRequest, "Bad request")
	})
	t.Run("empty", func(t *testing.T) {
		emptyNext.Store(true)
		expectJSONError(t, e.do(t, "GET", "?EIO=4&transport=polling", nil, nil), 400, session.CodeBadRequest, "Bad request")
	})
	t.Run("duplicate", func(t *testing.T) {
		// A broken generator returning a live id: the handshake is refused
		// and the live session is untouched.
		dupNext.Store(true)
		resp := e.do(t, "GET", "?EIO=4&transport=polling", nil, nil)
		if resp.Status == http.StatusOK {
			t.Fatalf("handshake with a duplicate id accepted: %s", resp)
		}
		if _, err := resp.JSONError(); err != nil {
			t.Error(err)
		}
		t.Logf("duplicate id refused with %s", resp)
		roundTrip(t, c1, "unaffected")
	})
	if got := e.srv.Count(); got != 3 {
		t.Errorf("Count() = %d, want 3", got)
	}
}
