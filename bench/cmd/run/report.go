//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

type machine struct {
	cpu, kernel, goVersion, nodeVersion, socketio, engineio, ws, gorilla, msgpack string
	cores                                                                         int
	memGiB                                                                        float64
}

func (h *harness) machineInfo() machine {
	m := machine{cores: runtime.NumCPU(), goVersion: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				f := strings.Fields(rest)
				if len(f) > 0 {
					kb, _ := strconv.ParseFloat(f[0], 64)
					m.memGiB = kb / (1 << 20)
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		m.goVersion = strings.TrimPrefix(strings.TrimSpace(string(out)), "go version ")
	}
	if h.node != "" {
		if out, err := exec.Command(h.node, "--version").Output(); err == nil {
			m.nodeVersion = strings.TrimSpace(string(out))
		}
		mods := filepath.Join(h.root, "bench", "node", "node_modules")
		m.socketio = packageVersion(filepath.Join(mods, "socket.io"))
		m.engineio = packageVersion(filepath.Join(mods, "engine.io"))
		m.ws = packageVersion(filepath.Join(mods, "ws"))
		m.msgpack = packageVersion(filepath.Join(mods, "socket.io-msgpack-parser"))
	}
	// The bench servers' gorilla/websocket, as go.mod requires it.
	if b, err := os.ReadFile(filepath.Join(h.root, "go.mod")); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "github.com/gorilla/websocket" {
				m.gorilla = f[1]
			} else if len(f) >= 3 && f[0] == "require" && f[1] == "github.com/gorilla/websocket" {
				m.gorilla = f[2]
			}
		}
	}
	return m
}

func packageVersion(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return "?"
	}
	var p struct {
		Version string `json:"version"`
	}
	_ = json.Unmarshal(b, &p)
	return p.Version
}

// ---- formatting ---------------------------------------------------------------

func formatFloat(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }

// thousands formats an integer value with comma separators.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// sig formats v with about three significant digits.
func sig(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 100:
		return formatFloat(v, 0)
	case a >= 10:
		return formatFloat(v, 1)
	case a >= 1:
		return formatFloat(v, 2)
	default:
		return formatFloat(v, 3)
	}
}

func formatValue(format string, v float64) string {
	n, unit := formatParts(format, v)
	return n + unit
}

// formatParts is formatValue as the number and its unit (" ms", or "").
func formatParts(format string, v float64) (num, unit string) {
	if math.IsNaN(v) {
		return "–", ""
	}
	switch format {
	case "int", "count":
		return thousands(v), ""
	case "ms":
		return sig(v), " ms"
	case "pct":
		return formatFloat(v, 0), " %"
	case "kib":
		return sig(v), " KiB"
	case "mib":
		return sig(v), " MiB"
	case "ratio":
		return formatFloat(v, 3), ""
	case "bytes":
		if math.Abs(v) >= 100 {
			return thousands(v), " B"
		}
		return sig(v), " B"
	}
	return sig(v), ""
}

// spread is how far a metric's runs lie from each other, written after
// their median: "" with fewer than two runs or when they all formatted
// alike; else half their range (max − min) as a percentage of the
// median, "(±4 %)"; or, for counts, percentages (CPU: a percentage of
// one would read as points), a median of 0 or a half-range above half the
// median, the range itself, "(0–3)".
func spread(format string, xs []float64, med float64) string {
	if len(xs) < 2 || math.IsNaN(med) {
		return ""
	}
	lo, hi := slices.Min(xs), slices.Max(xs)
	loS, _ := formatParts(format, lo)
	hiS, _ := formatParts(format, hi)
	if loS == hiS {
		return ""
	}
	half := (hi - lo) / 2
	if format != "count" && format != "pct" && med != 0 && half <= math.Abs(med)/2 {
		p := half / math.Abs(med) * 100
		if p < 0.95 {
			return "(±" + formatFloat(p, 1) + " %)"
		}
		return "(±" + formatFloat(p, 0) + " %)"
	}
	return "(" + loS + "–" + hiS + ")"
}

// withSpread is a cell's median of a metric followed by its spread.
func withSpread(c *cell, format, key string) string {
	med := c.median(key)
	s := formatValue(format, med)
	if sp := spread(format, slices.Collect(maps.Values(c.values(key))), med); sp != "" {
		s += " " + sp
	}
	return s
}

// pairRatios are a's figure divided by b's, run by run: run n of a and
// run n of b ran one after the other (interleaved), so each ratio saw
// the same state of the machine. Sorted; runs either lacks are left out.
func pairRatios(a, b *cell, key string) []float64 {
	bv := b.values(key)
	var rs []float64
	for n, x := range a.values(key) {
		if y, ok := bv[n]; ok && y != 0 {
			rs = append(rs, x/y)
		}
	}
	sort.Float64s(rs)
	return rs
}

// ratioText is the ratio of a's and b's medians followed by the range of
// the ratios of their paired runs, "3.55× (3.41–3.72)", when there are
// two or more and they differ.
func ratioText(a, b *cell, key string) string {
	s := ratio(a.median(key), b.median(key))
	rs := pairRatios(a, b, key)
	if s == "–" || len(rs) < 2 {
		return s
	}
	if lo, hi := sig(rs[0]), sig(rs[len(rs)-1]); lo != hi {
		s += " (" + lo + "–" + hi + ")"
	}
	return s
}

func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return "–"
	}
	return sig(a/b) + "×"
}

// ---- the report -----------------------------------------------------------------

func (h *harness) report(m machine, plan []*variant, res results, pngRel string) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	cmd := "make bench"
	switch {
	case !hasMain(plan):
		cmd = "go run ./bench/cmd/run -servers ours,node -scenarios options"
		if h.quick {
			cmd += " -quick"
		}
	case h.quick:
		cmd = "go run ./bench/cmd/run -quick"
	}
	w("# Benchmarks\n\n")
	w("Generated by `%s` on %s: %d run(s) per cell, medians with their spread (see the end); the run took %s.\n",
		cmd, h.started.UTC().Format("2006-01-02 15:04 UTC"), h.p.runs, time.Since(h.started).Round(time.Second))
	if h.quick {
		w("**Quick mode**: small N and short runs, a smoke test of the harness — not numbers to publish.\n")
	}
	w("Ours (`bench/server`), Node.js socket.io (`bench/node`) and a raw gorilla/websocket server\n")
	w("(`bench/raw`) run one at a time, their runs interleaved, on the same machine as the load generator\n")
	w("(`bench/loadgen`); ")
	for _, v := range plan {
		if v.paired {
			w("the one exception, \"%s\", runs ours and raw at once, twice as many runs; ", v.group)
			break
		}
	}
	w("every run starts a fresh server process. How each figure is measured is at the end.\n\n")
	if hasMain(plan) {
		w("![benchmarks](%s)\n\n", pngRel)
	}

	w("## Machine\n\n| | |\n|---|---|\n")
	w("| CPU | %s |\n| cores | %d |\n| memory | %.1f GiB |\n| kernel | Linux %s |\n", m.cpu, m.cores, m.memGiB, m.kernel)
	w("| Go | %s (gorilla/websocket %s) |\n", m.goVersion, m.gorilla)
	if m.nodeVersion != "" {
		w("| Node.js | %s (socket.io %s, engine.io %s, ws %s) |\n", m.nodeVersion, m.socketio, m.engineio, m.ws)
	}
	w("| open files per process | %s (RLIMIT_NOFILE) |\n", thousands(float64(h.fdLimit)))
	pin := "no (the OS schedules servers and load generator on all cores)"
	if h.pin {
		pin = fmt.Sprintf("servers on CPU %s, load generator on CPU %s", h.serverCPUs, h.loadgenCPUs)
	}
	w("| CPU pinning | %s |\n| load average at start | %s |\n\n", pin, h.loadAvg)

	if hasMain(plan) {
		h.writeGoals(&b, plan, res)
	}

	for _, g := range groupOrder {
		var vs []*variant
		for _, v := range plan {
			if v.group == g {
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 {
			continue
		}
		w("## %s\n\n%s\n\n", g, groupDoc[g])
		w("| | metric | %s | ours/node | ours/raw |\n|---|---|%s---|---|\n", strings.Join(h.servers, " | "), strings.Repeat("---|", len(h.servers)))
		for _, v := range vs {
			if v.skip != "" {
				w("| %s | *skipped: %s* |%s | | |\n", v.label, v.skip, strings.Repeat(" |", len(h.servers)))
				continue
			}
			for _, mt := range v.metrics {
				arrow := ""
				switch mt.better {
				case +1:
					arrow = " ↑"
				case -1:
					arrow = " ↓"
				}
				w("| %s | %s%s |", v.label, mt.label, arrow)
				for _, s := range h.servers {
					w(" %s |", h.cellText(v, s, mt, res))
				}
				if mt.format == "pct" || mt.format == "count" {
					w(" | |\n")
					continue
				}
				ours := res.get(v.key, "ours")
				w(" %s | %s |\n", ratioText(ours, res.get(v.key, "node"), mt.key), ratioText(ours, res.get(v.key, "raw"), mt.key))
			}
		}
		w("\n")
		for _, v := range vs {
			for _, s := range h.servers {
				if c := res.get(v.key, s); c != nil && len(c.errs) > 0 {
					w("- %s, %s: %d failed run(s): %s\n", s, v.label, len(c.errs), c.errs[0])
				}
			}
		}
	}
	h.writeWire(&b, m, plan, res)
	if hasMain(plan) {
		h.writeRuns(&b, plan, res)
	}
	w("%s", methodDoc)
	return b.String()
}

// hasMain reports whether the plan has any of the default groups.
func hasMain(plan []*variant) bool {
	for _, v := range plan {
		if v.group != gWire {
			return true
		}
	}
	return false
}

// hasWire reports whether the plan has the Wire options group.
func hasWire(plan []*variant) bool {
	for _, v := range plan {
		if v.group == gWire {
			return true
		}
	}
	return false
}

// writeWire writes the Wire options section: a table per scenario with
// the options as rows, ours and Node side by side, and each option's cost
// against the same scenario without it, on the same server. The section
// says when and how it was measured, since other runs keep it as is.
func (h *harness) writeWire(b *strings.Builder, m machine, plan []*variant, res results) {
	var vs []*variant
	var titles []string
	for _, v := range plan {
		if v.group != gWire {
			continue
		}
		vs = append(vs, v)
		if len(titles) == 0 || titles[len(titles)-1] != v.title {
			titles = append(titles, v.title)
		}
	}
	if len(vs) == 0 {
		return
	}
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	cmd := "go run ./bench/cmd/run -servers ours,node -scenarios options"
	if h.quick {
		cmd += " -quick"
	}
	w("## %s\n\n%s\n\n", gWire, groupDoc[gWire])
	w("Measured by `%s` on %s: %d run(s) per cell, medians with their spread (as in the other tables); %s, %d cores, %s", cmd,
		h.started.UTC().Format("2006-01-02 15:04 UTC"), h.p.runs, m.cpu, m.cores, m.goVersion)
	if m.nodeVersion != "" {
		w(", Node.js %s (socket.io %s, engine.io %s, ws %s, socket.io-msgpack-parser %s)", m.nodeVersion, m.socketio, m.engineio, m.ws, m.msgpack)
	}
	if h.pin {
		w("; servers on CPU %s, load generator on CPU %s", h.serverCPUs, h.loadgenCPUs)
	}
	w("; load average at start %s.\n", h.loadAvg)
	if h.quick {
		w("**Quick mode**: short runs, a smoke test of the harness — not numbers to publish.\n")
	}
	w("\n")
	med := func(key, server, metric string) float64 { return res.get(key, server).median(metric) }
	for _, title := range titles {
		w("### %s\n\n", title)
		w("| option | metric | ours | node | ours/node | ours: with / without | node: with / without |\n|---|---|---|---|---|---|---|\n")
		var notes []string
		for _, v := range vs {
			if v.title != title {
				continue
			}
			for _, mt := range v.metrics {
				arrow := ""
				switch mt.better {
				case +1:
					arrow = " ↑"
				case -1:
					arrow = " ↓"
				}
				w("| %s | %s%s | %s | %s |", v.option, mt.label, arrow, h.cellText(v, "ours", mt, res), h.cellText(v, "node", mt, res))
				// No ratios of counts, nor of what only describes the run.
				if mt.format == "count" || mt.key == "loadgen_cpu" || mt.key == "compressed_share" {
					w(" | | |\n")
					continue
				}
				o, n := med(v.key, "ours", mt.key), med(v.key, "node", mt.key)
				w(" %s |", ratioText(res.get(v.key, "ours"), res.get(v.key, "node"), mt.key))
				if v.baseline == "" {
					w(" | |\n")
					continue
				}
				w(" %s | %s |\n", ratio(o, med(v.baseline, "ours", mt.key)), ratio(n, med(v.baseline, "node", mt.key)))
			}
			for _, s := range []string{"ours", "node"} {
				c := res.get(v.key, s)
				switch {
				case c == nil:
				case c.skip != "" && len(c.runs) == 0:
					notes = append(notes, fmt.Sprintf("- %s, %s: not run: %s", s, v.option, c.skip))
				case len(c.errs) > 0:
					notes = append(notes, fmt.Sprintf("- %s, %s: %d failed run(s): %s", s, v.option, len(c.errs), c.errs[0]))
				}
			}
		}
		w("\n")
		for _, n := range notes {
			w("%s\n", n)
		}
		if len(notes) > 0 {
			w("\n")
		}
	}
	// The spread, as in "Every run", for this section alone.
	w("Every run (the first metric of each option):\n\n| | | ours | node |\n|---|---|---|---|\n")
	for _, v := range vs {
		mt := v.metrics[0]
		w("| %s: %s | %s |", strings.SplitN(v.title, ",", 2)[0], v.option, mt.label)
		for _, s := range []string{"ours", "node"} {
			c := res.get(v.key, s)
			var xs []string
			if c != nil {
				for _, r := range c.runs {
					xs = append(xs, formatValue(mt.format, r[mt.key]))
				}
				for range c.errs {
					xs = append(xs, "failed")
				}
				if c.skip != "" && len(xs) == 0 {
					xs = append(xs, "not run")
				}
			}
			w(" %s |", strings.Join(xs, ", "))
		}
		w("\n")
	}
	w("\n")
}

func (h *harness) cellText(v *variant, server string, mt metric, res results) string {
	if !v.runsOn(server) {
		return "n/a"
	}
	c := res.get(v.key, server)
	if c == nil {
		return "–"
	}
	if len(c.runs) == 0 {
		if len(c.errs) > 0 {
			return "failed"
		}
		if c.skip != "" {
			return "not run"
		}
		return "–"
	}
	return withSpread(c, mt.format, mt.key)
}

// verdict says whether a goal holds by the medians and in how many runs.
type verdict struct {
	known      bool // measured at all
	median     bool // holds by the medians
	held, runs int  // the runs it holds in (for a ratio: pairs of runs side by side), of runs
}

func (v verdict) String() string {
	if !v.known {
		return "not measured"
	}
	unit := "runs"
	if v.runs == 1 {
		unit = "run"
	}
	of := fmt.Sprintf("%d/%d %s", v.held, v.runs, unit)
	switch {
	case v.median && v.held == v.runs:
		return "yes (" + of + ")"
	case v.median:
		return "median only (" + of + ")"
	}
	return "no (" + of + ")"
}

// atLeast checks a's figure ≥ k × b's: by the medians, and run by run
// over the interleaved pairs.
func atLeast(a, b *cell, key string, k float64) verdict {
	o, n := a.median(key), b.median(key)
	v := verdict{known: !math.IsNaN(o) && !math.IsNaN(n), median: o >= k*n}
	for _, r := range pairRatios(a, b, key) {
		v.runs++
		if r >= k {
			v.held++
		}
	}
	return v
}

// each checks ok of a cell's figure: of its median and of every run.
func each(c *cell, key string, ok func(float64) bool) verdict {
	m := c.median(key)
	v := verdict{known: !math.IsNaN(m), median: ok(m)}
	for _, x := range c.values(key) {
		v.runs++
		if ok(x) {
			v.held++
		}
	}
	return v
}

// writeGoals checks issue 5's and issue 15's goals, by the medians and
// run by run, and the harness's own sanity.
func (h *harness) writeGoals(b *strings.Builder, plan []*variant, res results) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	w("## Goals\n\n")
	w("\"holds\": \"yes\" when the goal holds by the medians and in every run (a ratio: in every pair of runs measured\n")
	w("side by side), \"median only\" when it holds by the medians but not in every run — not settled on this machine —,\n")
	w("\"no\" when it does not hold by the medians; in brackets, the runs it holds in. \"measured\" is the median, and\n")
	w("for a ratio the range of the run-by-run ratios.\n\n")
	w("| goal | issue | measured | holds |\n|---|---|---|---|\n")
	row := func(goal, issue, measured string, v verdict) {
		w("| %s | %s | %s | %s |\n", goal, issue, measured, v)
	}
	get := res.get
	var lastAck *variant
	for _, v := range plan {
		switch {
		case v.group == gAck:
			o, n, r := get(v.key, "ours"), get(v.key, "node"), get(v.key, "raw")
			row("ack round trip ≥ 3× Node, "+v.label, "5", ratioText(o, n, "rate"), atLeast(o, n, "rate", 3))
			row("ack round trip ≥ 0.6× raw gorilla, "+v.label, "5", ratioText(o, r, "rate"), atLeast(o, r, "rate", 0.6))
			if lastAck == nil || v.clients > lastAck.clients {
				lastAck = v
			}
		case v.key == "bcast-max":
			o, n := get(v.key, "ours"), get(v.key, "node")
			row("broadcast deliveries/s ≥ 3× Node, "+v.label, "5", ratioText(o, n, "rate"), atLeast(o, n, "rate", 3))
		case v.group == gIdle:
			goal := "≤ 8 KiB server RSS per idle client (after a forced GC), " + v.label
			if v.skip != "" {
				row(goal, "5", "skipped: "+v.skip, verdict{})
				continue
			}
			c := get(v.key, "ours")
			row(goal, "5", withSpread(c, "kib", "rss_per_conn_kib"), each(c, "rss_per_conn_kib", func(x float64) bool { return x <= 8 }))
		}
	}
	if v := findVariant(plan, "idle-100000"); v != nil {
		if v.skip != "" {
			row("100k idle clients on this machine", "5", "skipped: "+v.skip, verdict{})
		} else {
			c := get(v.key, "ours")
			row("100k idle clients on this machine", "5", withSpread(c, "count", "conns")+" connected",
				each(c, "conns", func(x float64) bool { return x >= 100000 }))
		}
	}
	if v := lastAck; v != nil {
		o, r := get(v.key, "ours"), get(v.key, "raw")
		// Per core: raw's load generator may saturate its core before
		// raw's server does, so the rates alone would not compare the
		// servers' work per ack.
		row("ack round trips per server CPU-second ≥ 0.9× raw gorilla, "+v.label+", one server at a time", "15",
			ratioText(o, r, "rate_per_cpu_s"), atLeast(o, r, "rate_per_cpu_s", 0.9))
	}
	for _, v := range plan {
		if v.group == gAckPair {
			o, r := get(v.key, "ours"), get(v.key, "raw")
			row("ack round trips per server CPU-second ≥ 0.9× raw gorilla, "+v.label+", both servers at once", "15",
				ratioText(o, r, "rate_per_cpu_s"), atLeast(o, r, "rate_per_cpu_s", 0.9))
		}
	}
	for _, g := range []struct{ key, goal string }{
		{"idle-10000", "≤ 8 KiB RSS per idle client without a forced GC, 10,000 clients"},
		{"idle-10000-memlimit", "≤ 8 KiB RSS per idle client without a forced GC, 10,000 clients, " + idleLimEnv + " as README documents"},
	} {
		v := findVariant(plan, g.key)
		switch {
		case v == nil:
		case v.skip != "":
			row(g.goal, "15", "skipped: "+v.skip, verdict{})
		default:
			c := get(v.key, "ours")
			row(g.goal, "15", withSpread(c, "kib", mNoGC.key), each(c, mNoGC.key, func(x float64) bool { return x <= 8 }))
		}
	}
	// Every successful run of every scenario on every server.
	runs := verdict{known: true}
	for _, v := range plan {
		for _, s := range h.servers {
			if c := get(v.key, s); c != nil {
				runs.runs += len(c.runs)
				runs.held += len(c.values("p99_ms"))
			}
		}
	}
	runs.median = runs.held == runs.runs
	row("p99 latency reported for every scenario", "5", "see the tables (idle: connect p99)", runs)
	w("\n")

	// The raw server is the reference: no protocol work at all. It is no
	// longer a strict bound in the ack round trips, where ours makes one
	// read fewer per ack.
	w("Reference — the raw gorilla/websocket server does no protocol work at all. In the ack round trips it makes one\n")
	w("write and two reads per ack, one of which finds nothing; ours makes one of each (it reads through: see\n")
	w("docs/architecture.md, \"System calls of an ack round trip\"), so raw is not a strict upper bound there. In the\n")
	w("broadcast raw is no bound either: it writes each delivery on its own, where ours may coalesce the broadcasts\n")
	w("queued for a client into one write.\n\n")
	w("| scenario | raw / Node | ours / raw |\n|---|---|---|\n")
	for _, v := range plan {
		if v.group != gAck && v.key != "bcast-max" {
			continue
		}
		o, n, r := get(v.key, "ours"), get(v.key, "node"), get(v.key, "raw")
		w("| %s %s | %s | %s |\n", v.group, v.label, ratioText(r, n, "rate"), ratioText(o, r, "rate"))
	}
	w("\n")
	if lastAck != nil {
		w("ours / raw is of rates, as issue 5's goals are. Issue 15's ack goal compares acks per server CPU-second instead\n")
		w("(in the Ack round trip table): when raw's load generator saturates its core (Harness sanity, below), raw's server\n")
		w("is left CPU to spare and a ratio of rates compares the load generators as much as the servers. Per server\n")
		w("CPU-second raw is the reference in the ack round trips for the same reason as above.\n\n")
	}

	// Node must be the bottleneck of its own numbers, not the load
	// generator; and the load generator must not be the bottleneck of any
	// server's.
	w("Harness sanity — in the throughput scenarios Node's server should use a whole core (≥ 85 %%: its JavaScript\n")
	w("runs on one thread) while the load generator keeps CPU to spare (below 95 %% of its own core(s) when pinned):\n\n")
	w("| scenario | node server CPU | node saturated | load generator CPU: ours / node / raw | load generator below its CPU |\n|---|---|---|---|---|\n")
	med := func(key, server, metric string) float64 { return res.get(key, server).median(metric) }
	cores := float64(runtime.NumCPU())
	lgCores := cores
	if h.pin {
		lgCores = float64(cpuCount(h.loadgenCPUs))
	}
	for _, v := range plan {
		if v.skip != "" || !v.runsOn("node") || (v.group != gAck && v.key != "bcast-max" && v.group != gPolling) {
			continue
		}
		sc := med(v.key, "node", "server_cpu")
		var lcs []string
		below := true
		for _, srv := range []string{"ours", "node", "raw"} {
			lc := med(v.key, srv, "loadgen_cpu")
			if math.IsNaN(lc) {
				lcs = append(lcs, "–")
				continue
			}
			lcs = append(lcs, formatValue("pct", lc))
			if h.pin {
				below = below && lc < lgCores*95
			} else {
				below = below && lc+med(v.key, srv, "server_cpu") <= cores*100-10
			}
		}
		w("| %s %s | %s | %s | %s | %s |\n", v.group, v.label, formatValue("pct", sc), yesNo(sc >= 85),
			strings.Join(lcs, " / "), yesNo(below))
	}
	w("\n")
}

// cpuCount counts the CPUs of a taskset list such as "1", "1-3" or "0,2".
func cpuCount(list string) int {
	n := 0
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		switch {
		case isRange && err1 == nil && err2 == nil && b >= a:
			n += b - a + 1
		case !isRange && err1 == nil:
			n++
		}
	}
	return max(n, 1)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func findVariant(plan []*variant, key string) *variant {
	for _, v := range plan {
		if v.key == key {
			return v
		}
	}
	return nil
}

// writeRuns lists every run's headline figure, to judge the spread.
func (h *harness) writeRuns(b *strings.Builder, plan []*variant, res results) {
	fmt.Fprintf(b, "## Every run\n\nThe first metric of each row above, run by run.\n\n| | | %s |\n|---|---|%s\n",
		strings.Join(h.servers, " | "), strings.Repeat("---|", len(h.servers)))
	for _, v := range plan {
		if v.skip != "" || v.group == gWire { // the Wire options section has its own
			continue
		}
		mt := v.metrics[0]
		fmt.Fprintf(b, "| %s %s | %s |", v.group, v.label, mt.label)
		for _, s := range h.servers {
			c := res.get(v.key, s)
			if c == nil {
				fmt.Fprintf(b, " n/a |")
				continue
			}
			var xs []string
			for _, r := range c.runs {
				xs = append(xs, formatValue(mt.format, r[mt.key]))
			}
			for range c.errs {
				xs = append(xs, "failed")
			}
			fmt.Fprintf(b, " %s |", strings.Join(xs, ", "))
		}
		fmt.Fprintf(b, "\n")
	}
	fmt.Fprintf(b, "\n")
}

// chartPanels picks the headline figure of each variant.
func (h *harness) chartPanels(plan []*variant, res results) []panel {
	var ps []panel
	add := func(key, metricKey, title, unit string) {
		v := findVariant(plan, key)
		if v == nil || v.skip != "" {
			return
		}
		p := panel{title: title, unit: unit}
		for _, s := range h.servers {
			if !v.runsOn(s) {
				p.values = append(p.values, math.NaN())
				continue
			}
			p.values = append(p.values, res.get(key, s).median(metricKey))
		}
		ps = append(ps, p)
	}
	for _, v := range plan {
		if v.group == gWire {
			continue // not charted
		}
		switch v.scenario {
		case "ack":
			add(v.key, "rate", "ACK "+v.label, "ACKS PER SECOND (HIGHER IS BETTER)")
			add(v.key, "p99_ms", "ACK "+v.label+" P99", "MILLISECONDS (LOWER IS BETTER)")
		case "broadcast":
			n := thousands(float64(v.clients))
			if v.rate > 0 {
				add(v.key, "p99_ms", "BCAST "+n+" FIXED P99", fmt.Sprintf("DELIVERY MS AT %g/S (LOWER IS BETTER)", v.rate))
			} else {
				add(v.key, "rate", "BCAST "+n+" MAX RATE", "DELIVERIES/S (HIGHER IS BETTER)")
				add(v.key, "p99_ms", "BCAST "+n+" MAX P99", "DELIVERY MS (LOWER IS BETTER)")
			}
		case "idle":
			if v.group != gIdle {
				continue // ours alone, in another environment: in its table only
			}
			add(v.key, "rss_per_conn_kib", "IDLE "+v.label, "KIB RSS PER CLIENT (LOWER IS BETTER)")
		case "polling":
			add(v.key, "rate", "POLLING ECHO", "ECHOES/S, "+strings.ToUpper(v.label)+" (HIGHER IS BETTER)")
		case "connect":
			add(v.key, "rate", "CONNECT RATE", "CONNECTED SOCKETS/S (HIGHER IS BETTER)")
		}
	}
	return ps
}

var groupDoc = map[string]string{
	gAck: "Each client emits `42<id>[\"ping\",\"<16 bytes>\"]` and waits for the ack `43<id>[…]` before the next emit " +
		"(raw: a message and its echo). Latency is emit to ack, per round trip.",
	gAckPair: "Issue 15's ack goal. The same round trips as the Ack round trip table, but our server and the raw one run " +
		"at once, both on the server CPUs, each with its own load generator on the load generator CPUs; " +
		"twice as many runs, each server started first in half of them. One at a time, the shared VM's speed " +
		"moved between two runs minutes apart by as much as the gap measured (raw's ack rate 44.3k/s in one `make bench`, " +
		"68.0k/s in the next); at once, both servers see the same machine, and acks per server CPU-second is still each " +
		"server's own work per ack. Each server runs in a session of its own, so that the kernel (its autogroups) shares " +
		"the core between the two servers, not between their threads: in one session, a server with more threads " +
		"runnable got up to 70 % of the core and so ran at a much higher rate (docs/architecture.md, \"Sharing the " +
		"servers' core\"). Both servers get part of a core, so the rates are below the Ack round trip table's.",
	gBcast: "Every client is in room \"all\"; the server broadcasts a 100-byte packet carrying its send time " +
		"(CLOCK_MONOTONIC ns) and a sequence number. Latency is receive time minus send time. The fixed rate is a " +
		"steady load; at max rate the server broadcasts whenever it holds a credit (8 at first) and the load " +
		"generator returns a credit each time every client has received a broadcast, so at most 8 broadcasts are " +
		"in flight and no queue grows without bound.",
	gIdle: "Server RSS (VmRSS) and live heap after a forced GC (Go: debug.FreeOSMemory; Node: global.gc), before " +
		"and after connecting the clients, divided by the connected clients the server reports; \"no forced GC\" is " +
		"the RSS read 15 s after the last client connected, before that GC, as a user sees it. The clients answer " +
		"pings and nothing else. Latency: dial to connected (Socket.IO CONNECT reply).",
	gIdleLim: "Our server alone, as in Idle memory but with `" + idleLimEnv + "` added to its environment: README's " +
		"\"Idle memory\" section documents setting GOMEMLIMIT to the memory the process is given, so that the Go runtime " +
		"collects and returns memory as the process nears it, without a forced GC; this is the limit it was measured with.",
	gPolling: "Engine.IO long-polling at /engine.io/ (an echo server beside Socket.IO): each session does a handshake, " +
		"10 echo round trips (POST a message while a GET is pending, the GET returns it), then closes. " +
		"The raw server has no polling.",
	gWire: "The cost of each wire option (issue 13) on each server, against the same scenario without it, with " +
		"payloads of JSON-like text (`proto.TextPad`, the same bytes on both servers; 'x' padding would compress to " +
		"almost nothing): the **msgpack parser** (socket.io-msgpack-parser 3.0.2 on Node; one binary message per packet), " +
		"**permessage-deflate** (threshold 1024 bytes; the load generator offers it with no context takeover both ways, " +
		"reads compressed messages and sends its own uncompressed, so the compressing measured is the server's), and " +
		"**HTTP compression** of long-polling responses (gzip; threshold 1024; on by default on both servers). Ack: each client " +
		"emits a text payload and waits for its ack. Broadcast: a fixed rate to every client, each packet text padded " +
		"to the size of its JSON encoding (msgpack sends the same pad). Polling: the Engine.IO echo, the client sending " +
		"`Accept-Encoding: gzip` as browsers do. Bytes are what the clients read from (server → client) and wrote to " +
		"(client → server) the server's sockets over the window — TCP payload: HTTP and WebSocket headers included — " +
		"divided by the ops (ack, delivery, echo). \"with / without\" divides each figure by the same figure of the " +
		"first option of the table on the same server (the default parser, no deflate; for polling, compression off): " +
		"below 1× for a rate, the option costs throughput; above 1× for CPU, it costs CPU; below 1× for bytes, it saves bytes.",
	gConnect: "New WebSocket connections until a connected Socket.IO socket (the CONNECT reply `40{…}` received; raw: " +
		"the upgrade done), kept open; rate is connections over the whole phase, latency is per connection.",
}

const methodDoc = `## How it is measured

- **One command.** ` + "`make bench`" + ` (= ` + "`go run ./bench/cmd/run`" + `) builds ` + "`bench/server`" + `, ` + "`bench/raw`" + ` and ` + "`bench/loadgen`" + `,
  runs ` + "`npm ci`" + ` in ` + "`bench/node`" + ` when its packages are missing (socket.io pinned by its lockfile), then for each
  scenario and each run, server after server, starts a fresh server process, runs the load generator, and stops the
  server. Runs are interleaved (run 1 on every server, then run 2, …) so that a machine whose speed drifts — a
  shared VM — slows every server alike. Each cell is the median of the runs (flag ` + "`-runs`" + `); ` + "`-quick`" + ` is a
  smoke test with small N.
- **Spread.** After each median, how far that cell's runs lie apart: half their range (max − min) as a
  percentage of the median, "91,359 (±4 %)" for runs from 87,700 to 95,000; for counts, CPU percentages, a median
  of 0 or a half-range above half the median, the range itself, "0 (0–3)", "95 % (93–97)"; nothing with one run or when the runs agree to
  the figure's precision. A ratio (ours/node, ours/raw) is the ratio of the medians followed by the range of the
  ratios of the runs measured side by side (run 1 of ours with run 1 of the other, …), "3.55× (3.41–3.72)": the
  drift of the machine mostly cancels out of these. The goals say whether each holds by the medians and in how
  many runs; every run's headline figure is in "Every run".
- **Servers.** All three serve the same endpoints: ` + "`/socket.io/`" + ` (ours and Node: every socket joins room "all",
  "ping" acks back its argument), ` + "`/engine.io/`" + ` (an Engine.IO echo), ` + "`POST /control/broadcast`" + ` and
  ` + "`GET /control/rss`" + `. Ours and Node run with their defaults (polling and websocket, ping 25 s / 20 s); the clients
  use the websocket transport directly. The raw server is gorilla/websocket with no Socket.IO framing: echo,
  and broadcast of one prepared message to every connection — the practical limit.
- **Load generator.** Go, one goroutine per connection, reused buffers; it speaks the Engine.IO/Socket.IO wire
  protocol itself (open packet, ` + "`40`" + ` → ` + "`40{…}`" + `, pings ` + "`2`" + ` answered ` + "`3`" + `, events and acks) over
  gorilla/websocket, and HTTP/1.1 for polling with its own minimal client. Connections are spread over source
  addresses 127.0.0.1 … 127.0.0.32 (IP_BIND_ADDRESS_NO_PORT), past the ~28k ports of one source address.
- **CPU.** Over the measurement window: the load generator's own getrusage, the server's utime+stime from
  ` + "`/proc/<pid>/stat`" + `; 100 % is one core. By default (2+ cores) every server is pinned to CPU 0 and the load
  generator to the other CPUs (` + "`taskset`" + `): each server gets the same one core, Node's single JavaScript thread
  can saturate it, and the load generator does not compete with it. ` + "`-pin=false`" + ` lets the OS schedule everything
  on all cores (ours and raw then use both cores, shared with the load generator).
- **Bytes on the wire** (Wire options): the load generator wraps every socket it dials and counts the bytes it
  reads and writes over the window (TCP payload, so frame and HTTP headers count, compression shows); per op, server
  → client (` + "`rx_bytes_per_op`" + `) and client → server (` + "`tx_bytes_per_op`" + `).
- **Latency** is recorded in a log-linear histogram (under 1 % error); p50 and p99 are of every op in the window.
- **Profiling ours.** ` + "`go run ./bench/cmd/run -servers ours -profile /tmp/prof`" + ` saves a CPU profile of each
  measurement window and heap/allocs profiles after it (` + "`go tool pprof -http=: /tmp/prof/…`" + `). By hand:
  ` + "`cd bench/server && go run . -addr 127.0.0.1:3000 -pprof 127.0.0.1:6060`" + ` and
  ` + "`go run ./bench/loadgen -url http://127.0.0.1:3000 -scenario ack -clients 1000 -duration 30s`" + `.
- **Limits of this machine.** One process may hold RLIMIT_NOFILE open files; the harness raises the soft limit
  to the hard one and skips idle sizes that do not fit in one server process (the load generator splits itself
  into processes below the limit). Raising the hard limit needs CAP_SYS_RESOURCE (e.g. ` + "`ulimit -Hn 1048576`" + ` as a
  privileged user) before ` + "`make bench`" + `.
`
