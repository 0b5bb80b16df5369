//go:build linux

// Command run is the benchmark harness: it builds the bench programs, then
// starts each server in turn (ours, node, raw), runs every scenario
// against it with the load generator, repeats each run and keeps the
// medians, and writes docs/benchmarks.md and docs/benchmarks.png.
//
//	make bench                      # = go run ./bench/cmd/run
//	go run ./bench/cmd/run -quick   # smoke test: small N, short runs (about 2 minutes)
//	go run ./bench/cmd/run -servers ours -scenarios ack,broadcast -runs 1 -v
//	go run ./bench/cmd/run -profile /tmp/prof   # also save pprof profiles of ours
//	go run ./bench/cmd/run -servers ours,node -scenarios options   # the Wire options (about 10 minutes)
//
// The Wire options group (-scenarios options, or all) is not in the
// default set: it takes about as long as the rest. A run without it keeps
// the Wire options section of the existing report, and a run of it alone
// replaces only that section (and leaves the chart alone).
//
// Every server is a fresh process for every run. See docs/benchmarks.md
// for what each scenario measures.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gosio/socketio/bench/internal/proc"
)

// The report and chart make bench writes.
const (
	defaultOut = "docs/benchmarks.md"
	defaultPNG = "docs/benchmarks.png"
)

// params are the sizes and durations of one mode (full or quick).
type params struct {
	runs         int
	warmup       time.Duration
	duration     time.Duration
	ackClients   []int
	bcastClients int
	bcastRate    float64
	bcastWindow  int
	idleN        []int // every server
	idleOursN    []int // ours and raw only
	idleSettle   time.Duration
	idleNoGC     time.Duration // from connected to the RSS read without a forced GC
	idleLimN     int           // ours only, with idleLimEnv
	pollClients  int
	connectN     int

	// The Wire options group.
	optAckClients   int
	optBcastClients int
	optBcastRate    float64
	optPayload      int // ack payload and broadcast size, bytes
	optPollPayload  int // polling echo message, bytes
}

var fullParams = params{
	runs:         3,
	warmup:       2 * time.Second,
	duration:     10 * time.Second,
	ackClients:   []int{100, 1000},
	bcastClients: 10000,
	bcastRate:    10,
	bcastWindow:  8,
	idleN:        []int{10000, 50000},
	idleOursN:    []int{100000},
	idleSettle:   5 * time.Second,
	idleNoGC:     15 * time.Second, // as issue 15 measures it
	idleLimN:     10000,
	pollClients:  100,
	connectN:     15000,

	optAckClients:   100,
	optBcastClients: 1000,
	optBcastRate:    10,
	optPayload:      2048,
	optPollPayload:  4096,
}

var quickParams = params{
	runs:         1,
	warmup:       500 * time.Millisecond,
	duration:     2 * time.Second,
	ackClients:   []int{50, 200},
	bcastClients: 1000,
	bcastRate:    10,
	bcastWindow:  8,
	idleN:        []int{1000, 3000},
	idleOursN:    []int{5000},
	idleSettle:   3 * time.Second, // past IdleParkAfter (1 s): the idle state
	idleNoGC:     3 * time.Second,
	idleLimN:     1000,
	pollClients:  20,
	connectN:     2000,

	optAckClients:   100,
	optBcastClients: 1000,
	optBcastRate:    10,
	optPayload:      2048,
	optPollPayload:  4096,
}

type harness struct {
	p           params
	quick       bool
	root        string // repository root
	bin         string // built bench programs
	tmp         string // logs
	node        string
	taskset     string
	pin         bool
	serverCPUs  string
	loadgenCPUs string
	verbose     bool
	profileDir  string
	srcIPs      int
	concurrency int
	serverEnv   []string // -server-env: added to our Go server's environment
	fdLimit     int
	servers     []string
	scenarios   map[string]bool
	started     time.Time
	loadAvg     string
}

func main() {
	quick := flag.Bool("quick", false, "smoke test: small N, short runs, 1 run (about 2 minutes)")
	runs := flag.Int("runs", 0, "runs per cell, medians reported (default 3, quick 1)")
	servers := flag.String("servers", "ours,node,raw", "servers to run, in order")
	scenarios := flag.String("scenarios", defaultScenarios, "scenarios to run: ack, broadcast, idle, polling, connect, options (the Wire options group, not in the default set), or all")
	out := flag.String("out", defaultOut, "report path (relative to the repository root)")
	pngOut := flag.String("png", defaultPNG, "chart path (relative to the repository root)")
	// Pinned by default: Node's single JavaScript thread only saturates
	// a core when it does not share it with the load generator (unpinned,
	// the scheduler moves threads and loopback work between cores and Node
	// stayed at 73-84 %), and every server then gets the same one core.
	pin := flag.Bool("pin", runtime.NumCPU() >= 2, "pin servers to -server-cpus and the load generator to -loadgen-cpus (taskset); default on with 2+ cores")
	serverEnv := flag.String("server-env", "", "space-separated NAME=value pairs added to our server's environment (GOGC=50, GOMEMLIMIT=64MiB, ...); needs -out and -png other than docs/benchmarks.md and .png, since the report does not say it")
	serverCPUs := flag.String("server-cpus", "0", "CPUs for the servers with -pin")
	loadgenCPUs := flag.String("loadgen-cpus", fmt.Sprintf("1-%d", max(1, runtime.NumCPU()-1)), "CPUs for the load generator with -pin")
	profile := flag.String("profile", "", "save pprof CPU, heap and allocs profiles of ours in this directory")
	srcIPs := flag.Int("src-ips", 32, "client source addresses 127.0.0.1 … 127.0.0.N")
	concurrency := flag.Int("concurrency", 200, "connections opened at once (below Node's listen backlog of 511)")
	verbose := flag.Bool("v", false, "show the load generator's progress and commands")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bench: ")

	h := &harness{
		p: fullParams, quick: *quick, pin: *pin, serverCPUs: *serverCPUs, loadgenCPUs: *loadgenCPUs,
		verbose: *verbose, srcIPs: *srcIPs, concurrency: *concurrency, started: time.Now(),
		scenarios: map[string]bool{},
	}
	if *quick {
		h.p = quickParams
	}
	if *runs > 0 {
		h.p.runs = *runs
	}
	for _, s := range strings.Split(*servers, ",") {
		if s = strings.TrimSpace(s); s != "" {
			h.servers = append(h.servers, s)
		}
	}
	for _, s := range strings.Split(*scenarios, ",") {
		switch s = strings.TrimSpace(s); s {
		case "all":
			for _, d := range strings.Split(defaultScenarios+",options", ",") {
				h.scenarios[d] = true
			}
		case "ack", "broadcast", "idle", "polling", "connect", "options":
			h.scenarios[s] = true
		case "":
		default:
			log.Fatalf("unknown scenario %q (-scenarios takes %s,options or all)", s, defaultScenarios)
		}
	}
	h.fdLimit = int(proc.RaiseFileLimit()) // inherited by the servers and load generators
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		h.loadAvg = strings.Join(strings.Fields(string(b))[:3], " ")
	}

	var err error
	if h.root, err = repoRoot(); err != nil {
		log.Fatal(err)
	}
	if *serverEnv != "" {
		// Only -out and -png given on the command line count, and not
		// the defaults' paths.
		var outPath, pngPath string
		flag.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "out":
				outPath = h.inRoot(*out)
			case "png":
				pngPath = h.inRoot(*pngOut)
			}
		})
		if h.serverEnv, err = h.parseServerEnv(*serverEnv, outPath, pngPath); err != nil {
			log.Fatal(err)
		}
	}
	if h.tmp, err = os.MkdirTemp("", "gosio-bench-"); err != nil {
		log.Fatal(err)
	}
	h.bin = filepath.Join(h.tmp, "bin")
	if *profile != "" {
		h.profileDir, _ = filepath.Abs(*profile)
		if err := os.MkdirAll(h.profileDir, 0o755); err != nil {
			log.Fatal(err)
		}
	}
	if h.pin {
		if h.taskset, err = exec.LookPath("taskset"); err != nil {
			log.Fatal("-pin needs taskset (util-linux)")
		}
	}
	if err := h.build(); err != nil {
		log.Fatal(err)
	}

	plan := h.plan()
	results := h.run(plan)

	mdPath, pngPath := h.inRoot(*out), h.inRoot(*pngOut)
	if err := os.MkdirAll(filepath.Dir(mdPath), 0o755); err != nil {
		log.Fatal(err)
	}
	info := h.machineInfo()
	rel, _ := filepath.Rel(filepath.Dir(mdPath), pngPath)
	doc := h.report(info, plan, results, rel)
	old, _ := os.ReadFile(mdPath)
	wireHead := "## " + gWire + "\n"
	switch {
	case hasMain(plan) && !hasWire(plan):
		// Keep the Wire options of an earlier run.
		if sec := section(string(old), wireHead); sec != "" {
			doc = insertSection(doc, sec)
			log.Printf("kept the %s section of the existing %s", gWire, mdPath)
		}
	case !hasMain(plan) && hasWire(plan) && section(string(old), "## Machine\n") != "":
		// Only the Wire options were run: replace that section alone.
		doc = replaceSection(string(old), section(doc, wireHead))
		log.Printf("replaced the %s section of %s, the rest is unchanged", gWire, mdPath)
	}
	if err := os.WriteFile(mdPath, []byte(doc), 0o644); err != nil {
		log.Fatal(err)
	}
	title := "GOSIO/SOCKETIO BENCHMARKS " + h.started.UTC().Format("2006-01-02")
	if h.quick {
		title += " (QUICK MODE)"
	}
	if panels := h.chartPanels(plan, results); len(panels) > 0 {
		if err := writeChart(pngPath, title, h.servers, panels); err != nil {
			log.Fatal(err)
		}
	} else {
		pngPath = "(no chart: nothing to chart)"
	}
	_ = os.RemoveAll(h.bin)
	if failed := results.failures(); failed > 0 {
		log.Printf("%d run(s) failed: server logs are in %s", failed, h.tmp)
	} else {
		_ = os.RemoveAll(h.tmp)
	}
	log.Printf("wrote %s and %s in %s", mdPath, pngPath, time.Since(h.started).Round(time.Second))
}

// parseServerEnv checks -server-env: the Go runtime's settings for our
// server only (the load generator keeps its own). docs/benchmarks.md
// describes the defaults (and its own GOMEMLIMIT variant, which says so):
// a run with other settings goes elsewhere, to out and png, the report and
// chart paths given on the command line (resolved; "" if not given).
func (h *harness) parseServerEnv(env, out, png string) ([]string, error) {
	if out == "" || png == "" || out == h.inRoot(defaultOut) || png == h.inRoot(defaultPNG) {
		return nil, fmt.Errorf("-server-env needs -out and -png other than %s and %s: the report does not say which environment it was measured in", defaultOut, defaultPNG)
	}
	var kvs []string
	for _, kv := range strings.Fields(env) {
		if !strings.Contains(kv, "=") {
			return nil, fmt.Errorf("-server-env: %q is not NAME=value", kv)
		}
		kvs = append(kvs, kv)
	}
	return kvs, nil
}

// section returns the part of a markdown document from the line head
// ("## Title\n") to the next "## " heading, or "".
func section(doc, head string) string {
	i := strings.Index(doc, head)
	if i < 0 || (i > 0 && doc[i-1] != '\n') {
		return ""
	}
	rest := doc[i+len(head):]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		return doc[i : i+len(head)+j+1]
	}
	return doc[i:]
}

// insertSection puts sec before the "## Every run" heading (else before
// "## How it is measured", else at the end).
func insertSection(doc, sec string) string {
	for _, head := range []string{"## Every run\n", "## How it is measured\n"} {
		if i := strings.Index(doc, "\n"+head); i >= 0 {
			return doc[:i+1] + sec + doc[i+1:]
		}
	}
	if !strings.HasSuffix(doc, "\n\n") {
		doc += "\n"
	}
	return doc + sec
}

// replaceSection replaces doc's section of sec's heading by sec, or
// inserts it.
func replaceSection(doc, sec string) string {
	head := sec[:strings.IndexByte(sec, '\n')+1]
	if old := section(doc, head); old != "" {
		return strings.Replace(doc, old, sec, 1)
	}
	return insertSection(doc, sec)
}

// inRoot resolves a relative path against the repository root.
func (h *harness) inRoot(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(h.root, p)
}

// repoRoot finds the module root from the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/gosio/socketio\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("run from inside the github.com/gosio/socketio repository")
		}
		dir = parent
	}
}

// build compiles the Go bench programs and installs the Node server's
// packages (npm ci, from bench/node/package-lock.json) when missing.
func (h *harness) build() error {
	log.Printf("building bench/server, bench/raw, bench/loadgen")
	cmd := exec.Command("go", "build", "-o", h.bin+string(filepath.Separator), "./bench/raw", "./bench/loadgen")
	cmd.Dir = h.root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}
	// bench/server is a module of its own (it uses the msgpack module).
	cmd = exec.Command("go", "build", "-o", h.bin+string(filepath.Separator), ".")
	cmd.Dir = filepath.Join(h.root, "bench", "server")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build (bench/server): %w", err)
	}
	if !h.wants("node") {
		return nil
	}
	var err error
	if h.node, err = exec.LookPath("node"); err != nil {
		return fmt.Errorf("the node server needs Node.js >= 20 (or run with -servers ours,raw)")
	}
	nodeDir := filepath.Join(h.root, "bench", "node")
	if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "socket.io", "package.json")); err != nil {
		log.Printf("npm ci in bench/node")
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = nodeDir
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("npm ci in bench/node: %w", err)
		}
	}
	return nil
}

func (h *harness) wants(server string) bool {
	for _, s := range h.servers {
		if s == server {
			return true
		}
	}
	return false
}
