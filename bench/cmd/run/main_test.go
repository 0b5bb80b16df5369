//go:build linux

package main

import (
	"math"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

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
	for n := 1; n <= 3; n++ {
		if r, ok := runs[n]; ok {
			c.runs = append(c.runs, r)
			c.nums = append(c.nums, n)
		}
	}
	return c
}

// ackRuns are three ack runs: rate, p50, server CPU and errors.
func ackRuns(rates [3]float64, p50 [3]float64, errs [3]float64) map[int]map[string]float64 {
	m := map[int]map[string]float64{}
	for i := range 3 {
		m[i+1] = map[string]float64{"rate": rates[i], "p50_ms": p50[i], "p99_ms": 2 * p50[i], "server_cpu": 99, "errors": errs[i]}
	}
	return m
}

func spreadFixture() (*harness, []*variant, results) {
	h := &harness{p: fullParams, servers: []string{"ours", "node", "raw"}, scenarios: map[string]bool{"ack": true, "broadcast": true, "idle": true}, fdLimit: 20000}
	var plan []*variant
	for _, v := range h.plan() {
		if v.key == "ack-100" || v.key == "ack-1000" || v.key == "bcast-max" || v.key == "idle-10000" {
			plan = append(plan, v)
		}
	}
	zero := [3]float64{}
	res := results{
		"ack-100": {
			"ours": fixture(ackRuns([3]float64{91000, 93000, 88000}, [3]float64{1.0, 1.1, 0.9}, [3]float64{0, 0, 3})),
			"node": fixture(ackRuns([3]float64{25000, 32000, 28000}, [3]float64{3.8, 3.8, 3.8}, zero)),
			"raw":  fixture(ackRuns([3]float64{99000, 100000, 96000}, [3]float64{0.9, 0.9, 0.9}, zero)),
		},
		"ack-1000": {
			"ours": fixture(ackRuns([3]float64{56000, 58000, 54000}, [3]float64{18, 18, 18}, zero)),
			"node": fixture(ackRuns([3]float64{36000, 19000, 37000}, [3]float64{26, 26, 26}, zero)),
			"raw":  fixture(ackRuns([3]float64{74000, 60000, 70000}, [3]float64{13, 13, 13}, zero)),
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
		"| ack round trip ≥ 0.9× raw gorilla, 1,000 clients | 15 | 0.800× (0.757–0.967) | no (1/3 runs) |",
		"| ≤ 8 KiB RSS per idle client without a forced GC, 10,000 clients | 15 | 13.0 KiB (±25 %) | no (1/3 runs) |",
		"| p99 latency reported for every scenario | 5 | see the tables (idle: connect p99) | yes (31/31 runs) |",
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
