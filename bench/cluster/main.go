//go:build linux

// Command cluster measures cross-node fan-out: two nodes on one Redis,
// clients spread over both, node 1 broadcasting to all of them at a fixed
// rate, for two Go nodes (gonode: our server on adapter/redis) and for two
// Node.js nodes (bench/node/server.js --redis: socket.io 4.8 on
// @socket.io/redis-adapter 8.3), with the same clients. Half the
// deliveries cross Redis.
//
//	npm ci --prefix bench/node    # once
//	cd bench/cluster && go run . -clients 1000 -rates 20,50,100,200
//
// Everything runs on this machine: the two nodes, Redis, and the clients,
// which share its cores; read the figures side by side, not as absolutes.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/bench/internal/hist"
	"github.com/gosio/socketio/bench/internal/mono"
	"github.com/gosio/socketio/bench/internal/proc"
	"github.com/gosio/socketio/bench/internal/proto"
)

func main() {
	redisAddr := flag.String("redis", "127.0.0.1:6379", "Redis address")
	clients := flag.Int("clients", 1000, "clients, spread evenly over the two nodes")
	rates := flag.String("rates", "20,50,100,200", "broadcasts per second to try, in order")
	duration := flag.Duration("duration", 10*time.Second, "broadcast time per rate")
	size := flag.Int("size", 100, "broadcast packet size, bytes")
	kinds := flag.String("kinds", "go,node", "which nodes: go, node")
	flag.StringVar(&profileDir, "profile", "", "save a CPU profile of each Go node per rate in this directory")
	flag.Parse()
	proc.RaiseFileLimit()
	if profileDir != "" {
		if err := os.MkdirAll(profileDir, 0o755); err != nil {
			log.Fatal(err)
		}
	}

	root, err := filepath.Abs("../..")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d clients over 2 nodes, broadcasts of %d bytes from node 1 for %v per rate; Redis %s\n\n", *clients, *size, *duration, *redisAddr)
	fmt.Println("| nodes | rate/s asked | sent | delivered | deliveries/s | p50 | p99 | server CPU (2 nodes, % of a core) | deliveries per server CPU-second |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, kind := range strings.Split(*kinds, ",") {
		nodes, stop := startNodes(root, kind, *redisAddr)
		runKind(kind, nodes, *clients, *rates, *duration, *size)
		stop()
	}
}

// profileDir, when set, receives CPU profiles of the Go nodes.
var profileDir string

type nodeProc struct {
	url   string
	pid   int
	pprof string // the Go node's pprof address, when profiling
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startNodes starts two nodes of kind on a fresh key.
func startNodes(root, kind, redisAddr string) ([]nodeProc, func()) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	key := "gosio-bench-" + hex.EncodeToString(b[:])
	var bin string
	if kind == "go" {
		bin = filepath.Join(os.TempDir(), "gosio-bench-gonode")
		build := exec.Command("go", "build", "-o", bin, "./gonode")
		build.Dir = filepath.Join(root, "bench", "cluster")
		if out, err := build.CombinedOutput(); err != nil {
			log.Fatalf("go build ./gonode: %v\n%s", err, out)
		}
	}
	var nodes []nodeProc
	var cmds []*exec.Cmd
	for range 2 {
		port := freePort()
		var cmd *exec.Cmd
		var pp string // pprof address of a profiled Go node
		switch kind {
		case "go":
			cmd = exec.Command(bin, "-addr", fmt.Sprintf("127.0.0.1:%d", port), "-redis", redisAddr, "-key", key)
			if profileDir != "" {
				pp = fmt.Sprintf("127.0.0.1:%d", freePort())
				cmd.Args = append(cmd.Args, "-pprof", pp)
			}
		case "node":
			cmd = exec.Command("node", "server.js", "--port", strconv.Itoa(port), "--redis", "redis://"+redisAddr, "--key", key)
			cmd.Dir = filepath.Join(root, "bench", "node")
		default:
			log.Fatalf("unknown kind %q", kind)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			log.Fatal(err)
		}
		cmds = append(cmds, cmd)
		url := fmt.Sprintf("http://127.0.0.1:%d", port)
		for deadline := time.Now().Add(20 * time.Second); ; {
			if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				log.Fatalf("%s node did not start", kind)
			}
			time.Sleep(50 * time.Millisecond)
		}
		nodes = append(nodes, nodeProc{url: url, pid: cmd.Process.Pid, pprof: pp})
	}
	return nodes, func() {
		for _, c := range cmds {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}
}

// client is one Socket.IO client over WebSocket counting broadcasts.
type client struct {
	conn     *websocket.Conn
	received atomic.Int64
}

func dial(base string) (*client, error) {
	u := strings.Replace(base, "http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"
	conn, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		return nil, err
	}
	if _, _, err := conn.ReadMessage(); err != nil { // open packet
		return nil, err
	}
	if err := conn.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		return nil, err
	}
	for { // until the CONNECT reply
		_, m, err := conn.ReadMessage()
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(string(m), "40") {
			return &client{conn: conn}, nil
		}
	}
}

// read counts broadcasts and records their latency into hcur, answering
// pings, until the connection ends.
func (c *client) read(id int, wmu *sync.Mutex) {
	prefix := []byte(proto.SIOBroadcastPrefix)
	for {
		_, m, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		switch {
		case len(m) == 1 && m[0] == '2':
			wmu.Lock()
			_ = c.conn.WriteMessage(websocket.TextMessage, []byte("3"))
			wmu.Unlock()
		case len(m) > len(prefix) && string(m[:len(prefix)]) == string(prefix):
			if ts, _, ok := proto.ParseTwoInts(m[len(prefix):]); ok {
				hcur.Load().Record(id, mono.Now()-ts)
				c.received.Add(1)
			}
		}
	}
}

func runKind(kind string, nodes []nodeProc, n int, rates string, d time.Duration, size int) {
	cs := make([]*client, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 100)
	hcur.Store(hist.NewSharded())
	wmus := make([]sync.Mutex, n)
	for i := range cs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := dial(nodes[i%2].url)
			if err != nil {
				log.Fatalf("%s: client %d: %v", kind, i, err)
			}
			cs[i] = c
			go c.read(i, &wmus[i])
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range cs {
			c.conn.Close()
		}
	}()
	time.Sleep(time.Second) // the last joins settle (Node.js joins on its next tick)
	for _, rs := range strings.Split(rates, ",") {
		rate, _ := strconv.Atoi(strings.TrimSpace(rs))
		h := hist.NewSharded()
		hcur.Store(h)
		for _, c := range cs {
			c.received.Store(0)
		}
		cpu0 := [2]time.Duration{}
		for i, nd := range nodes {
			cpu0[i], _ = proc.CPU(nd.pid)
		}
		var profWG sync.WaitGroup
		for i, nd := range nodes {
			if nd.pprof == "" {
				continue
			}
			profWG.Add(1)
			go func() {
				defer profWG.Done()
				saveProfile(nd.pprof, filepath.Join(profileDir, fmt.Sprintf("%s-node%d-rate%d.pprof", kind, i+1, rate)), d)
			}()
		}
		sent, secs := broadcast(nodes[0].url, rate, d, size)
		profWG.Wait()
		time.Sleep(2 * time.Second) // in flight
		var cpu time.Duration
		for i, nd := range nodes {
			c, _ := proc.CPU(nd.pid)
			cpu += c - cpu0[i]
		}
		var got int64
		for _, c := range cs {
			got += c.received.Load()
		}
		s := h.Merge().Summary()
		fmt.Printf("| %s | %d | %d | %.1f %% | %.0f | %s | %s | %.0f %% | %.0f |\n", kind, rate, sent,
			100*float64(got)/float64(sent*int64(n)), float64(got)/secs,
			time.Duration(s.P50).Round(100*time.Microsecond), time.Duration(s.P99).Round(100*time.Microsecond),
			100*cpu.Seconds()/(secs+2), float64(got)/cpu.Seconds())
	}
}

// hcur is the histogram the readers record into.
var hcur atomic.Pointer[hist.Sharded]

func broadcast(base string, rate int, d time.Duration, size int) (int64, float64) {
	ctx, cancel := context.WithTimeout(context.Background(), d+time.Minute)
	defer cancel()
	u := fmt.Sprintf("%s/control/broadcast?rate=%d&size=%d&duration=%s", base, rate, size, d)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(bufio.NewReader(resp.Body))
	var r struct {
		Sent    int64
		Seconds float64
	}
	if err := json.Unmarshal(body, &r); err != nil {
		log.Fatalf("broadcast: %s", body)
	}
	return r.Sent, r.Seconds
}

// saveProfile fetches a CPU profile of most of a run from a Go node.
func saveProfile(addr, path string, d time.Duration) {
	secs := max(1, int(d.Seconds())-1)
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs))
	if err != nil {
		log.Print(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		log.Print(err)
	}
}
