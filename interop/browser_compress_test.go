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
	"sync"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
)

// TestBrowserPollingCompression: socket.io-client 4's bundle in headless
// Chromium over polling only, the bundle itself served by the server's
// ClientHandler under /socket.io/ (browser/compress.html,
// browser/compress.mjs). Chromium asks for gzip; the large event comes
// gzip-compressed (smaller on the wire than decoded), the Compress(false)
// one as it is, and both reach the page intact. The bundle comes gzip with
// its version as ETag, and the second load revalidates it with
// If-None-Match and gets 304.
func TestBrowserPollingCompression(t *testing.T) {
	root := brRequire(t)
	node, dir := findNode(t, "playwright-core")
	client, err := socketio.NewClientHandler(os.DirFS(filepath.Join(root, "chi_example", "node_modules", "socket.io-client")), nil)
	if err != nil {
		t.Fatal(err)
	}
	big := string(eiotest.SampleJSON(64 << 10))
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("next", func() { _ = s.Compress(false).Emit("raw", big) })
		_ = s.Emit("big", big)
	})
	var (
		mu          sync.Mutex
		revalidated []string // If-None-Match of the bundle's requests
	)
	record := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/socket.io/socket.io.min.js" {
				mu.Lock()
				revalidated = append(revalidated, r.Header.Get("If-None-Match"))
				mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", socketio.Chain(io, record, client.Middleware))
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(dir, "browser", "compress.html"))
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		shutdownServer(t, io)
		closeTestServer(t, ts)
	})

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "browser", "compress.mjs"), ts.URL,
		"--chromium="+chromiumPath(), "--timeout=120000")
	cmd.Dir = dir
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node browser/compress.mjs: %v\n--- stderr ---\n%s\n--- stdout ---\n%s", err, stderr.String(), stdout.String())
	}
	t.Logf("browser/compress.mjs: %s", bytes.TrimSpace(stdout.Bytes()))
	type pageResult struct {
		BigLength int    `json:"bigLength"`
		RawSame   bool   `json:"rawSame"`
		Transport string `json:"transport"`
	}
	var res struct {
		Result, Again pageResult
		Polls         []struct {
			Accept, Encoding string
			Wire, Decoded    int
			Unavailable      string // the body was gone (the reload)
		}
		Bundle []struct {
			Status         int
			Encoding, ETag string
		}
		Errors []string
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &res); err != nil {
		t.Fatalf("result %q: %v", stdout.String(), err)
	}
	for _, r := range []pageResult{res.Result, res.Again} {
		if r.BigLength != len(big) || !r.RawSame || r.Transport != "polling" {
			t.Errorf("page result %+v, want %d characters twice over polling", r, len(big))
		}
	}
	var gzipped, plain int
	for _, p := range res.Polls {
		if p.Accept == "" {
			t.Errorf("a poll without Accept-Encoding: %+v", p)
		}
		if p.Unavailable != "" {
			// Only the poll pending at a disconnect can be answered
			// after its page is gone; the large responses were read
			// before the page reported its result, and are counted
			// below (two of each), so losing one of them fails there.
			continue
		}
		switch {
		case p.Encoding == "gzip" && p.Decoded > len(big) && p.Wire < p.Decoded/2:
			gzipped++
		case p.Encoding == "" && p.Decoded > len(big) && p.Wire >= p.Decoded:
			plain++
		case p.Decoded > len(big):
			t.Errorf("a large poll response: %+v", p)
		}
	}
	// One of each per page load.
	if gzipped != 2 || plain != 2 {
		t.Errorf("%d gzip and %d plain large responses, want 2 and 2: %+v", gzipped, plain, res.Polls)
	}
	if len(res.Bundle) == 0 || res.Bundle[0].Status != 200 || res.Bundle[0].Encoding != "gzip" || res.Bundle[0].ETag != client.ETag("socket.io.min.js") {
		t.Errorf("the bundle's first response: %+v, want 200 gzip ETag %s", res.Bundle, client.ETag("socket.io.min.js"))
	}
	if len(res.Bundle) != 2 || res.Bundle[1].Status != http.StatusNotModified {
		t.Errorf("the bundle on the second load: %+v, want 304", res.Bundle)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(revalidated) != 2 || revalidated[0] != "" || revalidated[1] != client.ETag("socket.io.min.js") {
		t.Errorf("the bundle's requests had If-None-Match %q, want none then %s", revalidated, client.ETag("socket.io.min.js"))
	}
	if len(res.Errors) > 0 {
		t.Errorf("page errors: %v", res.Errors)
	}
}
