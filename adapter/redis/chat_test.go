package redis_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The chat of chi_example (-redis) and the same chat on a Node.js node
// (node/chat.js) on one Redis: an official client on each sees the
// other's lines, and /api/stats counts both clients on either node; on the
// classic adapter and on the sharded one.
func TestChatAcrossGoAndNode(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "chi_example")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = filepath.Join("..", "..", "chi_example")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build chi_example: %v\n%s", err, out)
	}
	clientJS, _ := filepath.Abs(filepath.Join("node", "node_modules", "socket.io-client", "dist", "socket.io.min.js"))
	for _, sharded := range []string{"", "dynamic"} {
		name := "classic"
		if sharded != "" {
			name = "sharded"
		}
		t.Run(name, func(t *testing.T) {
			addr := redisAddr(t)
			key := fmt.Sprintf("gosio-chat-%d", time.Now().UnixNano())
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			goAddr := l.Addr().String()
			l.Close()
			args := []string{"-addr", goAddr, "-redis", addr, "-redis-key", key, "-client-js", clientJS}
			if sharded != "" {
				args = append(args, "-redis-sharded", sharded)
			}
			chat := exec.Command(bin, args...)
			chat.Stderr = os.Stderr
			if err := chat.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				_ = chat.Process.Signal(os.Interrupt)
				_ = chat.Wait()
			})
			eventually(t, "chi_example listening", func() bool {
				c, err := net.Dial("tcp", goAddr)
				if err == nil {
					c.Close()
				}
				return err == nil
			})
			nodeURL := startNodeChat(t, addr, key, sharded)
			goURL := "http://" + goAddr

			urls, _ := json.Marshal([]string{goURL, nodeURL})
			cl := exec.Command("node", "chatclients.js", string(urls))
			cl.Dir = "node"
			cl.Stderr = os.Stderr
			stdin, _ := cl.StdinPipe()
			stdout, _ := cl.StdoutPipe()
			if err := cl.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				stdin.Close()
				_ = cl.Wait()
			}()
			lines := make(chan string, 64)
			go func() {
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			waitLine := func(what string, match func(string) bool) {
				t.Helper()
				for {
					select {
					case l, ok := <-lines:
						if !ok {
							t.Fatalf("chatclients.js exited before %s", what)
						}
						if match(l) {
							return
						}
					case <-time.After(wait):
						t.Fatalf("timed out waiting for %s", what)
					}
				}
			}
			waitLine("both clients connected", func(l string) bool { return l == `{"ready":true}` })
			stats := func(base string) int {
				resp, err := http.Get(base + "/api/stats")
				if err != nil {
					return -1
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				var s struct{ Clients int }
				_ = json.Unmarshal(b, &s)
				return s.Clients
			}
			eventually(t, "/api/stats counting both clients on both nodes", func() bool {
				return stats(goURL) == 2 && stats(nodeURL) == 2
			})
			for i, text := range []string{"hello from the go node's client", "hello from the node node's client"} {
				if _, err := fmt.Fprintf(stdin, "send %d %s\n", i, text); err != nil {
					t.Fatal(err)
				}
				seen := map[string]bool{}
				waitLine("both clients getting "+text, func(l string) bool {
					if strings.Contains(l, text) {
						seen[l[:12]] = true // {"client":N
					}
					return len(seen) == 2
				})
			}
		})
	}
}

// startNodeChat starts node/chat.js; it stops when the test ends.
func startNodeChat(t *testing.T, addr, key, sharded string) string {
	t.Helper()
	cmd := exec.Command("node", "chat.js")
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(), "REDIS_URL=redis://"+addr, "KEY="+key, "SHARDED="+sharded)
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("chat.js did not start: %v", err)
	}
	var hello struct{ Port int }
	if err := json.Unmarshal([]byte(line), &hello); err != nil {
		t.Fatalf("chat.js said %q", line)
	}
	return fmt.Sprintf("http://127.0.0.1:%d", hello.Port)
}
