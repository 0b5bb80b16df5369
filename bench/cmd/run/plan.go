//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gosio/socketio/bench/internal/hist"
	"github.com/gosio/socketio/bench/internal/proto"
)

// metric is one row of a scenario's table.
type metric struct {
	key    string
	label  string
	better int    // +1 higher is better, -1 lower is better, 0 informative
	format string // "int", "ms", "pct", "kib", "ratio", "count"
}

// variant is one scenario with its parameters: one table section.
type variant struct {
	key      string // unique, e.g. "ack-100"
	scenario string // loadgen scenario
	group    string // the table it belongs to
	label    string // its rows' first column
	servers  []string
	clients  int
	rate     float64  // broadcast: per second, 0 = max
	size     int      // broadcast: packet size in bytes (0: 100)
	skip     string   // why it is not run on this machine
	env      []string // NAME=value pairs added to our server's environment (after -server-env's)
	metrics  []metric

	// The Wire options group: the servers' options, the extra load
	// generator flags, the option's name in the table and the key of the
	// same scenario without the option (empty for that one).
	wire     wireOpts
	lgArgs   []string
	option   string
	baseline string
	title    string // the sub-table it belongs to

	// paired runs every server of the variant at once (see runPaired):
	// the machine's drift then falls on all of them within a run.
	paired bool
}

// wireOpts are the wire options a server runs with (zero: the defaults).
type wireOpts struct {
	msgpack    bool // the msgpack parser
	deflate    bool // permessage-deflate
	httpNoGzip bool // HTTP compression of long-polling responses off
	textPad    bool // broadcasts padded with text, not 'x'
}

// serverArgs are the flags that give a server these options; ours and
// Node take the same ones (bench/server/options.go, bench/node/server.js).
func (w wireOpts) serverArgs(kind string) []string {
	dash := "-"
	if kind == "node" {
		dash = "--"
	}
	var args []string
	if w.msgpack {
		args = append(args, dash+"parser", "msgpack")
	}
	if w.deflate {
		args = append(args, dash+"deflate")
	}
	if w.httpNoGzip {
		args = append(args, dash+"http-compression", "off")
	}
	if w.textPad {
		args = append(args, dash+"pad", "text")
	}
	return args
}

func (v *variant) runsOn(server string) bool {
	for _, s := range v.servers {
		if s == server {
			return true
		}
	}
	return false
}

var (
	mRate = func(label string) metric { return metric{"rate", label, +1, "int"} }
	mP50  = metric{"p50_ms", "p50 latency", -1, "ms"}
	mP99  = metric{"p99_ms", "p99 latency", -1, "ms"}
	mSCPU = metric{"server_cpu", "server CPU", 0, "pct"}
	mLCPU = metric{"loadgen_cpu", "load generator CPU", 0, "pct"}
	mOCPU = metric{"other_cpu", "rest of the machine CPU", 0, "pct"}
	mErr  = metric{"errors", "errors", -1, "count"}
	mNoGC = metric{"rss_nogc_per_conn_kib", "RSS per client, no forced GC", -1, "kib"}
	mEff  = func(label string) metric { return metric{"rate_per_cpu_s", label, +1, "int"} }
	mRx   = func(op string) metric {
		return metric{"rx_bytes_per_op", "bytes server → client per " + op, -1, "bytes"}
	}
	mTx = func(op string) metric {
		return metric{"tx_bytes_per_op", "bytes client → server per " + op, -1, "bytes"}
	}
)

// idleLimEnv is the Go runtime setting of the Idle memory with
// GOMEMLIMIT variant: README's "Idle memory" documents setting GOMEMLIMIT
// to the memory the process is given, and measured it with this one.
const idleLimEnv = "GOMEMLIMIT=64MiB"

// group titles, in report order.
const (
	gAck     = "Ack round trip"
	gAckPair = "Ack round trip, ours and raw at once"
	gBcast   = "Broadcast fan-out"
	gIdle    = "Idle memory"
	gIdleLim = "Idle memory with GOMEMLIMIT"
	gPolling = "Long-polling"
	gConnect = "Connection rate"
	// gWire is not in the default set (-scenarios options): its section of
	// the report is written by its own runs and kept by the others.
	gWire = "Wire options"
)

var groupOrder = []string{gAck, gAckPair, gBcast, gIdle, gIdleLim, gPolling, gConnect}

// defaultScenarios are what make bench runs; "all" adds "options".
const defaultScenarios = "ack,broadcast,idle,polling,connect"

func (h *harness) plan() []*variant {
	all := []string{"ours", "node", "raw"}
	oursRaw := []string{"ours", "raw"}
	sio := []string{"ours", "node"}
	var vs []*variant
	if h.scenarios["ack"] {
		for _, n := range h.p.ackClients {
			vs = append(vs, &variant{
				key: fmt.Sprintf("ack-%d", n), scenario: "ack", group: gAck,
				label: fmt.Sprintf("%s clients", thousands(float64(n))), servers: all, clients: n,
				metrics: []metric{mRate("acks/s"), mP50, mP99, mSCPU, mEff("acks per server CPU-second"), mLCPU, mOCPU, mErr},
			})
		}
		// Issue 15's ack goal, measured with both servers running at
		// once (runPaired): one at a time, the VM's drift between two
		// runs minutes apart was as large as the gap being measured.
		if n := slices.Max(h.p.ackClients); h.wants("ours") && h.wants("raw") {
			vs = append(vs, &variant{
				key: fmt.Sprintf("ackpair-%d", n), scenario: "ack", group: gAckPair,
				label: fmt.Sprintf("%s clients", thousands(float64(n))), servers: oursRaw, clients: n, paired: true,
				metrics: []metric{mEff("acks per server CPU-second"), mRate("acks/s"), mSCPU, mP99, mLCPU, mErr},
			})
		}
	}
	if h.scenarios["broadcast"] {
		n := h.p.bcastClients
		vs = append(vs, &variant{
			key: "bcast-fixed", scenario: "broadcast", group: gBcast,
			label:   fmt.Sprintf("%s clients, %g/s", thousands(float64(n)), h.p.bcastRate),
			servers: all, clients: n, rate: h.p.bcastRate,
			metrics: []metric{mRate("deliveries/s"), mP50, mP99, {"delivery_ratio", "delivered / sent", +1, "ratio"}, mSCPU, mLCPU, mOCPU},
		}, &variant{
			key: "bcast-max", scenario: "broadcast", group: gBcast,
			label:   fmt.Sprintf("%s clients, max rate", thousands(float64(n))),
			servers: all, clients: n, rate: 0,
			metrics: []metric{mRate("deliveries/s"), {"broadcasts_per_s", "broadcasts/s", +1, "int"}, mP50, mP99,
				{"stalls", "credit stalls (should be 0)", -1, "count"}, mSCPU, mLCPU, mOCPU},
		})
	}
	if h.scenarios["idle"] {
		idle := func(n int, servers []string) *variant {
			v := &variant{
				key: fmt.Sprintf("idle-%d", n), scenario: "idle", group: gIdle,
				label: fmt.Sprintf("%s clients", thousands(float64(n))), servers: servers, clients: n,
				metrics: []metric{
					{"rss_per_conn_kib", "RSS per client", -1, "kib"},
					mNoGC,
					{"heap_per_conn_kib", "heap per client", -1, "kib"},
					{"conns", "clients connected", 0, "count"},
					{"rss_after_mib", "server RSS", -1, "mib"},
					{"p99_ms", "connect p99", -1, "ms"},
				},
			}
			if need := n + 512; need > h.fdLimit {
				v.skip = fmt.Sprintf("needs %s open files in one server process; RLIMIT_NOFILE is %s here", thousands(float64(need)), thousands(float64(h.fdLimit)))
			}
			vs = append(vs, v)
			return v
		}
		for _, n := range h.p.idleN {
			idle(n, all)
		}
		for _, n := range h.p.idleOursN {
			idle(n, oursRaw)
		}
		// Issue 15's reading as README's "Idle memory" documents it: our
		// server alone, with the memory limit a deployment would set.
		// Its headline is the figure without a forced GC.
		v := idle(h.p.idleLimN, []string{"ours"})
		v.key += "-memlimit"
		v.group = gIdleLim
		v.env = []string{idleLimEnv}
		v.metrics[0], v.metrics[1] = v.metrics[1], v.metrics[0]
	}
	if h.scenarios["polling"] {
		vs = append(vs, &variant{
			key: "polling", scenario: "polling", group: gPolling,
			label: fmt.Sprintf("%d sessions at once", h.p.pollClients), servers: sio, clients: h.p.pollClients,
			metrics: []metric{mRate("echoes/s"), mP50, mP99,
				{"handshakes_per_s", "handshakes/s", +1, "int"}, {"handshake_p99_ms", "handshake p99", -1, "ms"}, mSCPU, mLCPU, mOCPU, mErr},
		})
	}
	if h.scenarios["connect"] {
		n := min(h.p.connectN, h.fdLimit-2000)
		vs = append(vs, &variant{
			key: "connect", scenario: "connect", group: gConnect,
			label:   fmt.Sprintf("%s connections, %d at once", thousands(float64(n)), h.concurrency),
			servers: all, clients: n,
			metrics: []metric{mRate("connections/s"), mP50, mP99, mSCPU, mLCPU, mOCPU, mErr},
		})
	}
	if h.scenarios["options"] {
		vs = append(vs, h.wirePlan()...)
	}
	return vs
}

// wirePlan is the Wire options group (issue 13): each option's cost on
// ours and on Node, against the same scenario without it. Payloads are
// JSON-like text (proto.TextPad): 'x' padding compresses to almost
// nothing. Not in the default set: it takes about as long as make bench.
func (h *harness) wirePlan() []*variant {
	sio := []string{"ours", "node"}
	p := h.p
	var vs []*variant
	ack := fmt.Sprintf("Ack round trip, %s clients, %s text payload", thousands(float64(p.optAckClients)), kib(p.optPayload))
	bcast := fmt.Sprintf("Broadcast, %s clients, %g/s, %s text", thousands(float64(p.optBcastClients)), p.optBcastRate, kib(p.optPayload))
	poll := fmt.Sprintf("Long-polling echo, %d sessions, %s text messages, Accept-Encoding: gzip", p.pollClients, kib(p.optPollPayload))
	options := []struct {
		key, label string
		w          wireOpts
		lg         []string
	}{
		{"json", "JSON parser (default)", wireOpts{textPad: true}, nil},
		{"msgpack", "msgpack parser", wireOpts{textPad: true, msgpack: true}, []string{"-parser", "msgpack"}},
		{"deflate", "permessage-deflate", wireOpts{textPad: true, deflate: true}, []string{"-deflate"}},
	}
	for _, o := range options {
		base := ""
		if o.key != "json" {
			base = "opt-ack-json"
		}
		vs = append(vs, &variant{
			key: "opt-ack-" + o.key, scenario: "ack", group: gWire, title: ack, label: "ack, " + o.label,
			option: o.label, baseline: base, servers: sio, clients: p.optAckClients, wire: o.w,
			lgArgs:  append([]string{"-payload", strconv.Itoa(p.optPayload), "-pad", "text"}, o.lg...),
			metrics: []metric{mRate("acks/s"), mP99, mSCPU, mEff("acks per server CPU-second"), mRx("ack"), mTx("ack"), mLCPU, mErr},
		})
	}
	for _, o := range options {
		base := ""
		if o.key != "json" {
			base = "opt-bcast-json"
		}
		vs = append(vs, &variant{
			key: "opt-bcast-" + o.key, scenario: "broadcast", group: gWire, title: bcast, label: "broadcast, " + o.label,
			option: o.label, baseline: base, servers: sio, clients: p.optBcastClients, wire: o.w,
			rate: p.optBcastRate, size: p.optPayload, lgArgs: o.lg,
			metrics: []metric{mRate("deliveries/s"), mP99, {"delivery_ratio", "delivered / sent", +1, "ratio"}, mSCPU,
				mEff("deliveries per server CPU-second"), mRx("delivery"), mTx("delivery"), mLCPU},
		})
	}
	for _, o := range []struct {
		key, label, base string
		w                wireOpts
	}{
		{"off", "HTTP compression off", "", wireOpts{textPad: true, httpNoGzip: true}},
		{"gzip", "HTTP compression on (default)", "opt-poll-off", wireOpts{textPad: true}},
	} {
		vs = append(vs, &variant{
			key: "opt-poll-" + o.key, scenario: "polling", group: gWire, title: poll, label: "polling, " + o.label,
			option: o.label, baseline: o.base, servers: sio, clients: p.pollClients, wire: o.w,
			lgArgs: []string{"-payload", strconv.Itoa(p.optPollPayload), "-pad", "text", "-accept-encoding", "gzip"},
			metrics: []metric{mRate("echoes/s"), mP99, mSCPU, mEff("echoes per server CPU-second"), mRx("echo"), mTx("echo"),
				{"compressed_share", "responses ≥ 1 KiB compressed", 0, "ratio"}, mLCPU, mErr},
		})
	}
	return vs
}

func kib(n int) string {
	if n%1024 == 0 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d bytes", n)
}

// cell is what one server measured for one variant over its runs.
type cell struct {
	runs []map[string]float64
	nums []int // the run number (1, 2, …) of each of runs: runs of one number ran side by side on every server
	errs []string
	skip string
}

// values of a metric over the successful runs, by run number (runs
// without the metric, or NaN, left out).
func (c *cell) values(key string) map[int]float64 {
	if c == nil {
		return nil
	}
	m := map[int]float64{}
	for i, r := range c.runs {
		v, ok := r[key]
		if !ok || math.IsNaN(v) {
			continue
		}
		n := i + 1
		if len(c.nums) == len(c.runs) {
			n = c.nums[i]
		}
		m[n] = v
	}
	return m
}

// median of a metric over the successful runs (NaN if none).
func (c *cell) median(key string) float64 {
	if c == nil {
		return math.NaN()
	}
	var xs []float64
	for _, r := range c.runs {
		if v, ok := r[key]; ok && !math.IsNaN(v) {
			xs = append(xs, v)
		}
	}
	if len(xs) == 0 {
		return math.NaN()
	}
	sort.Float64s(xs)
	m := len(xs) / 2
	if len(xs)%2 == 1 {
		return xs[m]
	}
	return (xs[m-1] + xs[m]) / 2
}

type results map[string]map[string]*cell // variant key → server → cell

func (r results) failures() int {
	n := 0
	for _, byServer := range r {
		for _, c := range byServer {
			n += len(c.errs)
		}
	}
	return n
}

func (r results) get(variant, server string) *cell {
	if r[variant] == nil {
		return nil
	}
	return r[variant][server]
}

func (h *harness) run(plan []*variant) results {
	res := results{}
	total := 0
	for _, s := range h.servers {
		for _, v := range plan {
			if v.runsOn(s) && v.skip == "" {
				total += h.runsOf(v)
			}
		}
	}
	// Runs are interleaved: each scenario's run 1 on every server, then run
	// 2, and so on. On a machine whose speed drifts (a shared VM: the same
	// binary varies by a quarter from minute to minute) the drift then
	// falls on every server alike instead of on whichever ran last, and
	// the ratios stay fair.
	done := 0
	for _, v := range plan {
		cells := map[string]*cell{}
		for _, s := range h.servers {
			if !v.runsOn(s) {
				continue
			}
			if res[v.key] == nil {
				res[v.key] = map[string]*cell{}
			}
			c := &cell{skip: v.skip}
			res[v.key][s] = c
			if v.skip != "" {
				log.Printf("[%s] %s %s: skipped: %s", s, v.group, v.label, v.skip)
				continue
			}
			cells[s] = c
		}
		if v.paired {
			done += h.runPairs(v, cells, done, total)
			continue
		}
		for run := 1; run <= h.p.runs; run++ {
			for _, s := range h.servers {
				c := cells[s]
				if c == nil {
					continue
				}
				done++
				m, err := h.runOne(v, s, run)
				if errors.Is(err, errUnavailable) {
					// This build of the server lacks an option: not a failure.
					c.skip = strings.TrimPrefix(err.Error(), errUnavailable.Error()+": ")
					cells[s] = nil
					total -= h.p.runs - run
					log.Printf("[%d/%d] [%s] %s %s: not run: %s", done, total, s, v.group, v.label, c.skip)
					continue
				}
				if err != nil {
					c.errs = append(c.errs, err.Error())
					log.Printf("[%d/%d] [%s] %s %s run %d: FAILED: %v", done, total, s, v.group, v.label, run, err)
					continue
				}
				c.runs = append(c.runs, m)
				c.nums = append(c.nums, run)
				log.Printf("[%d/%d] [%s] %s %s run %d: %s", done, total, s, v.group, v.label, run, summarize(v, m))
			}
		}
	}
	return res
}

func summarize(v *variant, m map[string]float64) string {
	var parts []string
	for _, mt := range v.metrics {
		if x, ok := m[mt.key]; ok {
			parts = append(parts, mt.label+" "+formatValue(mt.format, x))
		}
	}
	return strings.Join(parts, ", ")
}

// runOne runs a variant once against a fresh server.
func (h *harness) runOne(v *variant, kind string, run int) (map[string]float64, error) {
	profiling := h.profileDir != "" && kind == "ours"
	s, err := h.startServer(v, kind, profiling)
	if err != nil {
		return nil, err
	}
	defer s.stop()
	if v.scenario == "idle" {
		return h.runIdle(v, s, run)
	}

	mode := "sio"
	if kind == "raw" {
		mode = "raw"
	}
	args := h.loadgenArgs(v, s, mode)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()

	var profWG sync.WaitGroup
	onLine := func(string) {}
	if profiling {
		secs := int(math.Max(1, h.p.duration.Seconds()))
		if v.scenario == "connect" {
			secs = 3
		}
		onLine = func(line string) {
			if line == "PHASE measure" {
				profWG.Add(1)
				go func() {
					defer profWG.Done()
					h.saveProfile(s, fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), v, run, "cpu")
				}()
			}
		}
	}
	lg, err := h.startLoadgen(ctx, args, onLine)
	if err != nil {
		return nil, err
	}
	_ = lg.stdin.Close()
	r, err := lg.result()
	if profiling {
		profWG.Wait()
		h.saveProfile(s, "/debug/pprof/heap", v, run, "heap")
		h.saveProfile(s, "/debug/pprof/allocs", v, run, "allocs")
	}
	if err != nil {
		return nil, err
	}
	return resultMetrics(r), nil
}

func (h *harness) saveProfile(s *server, path string, v *variant, run int, kind string) {
	file := filepath.Join(h.profileDir, fmt.Sprintf("ours-%s-run%d-%s.pprof", v.key, run, kind))
	if err := fetch(s.pprofBase+path, file); err != nil {
		log.Printf("profile %s: %v", file, err)
	}
}

func (h *harness) loadgenArgs(v *variant, s *server, mode string) []string {
	args := []string{
		"-url", s.base, "-mode", mode, "-scenario", v.scenario,
		"-clients", strconv.Itoa(v.clients),
		"-warmup", h.p.warmup.String(), "-duration", h.p.duration.String(),
		"-server-pid", strconv.Itoa(s.pid()),
		"-src-ips", strconv.Itoa(h.srcIPs), "-concurrency", strconv.Itoa(h.concurrency),
	}
	if v.scenario == "broadcast" {
		size := v.size
		if size <= 0 {
			size = 100
		}
		args = append(args, "-rate", strconv.FormatFloat(v.rate, 'g', -1, 64), "-window", strconv.Itoa(h.p.bcastWindow), "-size", strconv.Itoa(size))
	}
	return append(args, v.lgArgs...)
}

func resultMetrics(r *proto.Result) map[string]float64 {
	m := map[string]float64{
		"rate":        r.Rate,
		"p50_ms":      float64(r.Lat.P50) / 1e6,
		"p99_ms":      float64(r.Lat.P99) / 1e6,
		"p999_ms":     float64(r.Lat.P999) / 1e6,
		"max_ms":      float64(r.Lat.Max) / 1e6,
		"errors":      float64(r.Errors),
		"connected":   float64(r.Connected),
		"loadgen_cpu": r.LoadgenCPU,
	}
	if r.ServerCPU >= 0 {
		m["server_cpu"] = r.ServerCPU
		if r.ServerCPU > 0 {
			m["rate_per_cpu_s"] = r.Rate / (r.ServerCPU / 100)
		}
		if r.MachineCPU >= 0 {
			m["machine_cpu"] = r.MachineCPU
			m["other_cpu"] = max(0, r.MachineCPU-r.ServerCPU-r.LoadgenCPU)
		}
	}
	for k, v := range r.Extra {
		if strings.HasSuffix(k, "_ns") {
			m[strings.TrimSuffix(k, "_ns")+"_ms"] = v / 1e6
			continue
		}
		m[k] = v
	}
	return m
}

// runIdle connects v.clients idle clients (in load generator shards below
// the open-file limit), and reports the server's RSS growth per client.
func (h *harness) runIdle(v *variant, s *server, run int) (map[string]float64, error) {
	time.Sleep(300 * time.Millisecond)
	before, err := s.rss(true)
	if err != nil {
		return nil, err
	}
	perShard := max(h.fdLimit-1000, 1000)
	shards := (v.clients + perShard - 1) / perShard
	mode := "sio"
	if s.kind == "raw" {
		mode = "raw"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	var lgs []*loadgen
	defer func() {
		for _, lg := range lgs {
			_ = lg.stdin.Close()
		}
	}()
	left := v.clients
	for i := range shards {
		n := left / (shards - i)
		left -= n
		args := h.loadgenArgs(v, s, mode)
		for j := range args {
			if args[j] == "-clients" {
				args[j+1] = strconv.Itoa(n) // this shard's share
			}
		}
		args = append(args, "-hold")
		lg, err := h.startLoadgen(ctx, args, nil)
		if err != nil {
			return nil, err
		}
		lgs = append(lgs, lg)
	}
	connected := 0
	for _, lg := range lgs {
		n, err := lg.waitReady(20 * time.Minute)
		if err != nil {
			return nil, err
		}
		connected += n
	}
	// First as a user sees it (no forced GC, issue 15's reading), then
	// after a forced GC and a return of free memory to the OS.
	time.Sleep(h.p.idleNoGC)
	nogc, err := s.rss(false)
	if err != nil {
		return nil, err
	}
	if d := h.p.idleSettle - h.p.idleNoGC; d > 0 {
		time.Sleep(d)
	}
	after, err := s.rss(true)
	if err != nil {
		return nil, err
	}
	if h.profileDir != "" && s.pprofBase != "" {
		h.saveProfile(s, "/debug/pprof/heap", v, run, "heap")
	}
	for _, lg := range lgs {
		_ = lg.stdin.Close()
	}
	lat := &hist.H{}
	errs := 0.0
	for _, lg := range lgs {
		r, err := lg.result()
		if err != nil {
			return nil, err
		}
		lat.AddSparse(r.Hist)
		errs += float64(r.Errors)
	}
	lgs = nil
	if after.Conns <= 0 {
		return nil, fmt.Errorf("the server reports no connected client (load generators connected %d)", connected)
	}
	sum := lat.Summary()
	return map[string]float64{
		"rss_per_conn_kib":      float64(after.RSS-before.RSS) / float64(after.Conns) / 1024,
		"rss_nogc_per_conn_kib": float64(nogc.RSS-before.RSS) / float64(max(nogc.Conns, 1)) / 1024,
		"heap_per_conn_kib":     float64(after.Heap-before.Heap) / float64(after.Conns) / 1024,
		"conns":                 float64(after.Conns),
		"rss_before_mib":        float64(before.RSS) / (1 << 20),
		"rss_after_mib":         float64(after.RSS) / (1 << 20),
		"p50_ms":                float64(sum.P50) / 1e6,
		"p99_ms":                float64(sum.P99) / 1e6,
		"errors":                errs,
	}, nil
}
