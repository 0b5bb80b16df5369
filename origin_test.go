package socketio_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
)

// tkOriginServer serves an echo server behind CORS and CheckOrigin with
// policy p, under /socket.io/.
func tkOriginServer(t *testing.T, p socketio.OriginPolicy) (base string) {
	t.Helper()
	e := tkNewEcho(t, nil)
	m := http.NewServeMux()
	m.Handle("/socket.io/", socketio.Chain(e.IO, socketio.CORS(p), socketio.CheckOrigin(p)))
	return tkServe(t, m).URL + "/socket.io/"
}

// tkWantRefused checks a 403 with the Engine.IO JSON error body.
func tkWantRefused(t *testing.T, what string, r *eiotest.Response) {
	t.Helper()
	if r == nil {
		t.Fatalf("%s: no HTTP response", what)
	}
	if r.Status != http.StatusForbidden {
		t.Fatalf("%s: %s, want 403", what, r)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q, want application/json", what, ct)
	}
	body, err := r.JSONError()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if body.Code != 4 || body.Message != "Origin not allowed" {
		t.Errorf("%s: body %s, want {\"code\":4,\"message\":\"Origin not allowed\"}", what, r.Body)
	}
}

// tkHandshakes tries a polling handshake and a WebSocket handshake with
// the given Origin ("" for none) and
// checks both are allowed or both refused.
func tkHandshakes(t *testing.T, base, origin string, allowed bool) {
	t.Helper()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	r := tkDo(t, http.MethodGet, eiotest.URL(base, "polling", ""), h, "")
	if allowed {
		if r.Status != http.StatusOK || !strings.HasPrefix(string(r.Body), "0{") {
			t.Errorf("polling handshake with Origin %q: %s, want 200 and an open packet", origin, r)
		}
		tkLeave(t, base, r, h)
	} else {
		tkWantRefused(t, "polling handshake with Origin "+origin, r)
	}

	ctx, cancel := context.WithTimeout(context.Background(), tkTimeout)
	defer cancel()
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, eiotest.WebSocketURL(base, ""), h)
	if allowed {
		if err != nil {
			t.Errorf("websocket handshake with Origin %q: %v", origin, err)
			return
		}
		ws := &eiotest.WebSocket{Conn: conn}
		p, err := ws.Read(tkTimeout)
		if err != nil || p.Type != eiotest.Open {
			t.Errorf("websocket with Origin %q: first packet %q, %v; want an open packet", origin, p, err)
		}
		_ = ws.CloseWith(websocket.CloseNormalClosure)
		return
	}
	if err == nil {
		conn.Close()
		t.Fatalf("websocket handshake with Origin %q was accepted", origin)
	}
	if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil {
		t.Fatalf("websocket handshake with Origin %q: %v, want a refused handshake", origin, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	tkWantRefused(t, "websocket handshake with Origin "+origin,
		&eiotest.Response{Status: resp.StatusCode, Header: resp.Header, Body: body})
}

func TestCheckOrigin(t *testing.T) {
	exact := socketio.OriginPolicy{AllowedOrigins: []string{"https://app.example.com"}}
	wildcard := socketio.OriginPolicy{AllowedOrigins: []string{"https://*.example.com"}}
	any := socketio.OriginPolicy{AllowedOrigins: []string{"*"}}
	var (
		mu        sync.Mutex
		funcCalls []string
	)
	byFunc := socketio.OriginPolicy{
		AllowedOrigins: []string{"https://app.example.com"},
		AllowOriginFunc: func(origin string, r *http.Request) bool {
			mu.Lock()
			funcCalls = append(funcCalls, origin)
			mu.Unlock()
			return r != nil && strings.HasSuffix(origin, ".partner.test")
		},
	}
	tests := []struct {
		name    string
		policy  socketio.OriginPolicy
		origin  string // HOST is replaced by the server's host:port
		allowed bool
	}{
		{"zero/no-origin", socketio.OriginPolicy{}, "", true},
		{"zero/same-origin", socketio.OriginPolicy{}, "http://HOST", true},
		{"zero/foreign", socketio.OriginPolicy{}, "https://evil.test", false},
		{"zero/null", socketio.OriginPolicy{}, "null", false},
		{"zero/same-host-userinfo-trick", socketio.OriginPolicy{}, "http://evil.test@HOST", false},
		{"zero/same-host-path", socketio.OriginPolicy{}, "http://HOST/x", false},
		{"zero/same-host-other-port", socketio.OriginPolicy{}, "http://127.0.0.1:1", false},
		{"exact/listed", exact, "https://app.example.com", true},
		{"exact/case", exact, "https://APP.example.com", true},
		{"exact/other-scheme", exact, "http://app.example.com", false},
		{"exact/other-port", exact, "https://app.example.com:8443", false},
		{"exact/sibling", exact, "https://api.example.com", false},
		{"exact/same-origin-still-allowed", exact, "http://HOST", true},
		{"exact/no-origin", exact, "", true},
		{"wildcard/sub", wildcard, "https://a.example.com", true},
		{"wildcard/deep", wildcard, "https://a.b.example.com", true},
		{"wildcard/apex", wildcard, "https://example.com", false},
		{"wildcard/scheme", wildcard, "http://a.example.com", false},
		{"wildcard/suffix-trick", wildcard, "https://evilexample.com", false},
		{"wildcard/prefix-trick", wildcard, "https://a.example.com.evil.test", false},
		{"wildcard/path-trick", wildcard, "https://evil.test/.example.com", false},
		{"wildcard/userinfo-trick", wildcard, "https://evil.test@a.example.com", false},
		{"star/anything", any, "https://whatever.test", true},
		{"func/allowed", byFunc, "https://x.partner.test", true},
		{"func/refused", byFunc, "https://x.other.test", false},
		{"func/list-first", byFunc, "https://app.example.com", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tkOriginServer(t, tt.policy)
			host := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/socket.io/")
			origin := strings.ReplaceAll(tt.origin, "HOST", host)
			tkHandshakes(t, base, origin, tt.allowed)
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if len(funcCalls) == 0 {
		t.Error("AllowOriginFunc was never called")
	}
	for _, o := range funcCalls {
		if o == "https://app.example.com" {
			t.Error("AllowOriginFunc was called for an origin AllowedOrigins allows")
		}
	}
}

// TestCheckOriginEveryRequest checks that the origin is checked on every
// request of a session, not only the handshake: a foreign page cannot
// post into, poll or upgrade a session whose id it learnt.
func TestCheckOriginEveryRequest(t *testing.T) {
	base := tkOriginServer(t, socketio.OriginPolicy{})
	c, _ := tkConnect(t, base, eiotest.ModePolling)
	foreign := http.Header{"Origin": {"https://evil.test"}}
	post := tkDo(t, http.MethodPost, eiotest.URL(base, "polling", c.EIO.SID()), foreign, `42["echo","x"]`)
	tkWantRefused(t, "POST into a session", post)
	get := tkDo(t, http.MethodGet, eiotest.URL(base, "polling", c.EIO.SID()), foreign, "")
	tkWantRefused(t, "GET of a session", get)
	// Nor upgrade it to a WebSocket of its own.
	ctx, cancel := context.WithTimeout(context.Background(), tkTimeout)
	defer cancel()
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, eiotest.WebSocketURL(base, c.EIO.SID()), foreign)
	if err == nil {
		conn.Close()
		t.Fatal("upgrade from a foreign origin accepted")
	}
	if resp == nil {
		t.Fatalf("upgrade from a foreign origin: %v, want an HTTP refusal", err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	tkWantRefused(t, "upgrade of a session", &eiotest.Response{Status: resp.StatusCode, Header: resp.Header, Body: body})
	// The session itself is untouched, and upgrades from its own origin.
	tkRoundTrip(t, c, "still on polling")
	if err := c.EIO.Upgrade(ctx, nil); err != nil {
		t.Fatalf("upgrade without Origin: %v", err)
	}
	tkRoundTrip(t, c, "still here")
}

func TestCORS(t *testing.T) {
	const allowed = "https://app.example.com"
	tests := []struct {
		name        string
		policy      socketio.OriginPolicy
		method      string
		target      func(base string) string
		header      http.Header
		status      int
		acao        string // Access-Control-Allow-Origin; "" = absent
		credentials bool
		check       func(t *testing.T, r *eiotest.Response)
	}{
		{
			name:   "handshake",
			policy: socketio.OriginPolicy{AllowedOrigins: []string{allowed}},
			method: http.MethodGet, target: func(b string) string { return eiotest.URL(b, "polling", "") },
			header: http.Header{"Origin": {allowed}},
			status: http.StatusOK, acao: allowed,
		},
		{
			name:   "handshake-credentials",
			policy: socketio.OriginPolicy{AllowedOrigins: []string{allowed}, AllowCredentials: true},
			method: http.MethodGet, target: func(b string) string { return eiotest.URL(b, "polling", "") },
			header: http.Header{"Origin": {allowed}},
			status: http.StatusOK, acao: allowed, credentials: true,
		},
		{
			name:   "unknown-sid-error",
			policy: socketio.OriginPolicy{AllowedOrigins: []string{allowed}},
			method: http.MethodGet, target: func(b string) string { return eiotest.URL(b, "polling", "nosuchsession") },
			header: http.Header{"Origin": {allowed}},
			status: http.StatusBadRequest, acao: allowed,
			check: func(t *testing.T, r *eiotest.Response) {
				body, err := r.JSONError()
				if err != nil || body.Code != 1 || body.Message != "Session ID unknown" {
					t.Errorf("body %s (%v), want code 1 Session ID unknown", r.Body, err)
				}
			},
		},
		{
			name:   "bad-transport-error",
			policy: socketio.OriginPolicy{AllowedOrigins: []string{"https://*.example.com"}},
			method: http.MethodGet, target: func(b string) string { return b + "?EIO=4&transport=carrier-pigeon" },
			header: http.Header{"Origin": {"https://x.example.com"}},
			status: http.StatusBadRequest, acao: "https://x.example.com",
		},
		{
			name:   "func-allowed",
			policy: socketio.OriginPolicy{AllowOriginFunc: func(o string, _ *http.Request) bool { return o == "https://f.test" }},
			method: http.MethodGet, target: func(b string) string { return eiotest.URL(b, "polling", "") },
			header: http.Header{"Origin": {"https://f.test"}},
			status: http.StatusOK, acao: "https://f.test",
		},
		{
			name:   "preflight",
			policy: socketio.OriginPolicy{AllowedOrigins: []string{allowed}},
			method: http.MethodOptions, target: func(b string) string { return eiotest.URL(b, "polling", "abc") },
			header: http.Header{
				"Origin":                         {allowed},
				"Access-Control-Request-Method":  {"POST"},
				"Access-Control-Request-Headers": {"content-type"},
			},
			status: http.StatusNoContent, acao: allowed,
			check: func(t *testing.T, r *eiotest.Response) {
				if m := r.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") {
					t.Errorf("Access-Control-Allow-Methods %q, want POST", m)
				}
				if h := strings.ToLower(r.Header.Get("Access-Control-Allow-Headers")); !strings.Contains(h, "content-type") {
					t.Errorf("Access-Control-Allow-Headers %q, want content-type", h)
				}
			},
		},
		{
			name:   "preflight-authorization",
			policy: socketio.OriginPolicy{AllowedOrigins: []string{allowed}},
			method: http.MethodOptions, target: func(b string) string { return eiotest.URL(b, "polling", "") },
			header: http.Header{
				"Origin":                         {allowed},
				"Access-Control-Request-Method":  {"GET"},
				"Access-Control-Request-Headers": {"authorization"},
			},
			status: http.StatusNoContent, acao: allowed,
		},
		{
			name:   "preflight-foreign",
			policy: socketio.OriginPolicy{AllowedOrigins: []string{allowed}},
			method: http.MethodOptions, target: func(b string) string { return eiotest.URL(b, "polling", "") },
			header: http.Header{"Origin": {"https://evil.test"}, "Access-Control-Request-Method": {"POST"}},
			status: http.StatusNoContent, acao: "",
		},
		{
			name:   "foreign-refused-without-cors",
			policy: socketio.OriginPolicy{AllowedOrigins: []string{allowed}},
			method: http.MethodGet, target: func(b string) string { return eiotest.URL(b, "polling", "") },
			header: http.Header{"Origin": {"https://evil.test"}},
			status: http.StatusForbidden, acao: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tkOriginServer(t, tt.policy)
			r := tkDo(t, tt.method, tt.target(base), tt.header, "")
			if r.Status != tt.status {
				t.Fatalf("%s: %s, want %d", tt.method, r, tt.status)
			}
			if tt.method == http.MethodGet {
				tkLeave(t, base, r, tt.header)
			}
			if got := r.Header.Get("Access-Control-Allow-Origin"); got != tt.acao {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tt.acao)
			}
			if tt.acao != "" && !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Origin") {
				t.Errorf("Vary %q, want Origin in it", r.Header.Values("Vary"))
			}
			if got := r.Header.Get("Access-Control-Allow-Credentials") == "true"; got != tt.credentials {
				t.Errorf("Access-Control-Allow-Credentials %v, want %v", got, tt.credentials)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}
