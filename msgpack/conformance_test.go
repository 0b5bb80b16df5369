package msgpack_test

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConformanceServerMsgpack builds cmd/conformance (a module of its
// own, beside this one), runs it with -parser msgpack, and drives it with
// socket.io-client and socket.io-msgpack-parser (node/conformance.js)
// over every transport mode: the auth event, message-back, an ack, a
// second namespace, binary in each.
func TestConformanceServerMsgpack(t *testing.T) {
	node, dir := nodeDir(t, "socket.io-client", "socket.io-msgpack-parser")
	bin := filepath.Join(t.TempDir(), "conformance")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = filepath.Join("..", "cmd", "conformance")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build cmd/conformance: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	cmd := exec.Command(bin, "-addr", addr, "-parser", "msgpack")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := make(chan string, 1)
	var logs strings.Builder
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "conformance server on") {
				started <- sc.Text()
			}
		}
	}()
	exited := make(chan error, 1)
	go func() {
		<-read // Wait closes the pipe: read it all first
		exited <- cmd.Wait()
	}()
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("cmd/conformance exited with %v after SIGINT", err)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("cmd/conformance still running 30s after SIGINT")
		}
	}()
	select {
	case line := <-started:
		if !strings.Contains(line, "parser msgpack") {
			t.Fatalf("started as %q", line)
		}
	case err := <-exited:
		exited <- err // for the deferred stop
		t.Fatalf("cmd/conformance exited: %v\n%s", err, logs.String())
	case <-time.After(time.Minute):
		t.Fatal("cmd/conformance did not start within a minute")
	}
	for _, mode := range []string{"polling", "websocket", "upgrade"} {
		t.Run(mode, func(t *testing.T) {
			res := runNode(t, node, dir, time.Minute, "conformance.js", "http://"+addr, "--transport="+mode)
			if mode != "polling" && res["transport"] != "websocket" {
				t.Fatalf("ended on %v", res["transport"])
			}
		})
	}
}
