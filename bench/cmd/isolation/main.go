//go:build linux

// Command isolation checks that one hostile client cannot hurt the others:
// it starts our Socket.IO server in-process on 127.0.0.1, connects
// -healthy well-behaved WebSocket clients to room "all", broadcasts -rate
// 100-byte packets a second to that room for -duration, and runs one
// attack case at a time beside them:
//
//	baseline     no attacker
//	pingflood    one client writes masked WebSocket pings (125-byte payload)
//	             as fast as it can and never reads
//	slow30       30 clients join "all" and never read
//	neverreader  one client joins "all" and never reads
//	all          pingflood, slow30 and neverreader at once (32 attackers)
//
// Attackers set SO_RCVBUF to 4096 so their receive window fills at once.
// A case passes when every healthy client received at least 95% of the
// broadcasts sent and the largest delivery latency is under 1 s. The exit
// status is 1 when any case fails.
//
//	go run ./bench/cmd/isolation
//	go run ./bench/cmd/isolation -cases pingflood -duration 5s -v
//	go run ./bench/cmd/isolation -cases slow30 -max-buffered-bytes 262144
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/bench/internal/hist"
	"github.com/gosio/socketio/bench/internal/mono"
	"github.com/gosio/socketio/bench/internal/proc"
	"github.com/gosio/socketio/bench/internal/proto"
)

// Pass rule.
const (
	minDeliveredPct = 95.0
	maxLatency      = time.Second
	// drainWait is how long healthy clients may take, after the last
	// broadcast, to receive what is still in flight.
	drainWait = 3 * time.Second
)

var allCases = []string{"baseline", "pingflood", "slow30", "neverreader", "all"}

type config struct {
	duration time.Duration
	rate     float64
	healthy  int
	verbose  bool
	// maxBuffered is the server's MaxBufferedBytes (0: its default,
	// 16 MiB). A small value makes never-reading clients overflow their
	// queue, and be cut, within the run.
	maxBuffered int64
	size        int // bytes per broadcast packet
}

func main() {
	cases := flag.String("cases", strings.Join(allCases, ","), "comma-separated cases: "+strings.Join(allCases, ", "))
	cfg := config{}
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "broadcast time per case")
	flag.Float64Var(&cfg.rate, "rate", 2000, "broadcasts per second")
	flag.IntVar(&cfg.healthy, "healthy", 20, "healthy clients")
	flag.BoolVar(&cfg.verbose, "v", false, "print every healthy client's figures, not only for failing cases")
	flag.IntVar(&cfg.size, "size", 100, "bytes per broadcast packet")
	flag.Int64Var(&cfg.maxBuffered, "max-buffered-bytes", 0, "the server's MaxBufferedBytes per session (0: its default, 16 MiB); e.g. 262144 makes never-readers be cut during the run")
	flag.Parse()
	if cfg.rate <= 0 || cfg.healthy < 1 || cfg.duration <= 0 {
		fmt.Fprintln(os.Stderr, "isolation: -rate, -healthy and -duration must be positive")
		os.Exit(2)
	}

	var names []string
	for _, c := range strings.Split(*cases, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !isCase(c) {
			fmt.Fprintf(os.Stderr, "isolation: unknown case %q (have %s)\n", c, strings.Join(allCases, ", "))
			os.Exit(2)
		}
		names = append(names, c)
	}

	var results []*result
	for _, name := range names {
		fmt.Fprintf(os.Stderr, "isolation: %s: %d healthy clients, %g msg/s for %s …\n", name, cfg.healthy, cfg.rate, cfg.duration)
		r, err := runCase(name, cfg)
		if err != nil {
			fmt.Fprintf(os.Stderr, "isolation: %s: %v\n", name, err)
			r = &result{name: name, err: err}
		}
		results = append(results, r)
	}

	failed := printTable(os.Stdout, results, cfg)
	if failed {
		os.Exit(1)
	}
}

func isCase(c string) bool {
	for _, a := range allCases {
		if a == c {
			return true
		}
	}
	return false
}

// server is our Socket.IO server on a loopback listener.
type server struct {
	io     *socketio.Server
	http   *http.Server
	url    string // http://127.0.0.1:port
	addr   string // 127.0.0.1:port
	joined atomic.Int64

	mu    sync.Mutex
	since time.Time // when the broadcast started
	gone  []gone    // sockets disconnected since
}

// gone is a socket the server disconnected.
type gone struct {
	attacker bool
	after    time.Duration // since the broadcast started
	reason   string
}

func startServer(cfg config) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	opts := &socketio.Options{Engine: socketio.EngineOptions{MaxBufferedBytes: cfg.maxBuffered}}
	s := &server{io: socketio.NewServer(opts), addr: ln.Addr().String()}
	s.url = "http://" + s.addr
	s.io.OnConnection(func(sk *socketio.Socket) {
		attacker := sk.Handshake().Query.Get("role") == "attacker"
		sk.OnDisconnect(func(reason string) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if !s.since.IsZero() {
				s.gone = append(s.gone, gone{attacker, time.Since(s.since), reason})
			}
		})
		sk.Join("all")
		s.joined.Add(1)
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", s.io)
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(ln) }()
	return s, nil
}

func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = s.io.Shutdown(ctx)
	_ = s.http.Close()
}

// waitJoined waits until n sockets have joined "all".
func (s *server) waitJoined(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for s.joined.Load() < int64(n) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d sockets joined \"all\" in %s", s.joined.Load(), n, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// result is one case's outcome.
type result struct {
	name     string
	err      error
	sent     int64
	expected int64
	clients  []*healthy
	all      hist.H // every healthy client's latencies
	minPct   float64
	attack   string // what became of the attackers
	connsEnd int    // server connections when the broadcast ended
	gone     string // sockets the server disconnected during the run
	// cpu is this process's CPU time over the broadcast, in % of one
	// core: the server, the healthy clients and the attackers together
	// (they share the process).
	cpu  float64
	pass bool
}

func runCase(name string, cfg config) (*result, error) {
	srv, err := startServer(cfg)
	if err != nil {
		return nil, err
	}
	defer srv.close()

	// Healthy clients first, then the attackers.
	clients := make([]*healthy, cfg.healthy)
	for i := range clients {
		h, err := dialHealthy(srv.url, i)
		if err != nil {
			for _, c := range clients[:i] {
				c.close()
			}
			return nil, fmt.Errorf("healthy client %d: %w", i, err)
		}
		clients[i] = h
	}
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	for _, c := range clients {
		go c.run()
	}

	att, err := startAttack(name, srv.addr)
	if err != nil {
		return nil, err
	}
	defer att.stop()
	if err := srv.waitJoined(cfg.healthy+att.sockets(), 10*time.Second); err != nil {
		return nil, err
	}
	att.begin()

	r := &result{name: name, clients: clients, expected: int64(cfg.rate * cfg.duration.Seconds())}
	srv.mu.Lock()
	srv.since = time.Now()
	srv.mu.Unlock()
	cpu0, wall0 := proc.SelfCPU(), time.Now()
	r.sent = broadcast(srv.io, cfg.rate, cfg.duration, cfg.size)
	r.cpu = 100 * float64(proc.SelfCPU()-cpu0) / float64(time.Since(wall0))
	r.connsEnd = srv.io.Engine().Count()

	// Let what is in flight arrive.
	deadline := time.Now().Add(drainWait)
	for time.Now().Before(deadline) {
		done := true
		for _, c := range clients {
			if c.received.Load() < r.sent && c.err() == nil {
				done = false
				break
			}
		}
		if done {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.attack = att.report()
	srv.mu.Lock()
	r.gone = summariseGone(srv.gone)
	srv.mu.Unlock()

	r.pass = true
	r.minPct = 100
	for _, c := range clients {
		c.mu.Lock()
		r.all.Merge(&c.lat)
		c.mu.Unlock()
		pct := 0.0
		if r.sent > 0 {
			pct = 100 * float64(c.received.Load()) / float64(r.sent)
		}
		r.minPct = min(r.minPct, pct)
		if pct < minDeliveredPct {
			r.pass = false
		}
	}
	if r.all.Max >= int64(maxLatency) || r.sent == 0 {
		r.pass = false
	}
	return r, nil
}

// broadcast emits rate packets a second to room "all" for d and returns
// how many it emitted, each padded to size bytes. Each packet carries its scheduled send time, not
// the time Emit was called: a broadcaster held up (by a slow client, say)
// shows as latency instead of hiding it by sending later.
func broadcast(io *socketio.Server, rate float64, d time.Duration, size int) int64 {
	room := io.To("all")
	start := time.Now()
	startNs := mono.Now()
	interval := float64(time.Second) / rate
	total := int64(rate * d.Seconds())
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var sent int64
	for sent < total {
		<-tick.C
		due := min(int64(float64(time.Since(start))/interval)+1, total)
		for ; sent < due; sent++ {
			seq := sent + 1
			ts := startNs + int64(float64(sent)*interval)
			pad := proto.Pad(proto.PadLen(size, proto.SIOFraming, ts, seq))
			_ = room.Emit("bcast", ts, seq, pad)
		}
	}
	return sent
}

func printTable(out io.Writer, results []*result, cfg config) (failed bool) {
	rows := [][]string{{"case", "sent", "min delivered %", "p50", "p99", "max latency", "process CPU", "result"}}
	for _, r := range results {
		if r.err != nil {
			failed = true
			rows = append(rows, []string{r.name, "-", "-", "-", "-", "-", "-", "FAIL"})
			continue
		}
		verdict := "PASS"
		if !r.pass {
			verdict = "FAIL"
			failed = true
		}
		rows = append(rows, []string{r.name, fmt.Sprint(r.sent), fmt.Sprintf("%.2f", r.minPct),
			fmtDur(r.all.Quantile(0.50)), fmtDur(r.all.Quantile(0.99)), fmtDur(r.all.Max), fmt.Sprintf("%.0f%%", r.cpu), verdict})
	}
	writeTable(out, rows)

	fmt.Fprintf(out, "\n%d healthy clients, %g msg/s of %d bytes for %s; PASS = every healthy client got >= %g%% and max latency < %s.\n",
		cfg.healthy, cfg.rate, cfg.size, cfg.duration, minDeliveredPct, maxLatency)
	fmt.Fprintln(out, "process CPU: % of one core used during the broadcast by this whole process (server, healthy clients and attackers share it).")
	for _, r := range results {
		if r.err != nil {
			fmt.Fprintf(out, "%s: error: %v\n", r.name, r.err)
			continue
		}
		fmt.Fprintf(out, "%s: sent %d of %d scheduled; server connections at end of broadcast: %d; attacker: %s; disconnected by the server: %s\n",
			r.name, r.sent, r.expected, r.connsEnd, r.attack, r.gone)
		if !r.pass || cfg.verbose {
			for _, c := range r.clients {
				c.mu.Lock()
				s := c.lat.Summary()
				c.mu.Unlock()
				pct := 100 * float64(c.received.Load()) / float64(max(r.sent, 1))
				e := ""
				if err := c.err(); err != nil {
					e = " error: " + err.Error()
				}
				fmt.Fprintf(out, "  client %2d: received %d (%.2f%%) p50 %s p99 %s max %s%s\n",
					c.idx, c.received.Load(), pct, fmtDur(s.P50), fmtDur(s.P99), fmtDur(s.Max), e)
			}
		}
	}
	return failed
}

// writeTable prints rows as a Markdown table, columns padded to line up.
func writeTable(out io.Writer, rows [][]string) {
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(row []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range row {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i == 0 {
				b.WriteString(" " + c + pad + " |")
			} else {
				b.WriteString(" " + pad + c + " |")
			}
		}
		fmt.Fprintln(out, b.String())
	}
	line(rows[0])
	sep := make([]string, len(width))
	for i, w := range width {
		if i == 0 {
			sep[i] = strings.Repeat("-", w)
		} else {
			sep[i] = strings.Repeat("-", w-1) + ":"
		}
	}
	line(sep)
	for _, row := range rows[1:] {
		line(row)
	}
}

// summariseGone groups disconnections by side and reason, with the time
// of the first and last.
func summariseGone(gs []gone) string {
	if len(gs) == 0 {
		return "none"
	}
	type key struct {
		attacker bool
		reason   string
	}
	type agg struct {
		n           int
		first, last time.Duration
	}
	var order []key
	m := map[key]*agg{}
	for _, g := range gs {
		k := key{g.attacker, g.reason}
		a := m[k]
		if a == nil {
			a = &agg{first: g.after}
			m[k] = a
			order = append(order, k)
		}
		a.n++
		a.first = min(a.first, g.after)
		a.last = max(a.last, g.after)
	}
	var parts []string
	for _, k := range order {
		a := m[k]
		who := "healthy"
		if k.attacker {
			who = "attacker"
		}
		when := fmt.Sprintf("at %.2fs", a.first.Seconds())
		if a.n > 1 {
			when = fmt.Sprintf("%.2fs…%.2fs", a.first.Seconds(), a.last.Seconds())
		}
		parts = append(parts, fmt.Sprintf("%d %s (%q, %s)", a.n, who, k.reason, when))
	}
	return strings.Join(parts, ", ")
}

func fmtDur(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	}
}
