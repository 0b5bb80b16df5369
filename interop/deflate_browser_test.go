package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/deflatestat"
	"github.com/gosio/socketio/session"
)

// TestBrowserDeflate: socket.io-client 4's browser bundle in headless
// Chromium, whose WebSocket offers permessage-deflate ("permessage-deflate;
// client_max_window_bits"), against the Go server with PerMessageDeflate,
// over websocket and over an upgrade (browser/deflate.html,
// browser/deflate.mjs). Everything goes through a framespy proxy, which
// shows that Chromium got the extension and that the large messages
// crossed the wire compressed both ways; the events are compared exactly
// by the page. The handlers are those of TestDeflateSocketIO, with one
// connection: per mode the server compresses the large ack, the large own
// emit and the broadcast.
func TestBrowserDeflate(t *testing.T) {
	brRequire(t)
	node, dir := findNode(t, "playwright-core", "socket.io-client")
	bundle := filepath.Join(dir, "node_modules", "socket.io-client", "dist", "socket.io.min.js")
	page := filepath.Join(dir, "browser", "deflate.html")
	for _, f := range []string{bundle, page} {
		if _, err := os.Stat(f); err != nil {
			t.Fatal(err)
		}
	}
	var big atomic.Value
	srv := socketio.NewServer(&socketio.Options{Engine: socketio.EngineOptions{PerMessageDeflate: &session.Deflate{}}})
	srv.OnConnection(func(s *socketio.Socket) {
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
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	mux.HandleFunc("/socket.io.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, bundle) })
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, page) })
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		shutdownServer(t, srv)
		closeTestServer(t, ts)
	})
	p := startSpyProxy(t, ts.Listener.Addr().String())

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	before := deflatestat.Compressions.Load()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "browser", "deflate.mjs"), "http://"+p.Addr(),
		"--chromium="+chromiumPath(), "--timeout=120000")
	cmd.Dir = dir
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node browser/deflate.mjs: %v\n--- stderr ---\n%s\n--- stdout ---\n%s", err, stderr.String(), stdout.String())
	}
	compressions := deflatestat.Compressions.Load() - before
	t.Logf("browser/deflate.mjs: %s", bytes.TrimSpace(stdout.Bytes()))
	var res struct {
		Browser string
		Results map[string]struct {
			Transport string
			Upgraded  bool
		}
		Errors []string
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &res); err != nil {
		t.Fatalf("result %q: %v", stdout.String(), err)
	}
	for _, mode := range []string{"websocket", "upgrade"} {
		if r := res.Results[mode]; r.Transport != "websocket" || r.Upgraded != (mode == "upgrade") {
			t.Errorf("%s: %+v", mode, r)
		}
	}
	if len(res.Errors) > 0 {
		t.Errorf("page errors: %q", res.Errors)
	}
	c := p.Counts()
	t.Logf("wire: %+v; %d compressions", c, compressions)
	// Chromium opened one WebSocket per mode and accepted the extension.
	checkNegotiated(t, c, "websocket", 2)
	// Per mode: the large ack, the large own emit, the broadcast.
	if compressions != 2*3 {
		t.Errorf("%d compressions on the server, want 6", compressions)
	}
	if c.ServerCompressed != 2*3 {
		t.Errorf("%d compressed frames from the server, want 6", c.ServerCompressed)
	}
	// Chromium compresses what it sends once the extension is on; its
	// large emits at least.
	if c.ClientCompressed < 2 {
		t.Errorf("%d compressed frames from Chromium, want 2 or more", c.ClientCompressed)
	}
}
