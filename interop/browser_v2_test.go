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
	"testing"
	"time"

	"github.com/gosio/socketio/session"
)

// TestBrowserClientV2: socket.io-client 2.5's browser bundle
// (interop/v2/node_modules/socket.io-client/dist/socket.io.js) in headless
// Chromium, on a page served by this test with the server (AllowEIO3) on
// the same origin, over polling (XHR2: binary payloads), WebSocket, the
// upgrade and forced JSONP (browser/v2.html, browser/v2.mjs).
func TestBrowserClientV2(t *testing.T) {
	brRequire(t)
	env := requireV2(t)
	bundle := filepath.Join(env.dir, "v2", "node_modules", "socket.io-client", "dist", "socket.io.js")
	page := filepath.Join(env.dir, "browser", "v2.html")
	for _, f := range []string{bundle, page} {
		if _, err := os.Stat(f); err != nil {
			t.Fatal(err)
		}
	}
	sio := newV2Handler(t, session.Options{})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", sio)
	mux.HandleFunc("/socket.io.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, bundle) })
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, page) })
	ts := httptest.NewServer(mux)
	t.Cleanup(func() { closeTestServer(t, ts) })

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.node, filepath.Join(env.dir, "browser", "v2.mjs"), ts.URL,
		"--chromium="+chromiumPath(), "--timeout=120000")
	cmd.Dir = env.dir
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node browser/v2.mjs: %v\n--- stderr ---\n%s\n--- stdout ---\n%s", err, stderr.String(), stdout.String())
	}
	t.Logf("browser/v2.mjs: %s", bytes.TrimSpace(stdout.Bytes()))
	var res struct {
		Results map[string]struct {
			Transport string         `json:"transport"`
			Wire      map[string]int `json:"wire"`
		} `json:"results"`
		Errors []string `json:"errors"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &res); err != nil {
		t.Fatalf("result %q: %v", stdout.String(), err)
	}
	want := map[string]string{"polling": "polling", "websocket": "websocket", "upgrade": "websocket", "jsonp": "polling/jsonp"}
	for mode, tr := range want {
		if got := res.Results[mode].Transport; got != tr {
			t.Errorf("%s: transport %q, want %q", mode, got, tr)
		}
	}
	// What the test shows about the wire: Chromium's XHR2 client posted
	// and received binary payloads; the WebSocket carried binary frames;
	// JSONP polled with scripts.
	if w := res.Results["polling"].Wire; w["octetPosts"] == 0 || w["octetPolls"] == 0 {
		t.Errorf("polling: no binary payload seen (%v)", w)
	}
	if w := res.Results["websocket"].Wire; w["wsBinaryFrames"] == 0 {
		t.Errorf("websocket: no binary frame seen (%v)", w)
	}
	if w := res.Results["jsonp"].Wire; w["jsonpScripts"] == 0 || w["octetPolls"] != 0 {
		t.Errorf("jsonp: %v, want script polls and no binary payload", w)
	}
	if len(res.Errors) > 0 {
		t.Errorf("page errors: %v", res.Errors)
	}
}
