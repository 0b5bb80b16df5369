package msgpack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gosio/socketio/internal/eiotest"
)

// Interop with the real JavaScript packages: socket.io-client 4.8 and
// socket.io-msgpack-parser 3.0.2 (node/package-lock.json), driven by
// node/scenario.js. A missing node or node_modules fails the test with
// what to install: these tests are the parser's compatibility gate.

// nodeDir returns node's path and the absolute path of node/, checking
// that the npm packages pkgs are installed there.
func nodeDir(t *testing.T, pkgs ...string) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not in PATH (%v): the interop tests need Node.js >= 20", err)
	}
	dir, err = filepath.Abs("node")
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range pkgs {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			t.Fatalf("msgpack/node/node_modules/%s is missing (%v): run `npm ci --prefix msgpack/node` from the repository root (make deps does this)", pkg, err)
		}
	}
	return node, dir
}

// runNode runs node with args in dir and returns the JSON object of its
// last stdout line; a failure reports its stderr.
func runNode(t *testing.T, node, dir string, limit time.Duration, args ...string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s failed after %v: %v\n--- stderr ---\n%s\n--- stdout ---\n%s",
			strings.Join(args, " "), time.Since(start).Round(time.Millisecond), err, stderr.String(), stdout.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var res map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("node %s: last line is not a result (%v):\n%s\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	t.Logf("node %s in %v: %s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond), lines[len(lines)-1])
	return res
}

// TestInteropNodeClient runs node/scenario.js over every transport mode:
// connect with auth, events both ways, acks both ways (the server waiting
// in its handler for the client's), Buffers both ways, notepack 2's
// extensions (Uint8Array, Date, undefined), a namespace on the same
// connection refused with CONNECT_ERROR data and then admitted, a
// broadcast, and connection state recovery after a transport drop.
func TestInteropNodeClient(t *testing.T) {
	node, dir := nodeDir(t, "socket.io-client", "socket.io-msgpack-parser")
	for _, mode := range eiotest.Modes {
		t.Run(string(mode), func(t *testing.T) {
			_, base := newServer(t, true)
			url := strings.TrimSuffix(base, "/socket.io/")
			res := runNode(t, node, dir, 2*time.Minute, "scenario.js", url, "--transport="+string(mode))
			if res["recovered"] != true {
				t.Fatalf("result %v: not recovered", res)
			}
			if mode != eiotest.ModePolling && res["transport"] != "websocket" {
				t.Fatalf("result %v: ended on %v", res, res["transport"])
			}
		})
	}
}
