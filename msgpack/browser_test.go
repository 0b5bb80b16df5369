package msgpack_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromiumPath is where the Debian package puts Chromium (.ci/run
// installs it); BROWSER_TEST_CHROMIUM overrides it.
func chromiumPath() string {
	if p := os.Getenv("BROWSER_TEST_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// TestInteropBrowser loads socket.io.msgpack.min.js, the browser bundle of
// socket.io-client 4.8.4 with socket.io-msgpack-parser built in, in
// headless Chromium (node/browser.mjs, node/browser/), over polling,
// websocket and upgrade: connect with auth, a greeting with an
// ArrayBuffer, an emit with ack carrying ArrayBuffers both ways, a Date,
// and an ack the server waits for in its handler.
func TestInteropBrowser(t *testing.T) {
	node, dir := nodeDir(t, "socket.io-client", "playwright-core")
	if _, err := os.Stat(chromiumPath()); err != nil {
		t.Fatalf("Chromium is missing (%v): install it with `apt-get update && apt-get install -y chromium`, or set BROWSER_TEST_CHROMIUM", err)
	}
	files := map[string]string{
		"/{$}":                      filepath.Join(dir, "browser", "index.html"),
		"/page.js":                  filepath.Join(dir, "browser", "page.js"),
		"/socket.io.msgpack.min.js": filepath.Join(dir, "node_modules", "socket.io-client", "dist", "socket.io.msgpack.min.js"),
	}
	_, base := newServerWith(t, true, func(mux *http.ServeMux) {
		for path, file := range files {
			mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
				http.ServeFile(w, r, file)
			})
		}
	})
	res := runNode(t, node, dir, 3*time.Minute, "browser.mjs", strings.TrimSuffix(base, "/socket.io/"),
		"--chromium="+chromiumPath(), "--timeout=150000")
	results, _ := res["results"].(map[string]any)
	for _, mode := range []string{"polling", "websocket", "upgrade"} {
		r, _ := results[mode].(map[string]any)
		if r["ok"] != true {
			t.Fatalf("%s: %v", mode, r)
		}
		wire, _ := r["wire"].(map[string]any)
		ws, _ := wire["wsBinaryFrames"].(float64)
		polled, _ := wire["pollBinaryPackets"].(float64)
		switch mode {
		case "polling":
			if polled == 0 || ws != 0 {
				t.Errorf("polling: %v, want binary packets in polling payloads only", wire)
			}
		case "websocket":
			if ws == 0 {
				t.Errorf("websocket: %v, want binary frames", wire)
			}
		case "upgrade":
			if ws == 0 || r["transport"] != "websocket" {
				t.Errorf("upgrade: %v on %v, want binary frames after the upgrade", wire, r["transport"])
			}
		}
	}
	if errs, _ := res["errors"].([]any); len(errs) != 0 {
		t.Errorf("page errors: %v", errs)
	}
}
