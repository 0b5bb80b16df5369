package interop

// What chi_example's chat page shows, in headless Chromium
// (browser/chat-page.mjs): the connection state and the send controls
// that follow it, a refusal that stops the client and says why, and the
// layout at phone width. The server is the built chi_example, as in
// TestBrowserChat.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
)

// brPageState is the page's state as chatpage.mjs state() reads it.
type brPageState struct {
	State          string `json:"state"`
	Label          string `json:"label"`
	Notice         string `json:"notice"`
	Me             string `json:"me"`
	InputDisabled  bool   `json:"inputDisabled"`
	SendDisabled   bool   `json:"sendDisabled"`
	EngineRequests int    `json:"engineRequests"`
}

// brChatPage runs browser/chat-page.mjs <scenario> <url>: for every
// {"step":...} line it prints, onStep runs and the script is told to go
// on; the last line, the result, is decoded into res.
func brChatPage(t *testing.T, scenario, pageURL string, onStep func(step string, line []byte), res any) {
	t.Helper()
	node, dir := findNode(t, "playwright-core")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "browser", "chat-page.mjs"), scenario, pageURL,
		"--chromium="+chromiumPath(), "--timeout=120000")
	cmd.Dir = dir
	cmd.WaitDelay = 10 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		lines = append(lines, line)
		var s struct {
			Step string `json:"step"`
		}
		if json.Unmarshal([]byte(line), &s) == nil && s.Step != "" {
			onStep(s.Step, []byte(line))
			if _, err := fmt.Fprintln(stdin, "continue"); err != nil {
				t.Errorf("writing to the script: %v", err)
			}
		}
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("node browser/chat-page.mjs %s: %v\n--- stderr ---\n%s\n--- stdout ---\n%s",
			scenario, err, stderr.String(), strings.Join(lines, "\n"))
	}
	if len(lines) == 0 {
		t.Fatal("the script printed nothing")
	}
	last := lines[len(lines)-1]
	if err := json.Unmarshal([]byte(last), res); err != nil {
		t.Fatalf("last line is not the result (%v): %s", err, last)
	}
	t.Logf("chat-page %s: %s", scenario, last)
}

// TestBrowserChatOffline: the page shows its connection state, and its
// input and send button are disabled whenever it is not connected: before
// its first handshake is answered ("connecting"), after the server stops
// ("reconnecting": the client retries), and enabled again once the
// server is back on the same address and the page has reconnected (a
// line sent then arrives).
func TestBrowserChatOffline(t *testing.T) {
	root := brRequire(t)
	chatURL, stop := brStartChat(t, root)
	addr := strings.TrimSuffix(strings.TrimPrefix(chatURL, "http://"), "/")
	restarted := func() {}
	var res struct {
		Before, Connected, Offline, Back brPageState
		Errors                           []string
	}
	brChatPage(t, "offline", chatURL, func(step string, _ []byte) {
		switch step {
		case "connected":
			stop()
		case "offline":
			_, restarted = brStartChat(t, root, "-addr", addr) // the last -addr wins
		}
	}, &res)
	restarted()

	disabled := func(s brPageState) bool { return s.InputDisabled && s.SendDisabled }
	if res.Before.State != "connecting" || res.Before.Label != "connecting…" || !disabled(res.Before) {
		t.Errorf("before the handshake is answered: %+v, want connecting with input and send disabled", res.Before)
	}
	for name, s := range map[string]brPageState{"connected": res.Connected, "back": res.Back} {
		if s.State != "connected" || s.Label != "connected" || s.InputDisabled || s.SendDisabled || !strings.HasPrefix(s.Me, "you are guest-") {
			t.Errorf("%s: %+v, want connected with input and send enabled and the page's name", name, s)
		}
	}
	if res.Offline.State != "reconnecting" || res.Offline.Label != "reconnecting…" || !disabled(res.Offline) {
		t.Errorf("after the server stopped: %+v, want reconnecting with input and send disabled", res.Offline)
	}
	if len(res.Errors) != 0 {
		t.Errorf("page errors: %q", res.Errors)
	}
}

// brCountingProxy is a reverse proxy in front of the chat that counts
// the Engine.IO requests the browser makes and, among them, the
// handshakes (no sid), and the Socket.IO 0.6 requests (the others under
// /socket.io/ but its scripts); with a refuse status it refuses every
// Engine.IO request with it through socketio.Authenticate, as HTTP-level
// auth in front of the server does for a bad token (401) or a forbidden
// client (403).
type brCountingProxy struct {
	*httptest.Server
	requests, handshakes, legacy atomic.Int64
}

func newBRCountingProxy(t *testing.T, chatURL string, refuse int) *brCountingProxy {
	t.Helper()
	target, err := url.Parse(chatURL)
	if err != nil {
		t.Fatal(err)
	}
	transport := &http.Transport{}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host // the page's origin: the chat checks it is the same
		},
		Transport: transport,
	}
	var engine http.Handler = proxy
	if refuse != 0 {
		engine = socketio.Authenticate(func(*http.Request) (any, error) {
			return nil, &socketio.AuthError{Status: refuse, Message: "invalid token"}
		})(proxy)
	}
	p := &brCountingProxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/socket.io/" || !r.URL.Query().Has("EIO") {
			if strings.HasPrefix(r.URL.Path, "/socket.io/") && !strings.HasSuffix(r.URL.Path, ".js") {
				p.legacy.Add(1)
			}
			proxy.ServeHTTP(w, r)
			return
		}
		p.requests.Add(1)
		if !r.URL.Query().Has("sid") {
			p.handshakes.Add(1)
		}
		engine.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		p.Close()
		transport.CloseIdleConnections()
	})
	return p
}

// TestBrowserChatRefused: chi_example -token s3cret. A page with the
// wrong token (or none) is refused, shows why, disables sending and makes
// no further connection attempt: the proxy in front of the server sees
// one handshake and no other for 5 s (socket.io-client's first
// reconnection would come within 0.5 to 1.5 s, the next ones within 3
// s). Refused by namespace middleware (the chat's ConnectError), the page
// shows the server's message and hint; refused at the HTTP level (401 or
// 403 from Authenticate in the proxy), only the status, which is all the
// client is given. The right token connects, on both pages. The 0.6
// page, whose client cannot present a token (the chat does not serve it
// with -token), gives up after its connect timeout and shows it could
// not connect, with no request after that.
func TestBrowserChatRefused(t *testing.T) {
	root := brRequire(t)
	chatURL, stop := brStartChat(t, root, "-token", "s3cret")
	defer stop()
	const quiet = 5 * time.Second
	const refused, retry = "The server refused the connection: ", ". Reload the page to try again."
	cases := []struct {
		name       string
		path       string // the page and its query
		refuse     int    // the status the proxy refuses Engine.IO requests with; 0: none
		wantState  string
		wantNotice string
	}{
		{"namespace", "?token=wrong", 0, "refused", refused + "invalid token (add ?token=... to the page URL)" + retry},
		{"namespace-no-token", "", 0, "refused", refused + "invalid token (add ?token=... to the page URL)" + retry},
		// socket.io-client 2.x is given the error's data only (as by Node).
		{"v2-namespace", "v2?token=wrong", 0, "refused", refused + "add ?token=... to the page URL" + retry},
		// The proxy refuses every token: the page can only tell the status.
		{"http-401", "?token=s3cret", 401, "refused", refused + "not authorised (HTTP 401)" + retry},
		{"http-403", "?token=s3cret", 403, "refused", refused + "forbidden (HTTP 403)" + retry},
		{"v2-http-401", "v2?token=s3cret", 401, "refused", refused + "not authorised (HTTP 401)" + retry},
		{"right-token", "?token=s3cret", 0, "connected", ""},
		{"v2-right-token", "v2?token=s3cret", 0, "connected", ""},
		{"legacy", "legacy?transport=xhr-polling", 0, "disconnected", "Could not connect to the server."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			proxy := newBRCountingProxy(t, chatURL, tc.refuse)
			// What a new attempt would add to: a handshake, or for the 0.6
			// client any request.
			attempts := &proxy.handshakes
			if strings.HasPrefix(tc.path, "legacy") {
				attempts = &proxy.legacy
			}
			var atSettle int64
			var res struct {
				Settled, After brPageState
				Errors         []string
			}
			brChatPage(t, "refused", proxy.URL+"/"+tc.path, func(step string, _ []byte) {
				atSettle = attempts.Load()
				if tc.wantState == "connected" {
					return
				}
				// Cross-process: the browser's next attempt, if any, would
				// reach the proxy within the quiet period.
				deadline := time.Now().Add(quiet)
				for time.Now().Before(deadline) && attempts.Load() == atSettle {
					time.Sleep(50 * time.Millisecond)
				}
			}, &res)
			s := res.Settled
			if s.State != tc.wantState || s.Notice != tc.wantNotice {
				t.Errorf("page shows %q with notice %q, want %q with %q", s.State, s.Notice, tc.wantState, tc.wantNotice)
			}
			if s.InputDisabled != (tc.wantState != "connected") || s.SendDisabled != (tc.wantState != "connected") {
				t.Errorf("input disabled %v, send disabled %v in state %q", s.InputDisabled, s.SendDisabled, s.State)
			}
			got := attempts.Load()
			if tc.wantState != "disconnected" && (got != 1 || atSettle != 1) {
				t.Errorf("handshakes through the proxy: %d when the page settled, %d later; want 1 (%d Engine.IO requests)",
					atSettle, got, proxy.requests.Load())
			}
			if tc.wantState == "disconnected" && (got != atSettle || got == 0) {
				t.Errorf("0.6 requests through the proxy: %d when the page settled, %d after %v; want the same, and some", atSettle, got, quiet)
			}
			if tc.wantState != "connected" && (res.After.State != tc.wantState || res.After.EngineRequests != s.EngineRequests) {
				t.Errorf("after %v: %+v (settled with %d Engine.IO requests), want %q still, with no new request",
					quiet, res.After, s.EngineRequests, tc.wantState)
			}
			if len(res.Errors) != 0 {
				t.Errorf("page errors: %q", res.Errors)
			}
		})
	}
}

// TestBrowserChatPhoneWidth: at 360 CSS pixels (mobile emulation, so the
// page's meta viewport applies), two pages chat with a 300-character word
// and a long URL: neither page scrolls sideways (scrollWidth <=
// innerWidth, and the log has no horizontal overflow), every line, the
// header and the send button fit within the width.
func TestBrowserChatPhoneWidth(t *testing.T) {
	root := brRequire(t)
	chatURL, stop := brStartChat(t, root)
	defer stop()
	var res struct {
		Pages []struct {
			InnerWidth      float64 `json:"innerWidth"`
			ScrollWidth     float64 `json:"scrollWidth"`
			BodyScrollWidth float64 `json:"bodyScrollWidth"`
			LogScrollWidth  float64 `json:"logScrollWidth"`
			LogClientWidth  float64 `json:"logClientWidth"`
			LinesRight      float64 `json:"linesRight"`
			HeaderRight     float64 `json:"headerRight"`
			SendRight       float64 `json:"sendRight"`
			Lines           int     `json:"lines"`
		}
		Errors []string
	}
	brChatPage(t, "phone", chatURL, func(string, []byte) {}, &res)
	if len(res.Pages) != 2 {
		t.Fatalf("measured %d pages, want 2", len(res.Pages))
	}
	for i, p := range res.Pages {
		if p.InnerWidth != 360 {
			t.Errorf("page %d: innerWidth %v, want 360 (the meta viewport)", i, p.InnerWidth)
		}
		if p.ScrollWidth > p.InnerWidth || p.BodyScrollWidth > p.InnerWidth {
			t.Errorf("page %d scrolls sideways: scrollWidth %v (body %v) > innerWidth %v", i, p.ScrollWidth, p.BodyScrollWidth, p.InnerWidth)
		}
		if p.LogScrollWidth > p.LogClientWidth {
			t.Errorf("page %d: the log overflows sideways: scrollWidth %v > clientWidth %v", i, p.LogScrollWidth, p.LogClientWidth)
		}
		for what, right := range map[string]float64{"a line": p.LinesRight, "the header": p.HeaderRight, "the send button": p.SendRight} {
			if right > p.InnerWidth {
				t.Errorf("page %d: %s ends at %v, past the width %v", i, what, right, p.InnerWidth)
			}
		}
		if p.Lines < 3 { // its own join (and the first page's, on the first page), the two lines
			t.Errorf("page %d shows %d log lines, want at least 3", i, p.Lines)
		}
	}
	if len(res.Errors) != 0 {
		t.Errorf("page errors: %q", res.Errors)
	}
}
