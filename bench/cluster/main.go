//go:build linux

// Command cluster measures broadcast fan-out to clients spread over the
// nodes of a server, node 1 broadcasting to all of them at fixed rates,
// with the same clients for four kinds of server:
//
//	go     two Go nodes (gonode: our server on adapter/redis) on one Redis;
//	       half the deliveries cross Redis
//	node   two Node.js nodes (bench/node/server.js --redis: socket.io 4.8
//	       on @socket.io/redis-adapter 8.3) on the same Redis
//	go1    one Go process (gonode without -redis: the in-memory adapter),
//	       GOMAXPROCS left to the runtime, so it may use every core
//	node1  one Node.js process (bench/node/server.js without --redis)
//
// Each kind runs up a ladder of rates; a rate is kept up with when the
// clients get at least 95 % of the offered deliveries per second with a
// p99 latency within 1 s, and the table after the results gives each
// kind's highest rate below the first one it did not keep up with.
//
//	npm ci --prefix bench/node    # once
//	cd bench/cluster && go run . -clients 1000 -rates 25,50,100,200,400,800,1600 -kinds go1,node1,go,node
//
// Everything runs on this machine: the nodes, Redis, and the clients,
// which share its cores; read the figures side by side, not as absolutes.
// The table gives the CPU time of each party (nodes, Redis, the clients)
// and of everything else the machine ran meanwhile.
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
	"runtime"
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
	redisAddr := flag.String("redis", "127.0.0.1:6379", "Redis address (the go and node kinds)")
	redisPid := flag.Int("redis-pid", 0, "pid of redis-server, for its CPU time (0: the only process named redis-server, if there is one)")
	clients := flag.Int("clients", 1000, "clients, spread evenly over a kind's nodes")
	rates := flag.String("rates", "20,50,100,200", "broadcasts per second to try, in order (each > 0)")
	duration := flag.Duration("duration", 10*time.Second, "broadcast time per rate")
	size := flag.Int("size", 100, "broadcast packet size, bytes")
	kinds := flag.String("kinds", "go,node", "which servers, in order: go, node (two nodes on Redis), go1, node1 (one process)")
	flag.StringVar(&profileDir, "profile", "", "save a CPU profile of each Go node per rate in this directory")
	flag.Parse()
	proc.RaiseFileLimit()
	if profileDir != "" {
		if err := os.MkdirAll(profileDir, 0o755); err != nil {
			log.Fatal(err)
		}
	}
	ladder, err := parseRates(*rates)
	if err != nil {
		log.Fatal(err)
	}
	kindList := strings.Split(*kinds, ",")
	for _, k := range kindList {
		if _, ok := kindNodes[k]; !ok {
			log.Fatalf("unknown kind %q (go, node, go1, node1)", k)
		}
	}

	root, err := filepath.Abs("../..")
	if err != nil {
		log.Fatal(err)
	}
	rpid, rwhy := findRedis(*redisPid)
	fmt.Printf("%d clients; broadcasts of %d bytes from node 1 for %v per rate, then a %v drain; Redis %s\n",
		*clients, *size, *duration, drain, *redisAddr)
	gmp := "unset (the runtime's default: every CPU)"
	if v := os.Getenv("GOMAXPROCS"); v != "" {
		gmp = v
	}
	fmt.Printf("%d CPUs; GOMAXPROCS of the Go nodes: %s; nothing pinned\n", runtime.NumCPU(), gmp)
	if rpid != 0 {
		fmt.Printf("Redis CPU from /proc/%d/stat (redis-server)\n", rpid)
	} else {
		fmt.Printf("Redis CPU not measured: %s\n", rwhy)
	}
	fmt.Println("CPU seconds cover the broadcast and the drain; server CPU = the nodes, plus Redis for the two-node kinds;")
	fmt.Println("other CPU = the machine's busy time minus steal, the nodes, Redis and the load generator (other users of the machine);")
	fmt.Println("steal = time the VM's CPUs waited for the hypervisor (contention from outside the VM).")
	fmt.Println()
	fmt.Print(tableHeader())
	var all []result
	for _, kind := range kindList {
		nodes, stop := startNodes(root, kind, *redisAddr)
		all = append(all, runKind(kind, nodes, rpid, *clients, ladder, *duration, *size)...)
		stop()
	}
	fmt.Println()
	fmt.Printf("Keeping up: at least %.0f %% of the offered deliveries/s and p99 within %v.\n\n", 100*keepUpShare, keepUpP99)
	fmt.Print(limitsTable(limits(all)))
}

// drain is how long deliveries are still counted after node 1 stops
// broadcasting.
const drain = 2 * time.Second

// kindNodes is each kind's node count; the two-node kinds share a Redis.
var kindNodes = map[string]int{"go": 2, "node": 2, "go1": 1, "node1": 1}

// parseRates parses the -rates ladder.
func parseRates(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		r, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("-rates: %q is not a positive number of broadcasts per second", f)
		}
		out = append(out, r)
	}
	return out, nil
}

// findRedis returns the pid whose CPU time is Redis's: pid if given, else
// the only process named redis-server; 0 and the reason when there is none
// to read.
func findRedis(pid int) (int, string) {
	if pid == 0 {
		dirs, _ := os.ReadDir("/proc")
		var found []int
		for _, d := range dirs {
			p, err := strconv.Atoi(d.Name())
			if err != nil {
				continue
			}
			if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p)); err == nil && strings.TrimSpace(string(comm)) == "redis-server" {
				found = append(found, p)
			}
		}
		switch len(found) {
		case 0:
			return 0, "no process named redis-server (give -redis-pid)"
		case 1:
			pid = found[0]
		default:
			return 0, fmt.Sprintf("%d processes named redis-server (give -redis-pid)", len(found))
		}
	}
	if _, err := proc.CPU(pid); err != nil {
		return 0, err.Error()
	}
	return pid, ""
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

// startNodes starts kind's nodes; the two-node kinds on a fresh Redis key.
func startNodes(root, kind, redisAddr string) ([]nodeProc, func()) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	key := "gosio-bench-" + hex.EncodeToString(b[:])
	clustered := kindNodes[kind] > 1
	var bin string
	if kind == "go" || kind == "go1" {
		bin = filepath.Join(os.TempDir(), "gosio-bench-gonode")
		build := exec.Command("go", "build", "-o", bin, "./gonode")
		build.Dir = filepath.Join(root, "bench", "cluster")
		if out, err := build.CombinedOutput(); err != nil {
			log.Fatalf("go build ./gonode: %v\n%s", err, out)
		}
	}
	var nodes []nodeProc
	var cmds []*exec.Cmd
	for range kindNodes[kind] {
		port := freePort()
		var cmd *exec.Cmd
		var pp string // pprof address of a profiled Go node
		switch kind {
		case "go", "go1":
			cmd = exec.Command(bin, "-addr", fmt.Sprintf("127.0.0.1:%d", port))
			if clustered {
				cmd.Args = append(cmd.Args, "-redis", redisAddr, "-key", key)
			}
			if profileDir != "" {
				pp = fmt.Sprintf("127.0.0.1:%d", freePort())
				cmd.Args = append(cmd.Args, "-pprof", pp)
			}
		case "node", "node1":
			cmd = exec.Command("node", "server.js", "--port", strconv.Itoa(port))
			if clustered {
				cmd.Args = append(cmd.Args, "--redis", "redis://"+redisAddr, "--key", key)
			}
			cmd.Dir = filepath.Join(root, "bench", "node")
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
	last     atomic.Int64 // mono.Now() at the last broadcast received
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
				now := mono.Now()
				hcur.Load().Record(id, now-ts)
				c.last.Store(now)
				c.received.Add(1)
			}
		}
	}
}

// totals sums the clients' counts and finds the last delivery.
func totals(cs []*client) (got, last int64) {
	for _, c := range cs {
		got += c.received.Load()
		last = max(last, c.last.Load())
	}
	return got, last
}

// quiesce waits until the clients' count stops moving, so a rate's late
// deliveries do not land in the next rate's figures. Bounded polling: the
// deliveries come from other processes.
func quiesce(cs []*client) {
	prev, _ := totals(cs)
	still := 0
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && still < 5; {
		time.Sleep(200 * time.Millisecond)
		got, _ := totals(cs)
		if got == prev {
			still++
		} else {
			still, prev = 0, got
		}
	}
}

// cpuSnap is the CPU times one rate's figures are differences of.
type cpuSnap struct {
	nodes   []time.Duration
	redis   time.Duration
	self    time.Duration
	machine time.Duration
	steal   time.Duration
}

func snapCPU(nodes []nodeProc, redisPid int) cpuSnap {
	var s cpuSnap
	for _, nd := range nodes {
		c, _ := proc.CPU(nd.pid)
		s.nodes = append(s.nodes, c)
	}
	if redisPid != 0 {
		s.redis, _ = proc.CPU(redisPid)
	}
	s.self = proc.SelfCPU()
	s.machine, _ = proc.MachineCPU()
	s.steal, _ = proc.MachineSteal()
	return s
}

func runKind(kind string, nodes []nodeProc, redisPid, n int, rates []int, d time.Duration, size int) []result {
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
			c, err := dial(nodes[i%len(nodes)].url)
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
	var out []result
	for _, rate := range rates {
		h := hist.NewSharded()
		hcur.Store(h)
		for _, c := range cs {
			c.received.Store(0)
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
		c0, t0 := snapCPU(nodes, redisPid), time.Now()
		start := mono.Now()
		sent, bsecs := broadcast(nodes[0].url, rate, d, size)
		profWG.Wait()
		time.Sleep(drain) // in flight
		got, last := totals(cs)
		c1, window := snapCPU(nodes, redisPid), time.Since(t0)
		s := h.Merge().Summary()
		r := result{
			kind: kind, nodes: len(nodes), rate: rate, clients: n,
			sent: sent, secs: bsecs, delivered: got,
			p50: time.Duration(s.P50), p99: time.Duration(s.P99),
			window:   window.Seconds(),
			redisCPU: c1.redis - c0.redis, redisOK: redisPid != 0,
			genCPU: c1.self - c0.self,
		}
		if got > 0 {
			r.active = time.Duration(last - start).Seconds()
		}
		for i := range nodes {
			r.nodeCPU += c1.nodes[i] - c0.nodes[i]
		}
		r.steal = c1.steal - c0.steal
		r.otherCPU = max(0, (c1.machine-c0.machine)-r.steal-r.nodeCPU-r.redisCPU-r.genCPU)
		fmt.Print(tableRow(r))
		out = append(out, r)
		quiesce(cs)
	}
	return out
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
