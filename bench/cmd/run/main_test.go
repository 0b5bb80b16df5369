//go:build linux

package main

import (
	"math"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/gosio/socketio/bench/internal/hist"
	"github.com/gosio/socketio/bench/internal/proto"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const doc = "# Benchmarks\n\n## Machine\n\nm\n\n## Connection rate\n\nc\n\n## Every run\n\nr\n\n## How it is measured\n\nh\n"

func TestSections(t *testing.T) {
	if got := section(doc, "## Connection rate\n"); got != "## Connection rate\n\nc\n\n" {
		t.Errorf("section = %q", got)
	}
	if got := section(doc, "## How it is measured\n"); got != "## How it is measured\n\nh\n" {
		t.Errorf("last section = %q", got)
	}
	if section(doc, "## Wire options\n") != "" || section("x## Machine\n", "## Machine\n") != "" {
		t.Error("found a section that is not there")
	}
	wire := "## Wire options\n\nw1\n\n"
	in := insertSection(doc, wire)
	if !strings.Contains(in, "c\n\n## Wire options\n\nw1\n\n## Every run\n") {
		t.Errorf("insertSection:\n%s", in)
	}
	re := replaceSection(in, "## Wire options\n\nw2\n\n")
	if strings.Contains(re, "w1") || !strings.Contains(re, "c\n\n## Wire options\n\nw2\n\n## Every run\n") {
		t.Errorf("replaceSection:\n%s", re)
	}
	if got := replaceSection(doc, wire); got != in {
		t.Errorf("replaceSection of a missing section does not insert it:\n%s", got)
	}
	if got := insertSection("# B\n", wire); got != "# B\n\n"+wire {
		t.Errorf("insertSection at the end: %q", got)
	}
}

func TestWirePlan(t *testing.T) {
	h := &harness{p: fullParams, scenarios: map[string]bool{"options": true}}
	vs := h.plan()
	if len(vs) != 8 {
		t.Fatalf("%d wire variants, want 8", len(vs))
	}
	keys := map[string]*variant{}
	for _, v := range vs {
		keys[v.key] = v
		if v.group != gWire || !slices.Equal(v.servers, []string{"ours", "node"}) {
			t.Errorf("%s: group %q, servers %v", v.key, v.group, v.servers)
		}
		if v.baseline != "" && keys[v.baseline] == nil {
			t.Errorf("%s: baseline %q is not an earlier variant", v.key, v.baseline)
		}
		if !v.wire.textPad {
			t.Errorf("%s: not padded with text", v.key)
		}
	}
	d := keys["opt-bcast-deflate"]
	if d == nil || d.size != 2048 || d.clients != 1000 || !slices.Contains(d.lgArgs, "-deflate") {
		t.Fatalf("opt-bcast-deflate: %+v", d)
	}
	if got := d.wire.serverArgs("ours"); !slices.Equal(got, []string{"-deflate", "-pad", "text"}) {
		t.Errorf("ours args %v", got)
	}
	if got := keys["opt-ack-msgpack"].wire.serverArgs("node"); !slices.Equal(got, []string{"--parser", "msgpack", "--pad", "text"}) {
		t.Errorf("node args %v", got)
	}
	if got := keys["opt-poll-off"].wire.serverArgs("ours"); !slices.Equal(got, []string{"-http-compression", "off", "-pad", "text"}) {
		t.Errorf("ours polling args %v", got)
	}
	ack := keys["opt-ack-json"]
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Wait() }()
	args := h.loadgenArgs(ack, &server{base: "http://x", cmd: cmd}, "sio")
	if !slices.Contains(args, "-payload") || !slices.Contains(args, "text") {
		t.Errorf("ack load generator args %v", args)
	}
}

// fixture is a cell of runs: each run's figures, keyed by run number.
func fixture(runs map[int]map[string]float64, errs ...string) *cell {
	c := &cell{errs: errs}
	for n := 1; n <= len(runs)+len(errs); n++ {
		if r, ok := runs[n]; ok {
			c.runs = append(c.runs, r)
			c.nums = append(c.nums, n)
		}
	}
	return c
}

// ackRuns are three ack runs (rate, p50, server CPU and errors) as the
// load generator reports them, through resultMetrics as in a real run, so
// that each run's acks per server CPU-second is the harness's own.
func ackRuns(rates, p50, cpu, errs [3]float64) map[int]map[string]float64 {
	m := map[int]map[string]float64{}
	for i := range 3 {
		r := &proto.Result{Rate: rates[i], Errors: int64(errs[i]), ServerCPU: cpu[i], MachineCPU: -1,
			Lat: hist.Summary{P50: int64(math.Round(p50[i] * 1e6)), P99: int64(math.Round(2 * p50[i] * 1e6))}}
		m[i+1] = resultMetrics(r)
	}
	return m
}

// pairRuns are ack runs of rate and server CPU through resultMetrics.
func pairRuns(runs [][2]float64) map[int]map[string]float64 {
	m := map[int]map[string]float64{}
	for i, r := range runs {
		m[i+1] = resultMetrics(&proto.Result{Rate: r[0], ServerCPU: r[1], MachineCPU: -1, Lat: hist.Summary{P99: 1e6}})
	}
	return m
}

func spreadFixture() (*harness, []*variant, results) {
	h := &harness{p: fullParams, servers: []string{"ours", "node", "raw"}, scenarios: map[string]bool{"ack": true, "broadcast": true, "idle": true}, fdLimit: 20000}
	var plan []*variant
	for _, v := range h.plan() {
		switch v.key {
		case "ack-100", "ack-1000", "ackpair-1000", "bcast-max", "idle-10000", "idle-10000-memlimit":
			plan = append(plan, v)
		}
	}
	zero, full := [3]float64{}, [3]float64{99, 99, 99}
	res := results{
		"ack-100": {
			"ours": fixture(ackRuns([3]float64{91000, 93000, 88000}, [3]float64{1.0, 1.1, 0.9}, full, [3]float64{0, 0, 3})),
			"node": fixture(ackRuns([3]float64{25000, 32000, 28000}, [3]float64{3.8, 3.8, 3.8}, full, zero)),
			"raw":  fixture(ackRuns([3]float64{99000, 100000, 96000}, [3]float64{0.9, 0.9, 0.9}, full, zero)),
		},
		// Raw's server has CPU to spare in runs 2 and 3 (its load
		// generator saturated), ours in run 1: per server CPU-second
		// ours/raw is 70,000 / 74,747 = 0.936 in run 1, 58,586 / 85,714 =
		// 0.684 in run 2 and 54,545 / 87,500 = 0.623 in run 3, where the
		// rates give 0.757, 0.967 and 0.771.
		"ack-1000": {
			"ours": fixture(ackRuns([3]float64{56000, 58000, 54000}, [3]float64{18, 18, 18}, [3]float64{80, 99, 99}, zero)),
			"node": fixture(ackRuns([3]float64{36000, 19000, 37000}, [3]float64{26, 26, 26}, full, zero)),
			"raw":  fixture(ackRuns([3]float64{74000, 60000, 70000}, [3]float64{13, 13, 13}, [3]float64{99, 70, 80}, zero)),
		},
		// Both servers at once, four runs: per server CPU-second ours/raw
		// is 60,000 / 72,000 = 0.833, 66,000 / 70,000 = 0.943, 70,000 /
		// 80,000 = 0.875 and 66,667 / 68,000 = 0.980; the medians 66,333
		// / 71,000 = 0.934.
		"ackpair-1000": {
			"ours": fixture(pairRuns([][2]float64{{30000, 50}, {33000, 50}, {28000, 40}, {30000, 45}})),
			"raw":  fixture(pairRuns([][2]float64{{36000, 50}, {35000, 50}, {40000, 50}, {34000, 50}})),
		},
		// Ours' run 2 failed: its runs 1 and 3 pair with runs 1 and 3 of the others.
		"bcast-max": {
			"ours": fixture(map[int]map[string]float64{1: {"rate": 300000, "p99_ms": 50}, 3: {"rate": 280000, "p99_ms": 60}}, "run 2: timeout"),
			"node": fixture(map[int]map[string]float64{1: {"rate": 100000, "p99_ms": 90}, 2: {"rate": 50000, "p99_ms": 90}, 3: {"rate": 95000, "p99_ms": 90}}),
			"raw":  fixture(map[int]map[string]float64{1: {"rate": 310000, "p99_ms": 40}, 2: {"rate": 320000, "p99_ms": 40}, 3: {"rate": 300000, "p99_ms": 40}}),
		},
		"idle-10000": {
			"ours": fixture(map[int]map[string]float64{1: {"rss_per_conn_kib": 6.5, "rss_nogc_per_conn_kib": 13, "conns": 10000, "p99_ms": 5}, 2: {"rss_per_conn_kib": 6.6, "rss_nogc_per_conn_kib": 14, "conns": 10000, "p99_ms": 5}, 3: {"rss_per_conn_kib": 9.0, "rss_nogc_per_conn_kib": 7.5, "conns": 10000, "p99_ms": 5}}),
			"node": fixture(map[int]map[string]float64{1: {"rss_per_conn_kib": 15, "conns": 10000, "p99_ms": 9}}),
			"raw":  fixture(map[int]map[string]float64{1: {"rss_per_conn_kib": 5, "conns": 10000, "p99_ms": 4}}),
		},
		"idle-10000-memlimit": {
			"ours": fixture(map[int]map[string]float64{1: {"rss_per_conn_kib": 4.4, "rss_nogc_per_conn_kib": 5.8, "conns": 10000, "p99_ms": 5}, 2: {"rss_per_conn_kib": 4.3, "rss_nogc_per_conn_kib": 5.77, "conns": 10000, "p99_ms": 5}, 3: {"rss_per_conn_kib": 4.3, "rss_nogc_per_conn_kib": 8.5, "conns": 10000, "p99_ms": 5}}),
		},
	}
	return h, plan, res
}

func TestSpread(t *testing.T) {
	for _, c := range []struct {
		format string
		xs     []float64
		want   string
	}{
		{"int", []float64{91359}, ""},                     // one run
		{"int", []float64{91359, 91359.2, 91358.9}, ""},   // the same to its precision
		{"int", []float64{87700, 91359, 95000}, "(±4 %)"}, // half of 7,300 is 4.0 % of 91,359
		{"ms", []float64{1.00, 1.01, 1.012}, "(±0.6 %)"},  // below 1 %: one decimal
		{"count", []float64{0, 0, 3}, "(0–3)"},            // counts: the range
		{"pct", []float64{93.4, 94, 94.9}, "(93–95)"},     // CPU: the range, in points
		{"pct", []float64{94.6, 95, 95.4}, ""},            // the same to its precision
		{"int", []float64{0, 1, 2}, "(0–2)"},              // half-range above half the median
		{"ms", []float64{0, 0, 4}, "(0.000–4.00)"},        // median 0
		{"kib", []float64{6.5, 6.6, 9.0}, "(±19 %)"},      // 1.25 / 6.6
		{"bytes", []float64{2100, 2200, 2000}, "(±5 %)"},  //
		{"ratio", []float64{0.99, 1.0, 1.0}, "(±0.5 %)"},  //
		{"int", []float64{math.NaN(), math.NaN()}, ""},    // no median
		{"kib", []float64{10, 30, 20}, "(±50 %)"},         // exactly half: still relative
		{"kib", []float64{10, 30.2, 20}, "(10.0–30.2)"},   // above half
	} {
		med := (&cell{runs: runsOf(c.xs)}).median("x")
		if got := spread(c.format, c.xs, med); got != c.want {
			t.Errorf("spread(%s, %v) = %q, want %q", c.format, c.xs, got, c.want)
		}
	}
}

func runsOf(xs []float64) []map[string]float64 {
	var rs []map[string]float64
	for _, x := range xs {
		rs = append(rs, map[string]float64{"x": x})
	}
	return rs
}

func TestReportSpread(t *testing.T) {
	h, plan, res := spreadFixture()
	doc := h.report(machine{}, plan, res, "benchmarks.png")
	for _, want := range []string{
		// Medians with their spread; ratios of medians with the range of
		// the ratios of runs side by side (ours 91,000 / node 28,000 =
		// 3.25; runs 3.64, 2.91, 3.14).
		"| 100 clients | acks/s ↑ | 91,000 (±3 %) | 28,000 (±12 %) | 99,000 (±2 %) | 3.25× (2.91–3.64) | 0.919× (0.917–0.930) |",
		"| 100 clients | p50 latency ↓ | 1.00 ms (±10 %) | 3.80 ms | 0.900 ms | 0.263× (0.237–0.289) | 1.11× (1.00–1.22) |",
		"| 100 clients | server CPU | 99 % | 99 % | 99 % | | |",
		"| 100 clients | errors ↓ | 0 (0–3) | 0 | 0 | | |",
		"| 1,000 clients | acks/s ↑ | 56,000 (±4 %) | 36,000 (±25 %) | 70,000 (±10 %) | 1.56× (1.46–3.05) | 0.800× (0.757–0.967) |",
		"| 1,000 clients | server CPU | 99 % (80–99) | 99 % | 80 % (70–99) | | |",
		// Acks per server CPU-second, run by run: ours 70,000, 58,586,
		// 54,545; raw 74,747, 85,714, 87,500.
		"| 1,000 clients | acks per server CPU-second ↑ | 58,586 (±13 %) | 36,364 (±25 %) | 85,714 (±7 %) | 1.61× (1.46–3.05) | 0.684× (0.623–0.936) |",
		"| 100 clients | acks per server CPU-second ↑ | 91,919 (±3 %) | 28,283 (±12 %) | 100,000 (±2 %) | 3.25× (2.91–3.64) | 0.919× (0.917–0.930) |",
		// Ours' run 2 failed: runs 1 and 3 pair (3.00, 2.95), not runs
		// 1 and 2 of node (which would give 5.60).
		"| 10,000 clients, max rate | deliveries/s ↑ | 290,000 (±3 %) | 95,000 (±26 %) | 310,000 (±3 %) | 3.05× (2.95–3.00) | 0.935× (0.933–0.968) |",
		"| 10,000 clients | RSS per client ↓ | 6.60 KiB (±19 %) | 15.0 KiB | 5.00 KiB | 0.440× | 1.32× |",
		// Goals: by the medians and run by run.
		"| ack round trip ≥ 3× Node, 100 clients | 5 | 3.25× (2.91–3.64) | median only (2/3 runs) |",
		"| ack round trip ≥ 0.6× raw gorilla, 100 clients | 5 | 0.919× (0.917–0.930) | yes (3/3 runs) |",
		"| ack round trip ≥ 3× Node, 1,000 clients | 5 | 1.56× (1.46–3.05) | no (1/3 runs) |",
		"| ack round trip ≥ 0.6× raw gorilla, 1,000 clients | 5 | 0.800× (0.757–0.967) | yes (3/3 runs) |",
		"| broadcast deliveries/s ≥ 3× Node, 10,000 clients, max rate | 5 | 3.05× (2.95–3.00) | median only (1/2 runs) |",
		"| ≤ 8 KiB server RSS per idle client (after a forced GC), 10,000 clients | 5 | 6.60 KiB (±19 %) | median only (2/3 runs) |",
		// Issue 15's ack goal is per server CPU-second, issue 5's of rates.
		"| ack round trips per server CPU-second ≥ 0.9× raw gorilla, 1,000 clients, one server at a time | 15 | 0.684× (0.623–0.936) | no (1/3 runs) |",
		// The same goal with both servers at once: its own runs, paired.
		"| ack round trips per server CPU-second ≥ 0.9× raw gorilla, 1,000 clients, both servers at once | 15 | 0.934× (0.833–0.980) | median only (2/4 runs) |",
		"| 1,000 clients | acks per server CPU-second ↑ | 66,333 (±8 %) | n/a | 71,000 (±8 %) | – | 0.934× (0.833–0.980) |",
		"| ≤ 8 KiB RSS per idle client without a forced GC, 10,000 clients | 15 | 13.0 KiB (±25 %) | no (1/3 runs) |",
		"| ≤ 8 KiB RSS per idle client without a forced GC, 10,000 clients, GOMEMLIMIT=64MiB as README documents | 15 | 5.80 KiB (±24 %) | median only (2/3 runs) |",
		"| p99 latency reported for every scenario | 5 | see the tables (idle: connect p99) | yes (42/42 runs) |",
		// The memory limit variant: ours alone, its own section.
		"| 10,000 clients | RSS per client, no forced GC ↓ | 5.80 KiB (±24 %) | n/a | n/a | – | – |",
		"| Idle memory with GOMEMLIMIT 10,000 clients | RSS per client, no forced GC | 5.80 KiB, 5.77 KiB, 8.50 KiB | n/a | n/a |",
		// raw / Node: 70,000 / 36,000; runs 2.06, 3.16, 1.89.
		"| Ack round trip 1,000 clients | 1.94× (1.89–3.16) | 0.800× (0.757–0.967) |",
		// Every run is kept.
		"| Broadcast fan-out 10,000 clients, max rate | deliveries/s | 300,000, 280,000, failed | 100,000, 50,000, 95,000 | 310,000, 320,000, 300,000 |",
	} {
		if !strings.Contains(doc, "\n"+want+"\n") {
			t.Errorf("no row\n%s\nin the report", want)
		}
	}
	if t.Failed() {
		t.Logf("the report:\n%s", doc)
	}
	for _, want := range []string{
		"\n## Idle memory with GOMEMLIMIT\n\nOur server alone, as in Idle memory but with `GOMEMLIMIT=64MiB` added to its environment: README's \"Idle memory\" section",
		"Issue 15's ack goal compares acks per server CPU-second instead\n",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(doc, "ack round trip ≥ 0.9× raw") {
		t.Error("issue 15's ack goal is still a ratio of rates")
	}
	// Without the ack scenarios, no word of their goal.
	h.scenarios = map[string]bool{"idle": true}
	if d := h.report(machine{}, h.plan(), res, "b.png"); strings.Contains(d, "acks per server CPU-second") {
		t.Error("the report speaks of acks per server CPU-second without the ack scenarios")
	}
	// The chart has one idle panel: the defaults'.
	var idle []string
	for _, p := range h.chartPanels(plan, res) {
		if strings.HasPrefix(p.title, "IDLE") {
			idle = append(idle, p.title)
		}
	}
	if !slices.Equal(idle, []string{"IDLE 10,000 clients"}) {
		t.Errorf("idle chart panels %q", idle)
	}
	if !strings.Contains(doc, "- **Spread.**") {
		t.Error("the method text does not say what the spread is")
	}
}

func TestVerdict(t *testing.T) {
	for _, c := range []struct {
		v    verdict
		want string
	}{
		{verdict{}, "not measured"},
		{verdict{known: true, median: true, held: 3, runs: 3}, "yes (3/3 runs)"},
		{verdict{known: true, median: true, held: 1, runs: 1}, "yes (1/1 run)"},
		{verdict{known: true, median: true, held: 2, runs: 3}, "median only (2/3 runs)"},
		{verdict{known: true, held: 1, runs: 3}, "no (1/3 runs)"},
		{verdict{known: true, runs: 3}, "no (0/3 runs)"},
	} {
		if got := c.v.String(); got != c.want {
			t.Errorf("%+v = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestIdleMemLimitPlan(t *testing.T) {
	h := &harness{p: fullParams, scenarios: map[string]bool{"idle": true}, fdLimit: 20000}
	plan := h.plan()
	v := findVariant(plan, "idle-10000-memlimit")
	if v == nil {
		t.Fatal("no idle-10000-memlimit variant in the idle scenarios")
	}
	if v.scenario != "idle" || v.group != gIdleLim || v.clients != 10000 || v.skip != "" ||
		!slices.Equal(v.servers, []string{"ours"}) || !slices.Equal(v.env, []string{"GOMEMLIMIT=64MiB"}) {
		t.Errorf("memlimit variant %+v", v)
	}
	if v.metrics[0].key != "rss_nogc_per_conn_kib" {
		t.Errorf("its headline is %q, want the figure without a forced GC", v.metrics[0].key)
	}
	if d := findVariant(plan, "idle-10000"); d == nil || d.env != nil || len(d.servers) != 3 || d.metrics[0].key != "rss_per_conn_kib" {
		t.Errorf("the defaults' variant changed: %+v", d)
	}

	// -quick: the small N; -scenarios without idle: none.
	q := &harness{p: quickParams, scenarios: map[string]bool{"idle": true}, fdLimit: 20000}
	if v := findVariant(q.plan(), "idle-1000-memlimit"); v == nil || v.clients != 1000 {
		t.Errorf("quick memlimit variant %+v", v)
	}
	for _, v := range (&harness{p: fullParams, scenarios: map[string]bool{"ack": true, "connect": true}, fdLimit: 20000}).plan() {
		if v.group == gIdleLim {
			t.Errorf("%s planned without the idle scenarios", v.key)
		}
	}
	// Too few open files: skipped like the other idle sizes.
	small := &harness{p: fullParams, scenarios: map[string]bool{"idle": true}, fdLimit: 4096}
	if v := findVariant(small.plan(), "idle-10000-memlimit"); v == nil || !strings.Contains(v.skip, "RLIMIT_NOFILE") {
		t.Errorf("memlimit variant with 4,096 open files: %+v", v)
	}
}

// The variant's environment reaches our server's command, after
// -server-env's; the other servers and variants keep the inherited one.
func TestServerCmdEnv(t *testing.T) {
	h := &harness{p: fullParams, scenarios: map[string]bool{"idle": true}, fdLimit: 20000, root: "/repo", bin: "/bin-dir", node: "/usr/bin/node"}
	plan := h.plan()
	lim, def := findVariant(plan, "idle-10000-memlimit"), findVariant(plan, "idle-10000")

	cmd, err := h.serverCmd(lim, "ours", "127.0.0.1:3000", "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cmd.Args, []string{"/bin-dir/server", "-addr", "127.0.0.1:3000"}) || cmd.Dir != "/repo" {
		t.Errorf("ours: args %v in %s", cmd.Args, cmd.Dir)
	}
	if len(cmd.Env) == 0 || cmd.Env[len(cmd.Env)-1] != "GOMEMLIMIT=64MiB" {
		t.Errorf("ours' environment does not end with GOMEMLIMIT=64MiB: %v", cmd.Env)
	}
	if cmd, _ := h.serverCmd(def, "ours", "127.0.0.1:3000", ""); cmd.Env != nil {
		t.Errorf("the defaults' variant has an environment of its own: %v", cmd.Env)
	}
	if cmd, _ := h.serverCmd(lim, "node", "127.0.0.1:3001", ""); cmd.Env != nil || !slices.Contains(cmd.Args, "3001") {
		t.Errorf("node: args %v, env %v", cmd.Args, cmd.Env)
	}

	// -server-env first, the variant's last: with a name in both, the
	// variant's wins (os/exec keeps the last of a name).
	h.serverEnv = []string{"GOGC=50", "GOMEMLIMIT=1GiB"}
	cmd, _ = h.serverCmd(lim, "ours", "127.0.0.1:3000", "127.0.0.1:6060")
	if got := cmd.Env[len(cmd.Env)-3:]; !slices.Equal(got, []string{"GOGC=50", "GOMEMLIMIT=1GiB", "GOMEMLIMIT=64MiB"}) {
		t.Errorf("ours' environment ends with %v", got)
	}
	if !slices.Equal(cmd.Args[len(cmd.Args)-2:], []string{"-pprof", "127.0.0.1:6060"}) {
		t.Errorf("ours with pprof: %v", cmd.Args)
	}
	if cmd, _ := h.serverCmd(def, "raw", "127.0.0.1:3002", ""); cmd.Env != nil {
		t.Errorf("raw gets -server-env: %v", cmd.Env)
	}
	if cmd, _ := h.serverCmd(def, "ours", "127.0.0.1:3000", ""); !slices.Equal(cmd.Env[len(cmd.Env)-2:], h.serverEnv) {
		t.Errorf("-server-env does not reach ours: %v", cmd.Env)
	}
}

// -server-env by hand never writes make bench's report or chart.
func TestParseServerEnv(t *testing.T) {
	h := &harness{root: "/repo"}
	for _, c := range []struct {
		out, png string
		ok       bool
	}{
		{"", "", false},
		{"/tmp/idle.md", "", false},
		{"", "/tmp/idle.png", false},
		{h.inRoot("docs/benchmarks.md"), "/tmp/idle.png", false}, // -out docs/benchmarks.md given by hand
		{"/tmp/idle.md", "/repo/docs/benchmarks.png", false},
		{"/tmp/idle.md", "/tmp/idle.png", true},
	} {
		env, err := h.parseServerEnv("GOGC=50  GOMEMLIMIT=64MiB", c.out, c.png)
		if (err == nil) != c.ok {
			t.Errorf("out %q, png %q: error %v", c.out, c.png, err)
		}
		if c.ok && !slices.Equal(env, []string{"GOGC=50", "GOMEMLIMIT=64MiB"}) {
			t.Errorf("env %v", env)
		}
	}
	if _, err := h.parseServerEnv("GOGC", "/tmp/a.md", "/tmp/a.png"); err == nil {
		t.Error("GOGC without a value accepted")
	}
}
