package interop

// The Socket.IO 0.6 browser client (socket.io@0.6.18 from npm, installed
// by `npm ci --prefix interop/legacy06`) in headless Chromium against the
// Go server with Options.Legacy06, over websocket, xhr-polling and
// jsonp-polling (each forced with the client's transports option), in one
// room with socket.io-client@4 (browser/legacy06.mjs).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/legacy"
)

const page06 = `<!doctype html>
<html><head><meta charset="utf-8"><script src="/legacy06/socket.io.js"></script></head>
<body><script>
window.received = [];
var t = new URLSearchParams(location.search).get("transport");
window.socket06 = new io.Socket(null, {transports: [t], rememberTransport: false, connectTimeout: 15000});
window.socket06.on("message", function (m) { window.received.push(m); });
window.socket06.connect();
</script></body></html>`

func TestBrowserLegacy06(t *testing.T) {
	brRequire(t)
	node, dir := findNode(t, "playwright-core", "socket.io-client")
	clientJS := filepath.Join(dir, "legacy06", "node_modules", "socket.io-legacy", "support", "socket.io-client", "socket.io.js")
	if _, err := os.Stat(clientJS); err != nil {
		t.Fatalf("the 0.6 client is missing (%v): run `npm ci --prefix interop/legacy06` from the repository root (make deps does this)", err)
	}

	srv := socketio.NewServer(&socketio.Options{Legacy06: &legacy.Options{}})
	srv.OnConnection(func(s *socketio.Socket) {
		s.Join("room")
		s.On("message", func(v any) {
			if str, ok := v.(string); ok && s.LegacyConn() != nil {
				_ = s.Send("echo: " + str)
			}
			_ = s.To("room").Emit("message", map[string]any{"from": s.ID(), "text": v})
		})
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", srv)
	mux.HandleFunc("/legacy06/socket.io.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, clientJS) })
	mux.HandleFunc("/page06", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page06))
	})
	ts := httptest.NewServer(mux)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		ts.Close()
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	transports := []string{legacy.WebSocket, legacy.XHRPolling, legacy.JSONPPolling}
	args := append([]string{filepath.Join(dir, "browser", "legacy06.mjs"), ts.URL}, transports...)
	args = append(args, "--chromium="+chromiumPath())
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node browser/legacy06.mjs: %v\n--- stderr ---\n%s\n--- stdout ---\n%s", err, stderr.String(), stdout.String())
	}
	sc := bufio.NewScanner(strings.NewReader(stdout.String()))
	seen := map[string]bool{}
	for sc.Scan() {
		var r struct {
			Transport, SID, RelayedFrom, ModernID string
			OK                                    bool
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		if !r.OK || r.SID == "" || r.RelayedFrom == "" || r.RelayedFrom == r.ModernID {
			t.Errorf("%s: %+v", r.Transport, r)
		}
		seen[r.Transport] = true
		t.Logf("0.6 client over %s: session %s, socket %s, with v5 socket %s", r.Transport, r.SID, r.RelayedFrom, r.ModernID)
	}
	for _, tr := range transports {
		if !seen[tr] {
			t.Errorf("no result for %s", tr)
		}
	}
}
