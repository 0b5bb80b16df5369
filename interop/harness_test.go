package interop

// The harness shared by the Engine.IO (engineio_test.go), Socket.IO
// (socketio_test.go), HTTP toolkit (toolkit_test.go) and browser
// (browser_test.go) interop tests: finding node and the npm packages,
// building the command of a scenario script, running a script to its
// result line, the result itself, injected latency, waiting for a test
// server's state and stopping the server.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// nodeEnv runs the scenario scripts of one subdirectory of interop/ (eio,
// sio, toolkit) with node.
type nodeEnv struct {
	node    string // path of the node binary
	dir     string // absolute path of interop/
	scripts string // the scripts' subdirectory of dir
	debug   string // DEBUG given to node when INTEROP_DEBUG is set ("": none)
}

// findNode finds node and the npm packages pkgs in interop/node_modules,
// and returns node's path and the absolute path of interop/. A missing
// node or package is a failure, not a skip: these tests are the interop
// gate.
func findNode(t *testing.T, pkgs ...string) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not in PATH (%v): the interop tests need Node.js >= 20", err)
	}
	dir, err = filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range pkgs {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("interop/node_modules/%s is missing (%v): run `npm ci --prefix interop` from the repository root first", pkg, err)
		}
	}
	return node, dir
}

// command returns the command that runs node <scripts>/<script> args... in
// interop/, with n.debug as DEBUG when INTEROP_DEBUG is set.
func (n nodeEnv) command(ctx context.Context, script string, args ...string) *exec.Cmd {
	argv := append([]string{filepath.Join(n.dir, n.scripts, script)}, args...)
	cmd := exec.CommandContext(ctx, n.node, argv...)
	cmd.Dir = n.dir
	cmd.Env = os.Environ()
	if n.debugOn() {
		cmd.Env = append(cmd.Env, "DEBUG="+n.debug)
	}
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// debugOn reports whether node runs with DEBUG=n.debug (INTEROP_DEBUG).
func (n nodeEnv) debugOn() bool {
	return os.Getenv("INTEROP_DEBUG") != "" && n.debug != ""
}

// nodeRunLimit bounds one runScenario; the scripts' own hard timeouts are
// shorter: this only catches a script that ignores its own.
const nodeRunLimit = 2 * time.Minute

// runScenario runs <scripts>/<script> against url and returns its result
// (the last stdout line). A non-zero exit fails the test with the script's
// stderr (which says what was received) and stdout.
func (n nodeEnv) runScenario(t *testing.T, script, url string, args ...string) scenarioResult {
	t.Helper()
	return n.runScenarioLines(t, nil, script, url, args...)
}

// runScenarioLines is runScenario, calling onLine (when non-nil) for every
// stdout line as it arrives, so the test can react to a script's progress
// lines (e.g. {"ready":true}) while it runs.
func (n nodeEnv) runScenarioLines(t *testing.T, onLine func(line string), script, url string, args ...string) scenarioResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), nodeRunLimit)
	defer cancel()
	cmd := n.command(ctx, script, append([]string{url}, args...)...)
	name := n.scripts + "/" + script
	var stdout, stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting node %s: %v", name, err)
	}
	r := bufio.NewReader(pipe)
	for {
		line, rerr := r.ReadString('\n')
		stdout.WriteString(line)
		if l := strings.TrimSpace(line); l != "" && onLine != nil {
			onLine(l)
		}
		if rerr != nil {
			break // io.EOF, or the pipe closed by Wait's WaitDelay
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("node %s %s failed after %v: %v\n--- stderr ---\n%s\n--- stdout ---\n%s",
			name, strings.Join(args, " "), time.Since(start).Round(time.Millisecond), err,
			clip(stderr.String(), 20000), clip(stdout.String(), 4000))
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	var res scenarioResult
	if err := json.Unmarshal([]byte(last), &res); err != nil || res.str("scenario") == "" {
		t.Fatalf("node %s: last stdout line is not a scenario result (%v):\n%s\n--- stderr ---\n%s", name, err, clip(stdout.String(), 4000), clip(stderr.String(), 4000))
	}
	t.Logf("%s %s: %s", name, strings.Join(args, " "), clip(last, 1500))
	// What a passing script wrote on stderr (e.g. toolkit/connect-error.js
	// prints the error it got) is logged, except INTEROP_DEBUG traces,
	// which are shown only with a failure.
	if s := strings.TrimSpace(stderr.String()); s != "" && !n.debugOn() {
		t.Logf("%s stderr:\n%s", name, clip(s, 20000))
	}
	return res
}

// scenarioResult is the one-line JSON a scenario prints on success.
type scenarioResult map[string]any

func (r scenarioResult) str(key string) string {
	s, _ := r[key].(string)
	return s
}

func (r scenarioResult) num(key string) float64 {
	f, _ := r[key].(float64)
	return f
}

func (r scenarioResult) obj(key string) scenarioResult {
	m, _ := r[key].(map[string]any)
	return m
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("…(%d more bytes)", len(s)-n)
}

// shutdownServer shuts srv (a session.Server or socketio.Server) down.
// After a failure the client process may have died with sessions open; a
// polling session then waits for a GET that never comes, so the wait is
// kept short and a Shutdown error is only logged, not piled on the real
// failure.
func shutdownServer(t *testing.T, srv interface{ Shutdown(context.Context) error }) {
	t.Helper()
	failedBefore := t.Failed()
	wait := 10 * time.Second
	if failedBefore {
		wait = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		if failedBefore {
			t.Logf("(after the failure above) Shutdown: %v", err)
		} else {
			t.Errorf("Shutdown: %v", err)
		}
	}
}

// closeTestServer closes ts after shutdownServer. httptest.Server.Close
// waits for running handlers; a handler the server failed to release would
// hang there, so the wait is bounded.
func closeTestServer(t *testing.T, ts *httptest.Server) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		ts.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Errorf("httptest.Server.Close still blocked 15s after Shutdown: a request handler did not return")
	}
}

// changes is a mutex for a test server's recorded state, with change
// notification: whoever changes the state under mu calls notifyLocked, and
// waitFor waits for a condition on it.
type changes struct {
	mu      sync.Mutex
	changed chan struct{} // guarded by mu; closed on the next change (nil until waited on)
}

// notifyLocked wakes the waiters; mu must be held.
func (c *changes) notifyLocked() {
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
}

// waitFor waits until cond (called with mu held) holds, or fails the test
// after timeout with the message from describe (called with mu held).
func (c *changes) waitFor(t *testing.T, timeout time.Duration, cond func() bool, describe func() string) {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		c.mu.Lock()
		ok := cond()
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		ch := c.changed
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-timer.C:
			c.mu.Lock()
			msg := describe()
			c.mu.Unlock()
			t.Fatalf("timed out after %v: %s", timeout, msg)
		}
	}
}

// delayRequests holds every request that match selects for d before next
// sees it: injected network latency. A request whose client goes away
// meanwhile is dropped.
func delayRequests(d time.Duration, match func(*http.Request) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if match(r) {
			timer := time.NewTimer(d)
			select {
			case <-timer.C:
			case <-r.Context().Done():
				timer.Stop()
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
