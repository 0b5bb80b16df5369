package interop

// Browser test: the chi example (chi_example/) built and run as a real
// process, its chat page opened in two tabs of headless Chromium driven by
// playwright-core (browser/chat.mjs). Nothing is skipped: a missing
// Chromium or node_modules fails the test with what to install.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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

// brRequire checks everything the browser test needs and returns the
// repository root.
func brRequire(t *testing.T) (root string) {
	t.Helper()
	findNode(t, "playwright-core")
	if _, err := os.Stat(chromiumPath()); err != nil {
		t.Fatalf("Chromium is missing (%v): install it with `apt-get update && apt-get install -y chromium` (.ci/run does this), or set BROWSER_TEST_CHROMIUM", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	js := filepath.Join(root, "chi_example", "node_modules", "socket.io-client", "dist", "socket.io.min.js")
	if _, err := os.Stat(js); err != nil {
		t.Fatalf("chi_example/node_modules is missing (%v): run `npm ci --prefix chi_example` from the repository root (make deps does this)", err)
	}
	return root
}

// brLog collects a process's output and reports when a line containing
// a given text has appeared.
type brLog struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	watch string
	found chan string // receives the first line containing watch
}

func (l *brLog) consume(r io.Reader, done chan<- struct{}) {
	defer close(done)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		l.mu.Lock()
		l.buf.WriteString(line + "\n")
		if l.watch != "" && strings.Contains(line, l.watch) {
			l.watch = ""
			l.found <- line
		}
		l.mu.Unlock()
	}
}

func (l *brLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// brStartChat builds chi_example and runs it on a free port; it returns
// the chat URL and a function that stops it with SIGINT and checks that
// it exits cleanly. args are more flags for it.
func brStartChat(t *testing.T, root string, args ...string) (url string, stop func()) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "chi_example")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = filepath.Join(root, "chi_example") // a module of its own
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build chi_example: %v\n%s", err, out)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	cmd := exec.Command(bin, append([]string{"-addr", addr}, args...)...)
	cmd.Dir = root // it finds chi_example/node_modules from there
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	logs := &brLog{watch: "chat on http://", found: make(chan string, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	consumed := make(chan struct{})
	go logs.consume(stderr, consumed)
	exited := make(chan error, 1)
	go func() {
		<-consumed // Wait closes the pipe: read it all first
		exited <- cmd.Wait()
	}()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	select {
	case line := <-logs.found:
		t.Logf("chi_example: %s", line)
	case err := <-exited:
		stopped = true
		t.Fatalf("chi_example exited before serving: %v\n%s", err, logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("chi_example did not start within 60s:\n%s", logs)
	}
	stop = func() {
		t.Helper()
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Errorf("interrupting chi_example: %v", err)
		}
		select {
		case err := <-exited:
			stopped = true
			if err != nil {
				t.Errorf("chi_example exited with %v after SIGINT:\n%s", err, logs)
			}
			if !strings.Contains(logs.String(), "stopped") {
				t.Errorf("chi_example exited without finishing its shutdown:\n%s", logs)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("chi_example still running 30s after SIGINT:\n%s", logs)
		}
	}
	return "http://" + addr + "/", stop
}

// brStats returns the body of GET /api/stats.
func brStats(t *testing.T, base string) string {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 20 * time.Second}
	resp, err := hc.Get(base + "api/stats")
	if err != nil {
		t.Fatalf("GET /api/stats: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/stats: %d %q %v", resp.StatusCode, b, err)
	}
	return strings.TrimSpace(string(b))
}

// TestBrowserChat: two Chromium tabs on the chi example's chat page; a
// line typed in one appears in the other, beside the sender's short name
// (guest- and the start of its socket id), and the sender's tab marks it
// as its own (class mine, on the right; the other tab's on the left).
func TestBrowserChat(t *testing.T) {
	root := brRequire(t)
	node, dir := findNode(t, "playwright-core")
	url, stopChat := brStartChat(t, root)

	if got := brStats(t, url); got != `{"clients":0}` {
		t.Errorf("GET /api/stats before the browser: %s, want {\"clients\":0}", got)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "browser", "chat.mjs"), url,
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
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	statsWhileOpen := ""
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		lines = append(lines, line)
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["ready"] == true {
			// Both tabs are connected (and on websocket): the server
			// counts exactly two clients.
			statsWhileOpen = brStats(t, url)
			if _, err := fmt.Fprintln(stdin, "continue"); err != nil {
				t.Errorf("writing to the script: %v", err)
			}
		}
	}
	stdin.Close()
	werr := cmd.Wait()
	took := time.Since(start).Round(time.Millisecond)
	if werr != nil {
		t.Fatalf("node browser/chat.mjs failed after %v: %v\n--- stderr ---\n%s\n--- stdout ---\n%s",
			took, werr, stderr.String(), strings.Join(lines, "\n"))
	}
	if statsWhileOpen != `{"clients":2}` {
		t.Errorf("GET /api/stats with both tabs open: %q, want {\"clients\":2}", statsWhileOpen)
	}
	if len(lines) == 0 {
		t.Fatal("the script printed nothing")
	}
	var res struct {
		Scenario   string   `json:"scenario"`
		A          string   `json:"a"`
		B          string   `json:"b"`
		Text       string   `json:"text"`
		InputAfter string   `json:"inputAfter"`
		InA        brShown  `json:"inA"`
		InB        brShown  `json:"inB"`
		LogA       []string `json:"logA"`
		Errors     []string `json:"errors"`
	}
	last := lines[len(lines)-1]
	if err := json.Unmarshal([]byte(last), &res); err != nil || res.Scenario != "chat" {
		t.Fatalf("last line is not the result (%v): %s", err, last)
	}
	t.Logf("browser chat in %v: %s", took, last)
	// Tab A saw, in order: itself join, B join, its own line, B leave.
	want := []string{"connected: " + res.A, "connected: " + res.B, res.A + res.Text, "disconnected: " + res.B}
	if !brInOrder(res.LogA, want) {
		t.Errorf("tab A's log %q does not hold %q in that order", res.LogA, want)
	}
	if res.InputAfter != "" {
		t.Errorf("the input still holds %q after sending", res.InputAfter)
	}
	nameA := brName(res.A)
	if want := (brShown{Name: nameA + " (you)", Mine: true, Side: "right", Me: "you are " + nameA}); res.InA != want {
		t.Errorf("tab A shows its own line as %+v, want %+v", res.InA, want)
	}
	if want := (brShown{Name: nameA, Mine: false, Side: "left", Me: "you are " + brName(res.B)}); res.InB != want {
		t.Errorf("tab B shows A's line as %+v, want %+v", res.InB, want)
	}
	if len(res.Errors) != 0 {
		t.Errorf("page errors: %q", res.Errors)
	}
	stopChat()
}

// brShown is how a chat page shows a chat line (chatpage.mjs shownAs)
// and the name the page says is its own.
type brShown struct {
	Name string `json:"name"`
	Mine bool   `json:"mine"`
	Side string `json:"side"`
	Me   string `json:"me"`
}

// brName is the short name the chat page shows for a socket id.
func brName(id string) string {
	if len(id) > 4 {
		id = id[:4]
	}
	return "guest-" + id
}

// brInOrder reports whether want appears in got as a subsequence.
func brInOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// TestBrowserChatAllGenerations: the chi example's chat with a
// socket.io-client 4 page, a 2.5 page (Engine.IO 3) and a Socket.IO 0.6
// page (over xhr-polling, jsonp-polling, then websocket) in one Chromium: every page
// shows every page's message (browser/chat-all.mjs).
func TestBrowserChatAllGenerations(t *testing.T) {
	root := brRequire(t)
	node, dir := findNode(t, "playwright-core")
	url, stop := brStartChat(t, root)
	defer stop()
	for _, tr := range []string{"xhr-polling", "jsonp-polling", "websocket"} {
		t.Run(tr, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "browser", "chat-all.mjs"), url,
				"--legacy-transport="+tr, "--chromium="+chromiumPath())
			cmd.Dir = dir
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("node browser/chat-all.mjs: %v\n--- stderr ---\n%s\n--- stdout ---\n%s", err, stderr.String(), stdout.String())
			}
			var res struct {
				OK  bool              `json:"ok"`
				IDs map[string]string `json:"ids"`
			}
			if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &res); err != nil || !res.OK || len(res.IDs) != 3 {
				t.Fatalf("result %q: %v", stdout.String(), err)
			}
			t.Logf("one chat: %v", res.IDs)
		})
	}
}
