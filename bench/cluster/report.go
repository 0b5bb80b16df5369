//go:build linux

package main

import (
	"fmt"
	"strings"
	"time"
)

// Keep-up thresholds: a kind keeps up with a rate when it delivers at
// least keepUpShare of the offered deliveries per second and its p99
// latency stays within keepUpP99. Either failing means broadcasts queue
// faster than they leave, so the rate is past what the kind sustains.
const (
	keepUpShare = 0.95
	keepUpP99   = time.Second
)

// result is what one kind measured at one broadcast rate.
type result struct {
	kind    string
	nodes   int
	rate    int // broadcasts per second asked of node 1
	clients int

	sent      int64   // broadcasts node 1 made
	secs      float64 // how long node 1 broadcast, as it reported
	delivered int64   // broadcasts the clients received by the end of the drain
	// active is the time from the broadcast request to the last counted
	// delivery, in seconds; a kind that falls behind is still delivering
	// when the drain ends, so its rate is delivered/active rather than
	// delivered/secs.
	active   float64
	p50, p99 time.Duration

	window   float64       // seconds the CPU times below cover (broadcast + drain)
	nodeCPU  time.Duration // summed over the node processes
	redisCPU time.Duration // the redis-server process; meaningful when redisOK
	redisOK  bool
	genCPU   time.Duration // this process: the clients (load generator)
	otherCPU time.Duration // the machine's busy time not accounted above, steal excluded
	steal    time.Duration // the VM's CPUs waiting for the hypervisor
}

// offered is the deliveries per second asked: every broadcast reaches
// every client.
func (r result) offered() float64 { return float64(r.rate) * float64(r.clients) }

// achieved is the deliveries per second the clients saw.
func (r result) achieved() float64 {
	d := max(r.secs, r.active)
	if d <= 0 {
		return 0
	}
	return float64(r.delivered) / d
}

// deliveredShare is the share of the sent broadcasts' deliveries that
// arrived by the end of the drain.
func (r result) deliveredShare() float64 {
	if r.sent == 0 || r.clients == 0 {
		return 0
	}
	return float64(r.delivered) / (float64(r.sent) * float64(r.clients))
}

// usesRedis tells whether Redis is part of this kind's server: the
// two-node kinds fan out through it; the one-node kinds do not touch it.
func (r result) usesRedis() bool { return r.nodes > 1 }

// serverCPU is the CPU time of the server side: the nodes, and Redis for
// the kinds that use it (when its time could be read).
func (r result) serverCPU() time.Duration {
	c := r.nodeCPU
	if r.usesRedis() && r.redisOK {
		c += r.redisCPU
	}
	return c
}

// perCPUSecond is deliveries per server CPU-second.
func (r result) perCPUSecond() float64 {
	s := r.serverCPU().Seconds()
	if s <= 0 {
		return 0
	}
	return float64(r.delivered) / s
}

// keepsUp is the verdict: enough of the offered rate delivered, and a
// p99 within keepUpP99.
func (r result) keepsUp() bool {
	return r.achieved() >= keepUpShare*r.offered() && r.p99 <= keepUpP99
}

// tableHeader is the results table's header, markdown.
func tableHeader() string {
	return "| kind | nodes | rate/s asked | sent | deliveries/s offered | deliveries/s achieved | achieved/offered | delivered of sent | p50 | p99 | node CPU s (% of a core) | Redis CPU s | server CPU s | deliveries per server CPU-s | load gen CPU s | other CPU s | steal s | keeps up |\n" +
		"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
}

// tableRow renders r as one markdown row.
func tableRow(r result) string {
	redis := "–" // not part of a one-node kind's server
	if r.usesRedis() {
		redis = "n/a"
		if r.redisOK {
			redis = secs(r.redisCPU)
		}
	}
	verdict := "yes"
	if !r.keepsUp() {
		var why []string
		if r.achieved() < keepUpShare*r.offered() {
			why = append(why, fmt.Sprintf("< %.0f %% of offered", 100*keepUpShare))
		}
		if r.p99 > keepUpP99 {
			why = append(why, fmt.Sprintf("p99 > %v", keepUpP99))
		}
		verdict = "**NO** (" + strings.Join(why, ", ") + ")"
	}
	return fmt.Sprintf("| %s | %d | %d | %d | %.0f | %.0f | %.1f %% | %.1f %% | %s | %s | %s (%s) | %s | %s | %.0f | %s | %s | %s | %s |\n",
		r.kind, r.nodes, r.rate, r.sent, r.offered(), r.achieved(), 100*r.achieved()/r.offered(), 100*r.deliveredShare(),
		ms(r.p50), ms(r.p99), secs(r.nodeCPU), r.coreShare(r.nodeCPU), redis, secs(r.serverCPU()), r.perCPUSecond(),
		secs(r.genCPU), secs(r.otherCPU), secs(r.steal), verdict)
}

// limit is a kind's sustainable rate on the ladder it ran.
type limit struct {
	kind string
	// best is the highest rate kept up with, below the first rate that
	// was not (0 when the lowest rate already was not).
	best result
	// failed is the first rate not kept up with; nil when every rate was.
	failed *result
	// peak is the highest achieved delivery rate at any rate.
	peak result
}

// limits finds each kind's sustainable rate from results in the order
// they ran (kinds in turn, each up its ladder). The limit is the last rate
// below the first one a kind fails: once broadcasts queue up, a higher
// rate passing again is noise, not capacity.
func limits(rs []result) []limit {
	var out []limit
	idx := map[string]int{}
	for _, r := range rs {
		i, ok := idx[r.kind]
		if !ok {
			i = len(out)
			idx[r.kind] = i
			out = append(out, limit{kind: r.kind, peak: r})
		}
		l := &out[i]
		if r.achieved() > l.peak.achieved() {
			l.peak = r
		}
		if l.failed != nil {
			continue
		}
		if r.keepsUp() {
			l.best = r
		} else {
			f := r
			l.failed = &f
		}
	}
	return out
}

// limitsTable renders the limits, markdown.
func limitsTable(ls []limit) string {
	var b strings.Builder
	b.WriteString("| kind | nodes | max sustainable rate/s (of the ladder) | deliveries/s there | p99 there | deliveries per server CPU-s there | first rate not kept up | peak deliveries/s (at rate) |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---|---:|\n")
	for _, l := range ls {
		sustained, dps, p99, eff := "none", "–", "–", "–"
		if l.best.rate > 0 {
			sustained = fmt.Sprint(l.best.rate)
			dps = fmt.Sprintf("%.0f", l.best.achieved())
			p99 = ms(l.best.p99)
			eff = fmt.Sprintf("%.0f", l.best.perCPUSecond())
		}
		failed := "none (kept up at every rate)"
		if l.failed != nil {
			failed = fmt.Sprint(l.failed.rate)
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %.0f (%d) |\n",
			l.kind, l.peak.nodes, sustained, dps, p99, eff, failed, l.peak.achieved(), l.peak.rate)
	}
	return b.String()
}

// coreShare renders CPU time c as a percentage of one core over the
// window (200 % is both cores of a 2-core machine).
func (r result) coreShare(c time.Duration) string {
	if r.window <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", 100*c.Seconds()/r.window)
}

// ms renders a latency in milliseconds with one decimal.
func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// secs renders a CPU time in seconds with two decimals.
func secs(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()) }
