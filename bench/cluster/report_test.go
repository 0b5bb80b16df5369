//go:build linux

package main

import (
	"strings"
	"testing"
	"time"
)

// keeping returns a result of kind at rate where every broadcast reached
// every one of 1000 clients within the 10 s it lasted (the last one
// just before its end).
func keeping(kind string, nodes, rate int) result {
	return result{
		kind: kind, nodes: nodes, rate: rate, clients: 1000,
		sent: int64(rate) * 10, secs: 10, delivered: int64(rate) * 10 * 1000, active: 9.99,
		p50: 2 * time.Millisecond, p99: 20 * time.Millisecond,
		window: 12, nodeCPU: 6 * time.Second, redisCPU: 2 * time.Second, redisOK: true,
	}
}

func TestAchievedUsesTheLongerOfBroadcastAndDelivery(t *testing.T) {
	r := keeping("go", 2, 100)
	r.active = 9.5 // the last delivery before the run's end: the run's length counts
	if got := r.achieved(); got != 100000 {
		t.Fatalf("achieved = %v, want 100000 (1e6 deliveries over the 10 s run)", got)
	}
	r.active = 12 // still delivering at the end of the drain
	if got, want := r.achieved(), 1e6/12; got != want {
		t.Fatalf("achieved = %v, want %v (deliveries over the time they took)", got, want)
	}
	r.secs, r.active = 0, 0
	if got := r.achieved(); got != 0 {
		t.Fatalf("achieved with no time = %v, want 0", got)
	}
}

func TestKeepsUp(t *testing.T) {
	cases := []struct {
		name string
		edit func(*result)
		want bool
	}{
		{"everything delivered, p99 20ms", func(*result) {}, true},
		{"exactly 95 % of offered", func(r *result) { r.delivered = 950000 }, true},
		{"under 95 % of offered", func(r *result) { r.delivered = 949000 }, false},
		{"p99 at the 1 s limit", func(r *result) { r.p99 = time.Second }, true},
		{"p99 over 1 s", func(r *result) { r.p99 = time.Second + time.Millisecond }, false},
		{"delivered late: 100 % of sent but over 12 s", func(r *result) { r.active = 12 }, false},
	}
	for _, c := range cases {
		r := keeping("go", 2, 100)
		c.edit(&r)
		if got := r.keepsUp(); got != c.want {
			t.Errorf("%s: keepsUp = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestServerCPUCountsRedisOnlyForTwoNodeKinds(t *testing.T) {
	two := keeping("node", 2, 100)
	if got := two.serverCPU(); got != 8*time.Second {
		t.Errorf("two nodes: server CPU = %v, want nodes + Redis = 8s", got)
	}
	if got := two.perCPUSecond(); got != 125000 {
		t.Errorf("two nodes: deliveries per CPU-second = %v, want 1e6/8", got)
	}
	two.redisOK = false
	if got := two.serverCPU(); got != 6*time.Second {
		t.Errorf("Redis unread: server CPU = %v, want the nodes' 6s", got)
	}
	one := keeping("node1", 1, 100)
	if got := one.serverCPU(); got != 6*time.Second {
		t.Errorf("one node: server CPU = %v, want the node's 6s only", got)
	}
	one.nodeCPU = 0
	if got := one.perCPUSecond(); got != 0 {
		t.Errorf("no CPU time: deliveries per CPU-second = %v, want 0", got)
	}
}

func TestTableRow(t *testing.T) {
	r := keeping("go", 2, 100)
	r.genCPU, r.otherCPU, r.steal = 3*time.Second, 500*time.Millisecond, 250*time.Millisecond
	got := tableRow(r)
	want := "| go | 2 | 100 | 1000 | 100000 | 100000 | 100.0 % | 100.0 % | 2.0 ms | 20.0 ms | 6.00 (50 %) | 2.00 | 8.00 | 125000 | 3.00 | 0.50 | 0.25 | yes |\n"
	if got != want {
		t.Fatalf("row\n got %q\nwant %q", got, want)
	}
	if cols, hcols := strings.Count(got, "|"), strings.Count(strings.SplitN(tableHeader(), "\n", 2)[0], "|"); cols != hcols {
		t.Fatalf("row has %d separators, header %d", cols, hcols)
	}

	one := keeping("go1", 1, 100)
	if !strings.Contains(tableRow(one), "| 6.00 (50 %) | – | 6.00 |") {
		t.Errorf("one-node row shows Redis: %q", tableRow(one))
	}
	unread := keeping("go", 2, 100)
	unread.redisOK = false
	if !strings.Contains(tableRow(unread), "| 6.00 (50 %) | n/a | 6.00 |") {
		t.Errorf("unread Redis not n/a: %q", tableRow(unread))
	}

	slow := keeping("node", 2, 800)
	slow.delivered /= 2
	slow.p99 = 3 * time.Second
	if !strings.HasSuffix(tableRow(slow), "| **NO** (< 95 % of offered, p99 > 1s) |\n") {
		t.Errorf("failing row's verdict: %q", tableRow(slow))
	}
}

func TestLimits(t *testing.T) {
	fail := func(r result) result { r.p99 = 2 * time.Second; r.delivered = r.delivered * 6 / 10; return r }
	rs := []result{
		keeping("go1", 1, 100), keeping("go1", 1, 200), keeping("go1", 1, 400),
		keeping("node1", 1, 100), fail(keeping("node1", 1, 200)), keeping("node1", 1, 400),
		fail(keeping("node", 2, 100)), fail(keeping("node", 2, 200)),
	}
	ls := limits(rs)
	if len(ls) != 3 {
		t.Fatalf("%d limits, want 3 (one per kind)", len(ls))
	}
	if l := ls[0]; l.kind != "go1" || l.best.rate != 400 || l.failed != nil || l.peak.rate != 400 {
		t.Errorf("go1: best %d, failed %v, peak %d; want 400, none, 400", l.best.rate, l.failed, l.peak.rate)
	}
	// A pass above the first failure is noise, not capacity; the peak is
	// still where the most was delivered.
	if l := ls[1]; l.kind != "node1" || l.best.rate != 100 || l.failed == nil || l.failed.rate != 200 || l.peak.rate != 400 {
		t.Errorf("node1: best %d, failed %v, peak %d; want 100, 200, 400", l.best.rate, l.failed, l.peak.rate)
	}
	if l := ls[2]; l.kind != "node" || l.best.rate != 0 || l.failed == nil || l.failed.rate != 100 {
		t.Errorf("node: best %d, failed %v; want none (0), 100", l.best.rate, l.failed)
	}

	table := limitsTable(ls)
	for _, want := range []string{
		"| go1 | 1 | 400 | 400000 | 20.0 ms | 666667 | none (kept up at every rate) | 400000 (400) |\n",
		"| node1 | 1 | 100 | 100000 | 20.0 ms | 166667 | 200 | 400000 (400) |\n",
		"| node | 2 | none | – | – | – | 100 | 120000 (200) |\n",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("limits table lacks %q:\n%s", want, table)
		}
	}
}

func TestParseRates(t *testing.T) {
	got, err := parseRates("100, 200,400")
	if err != nil || len(got) != 3 || got[0] != 100 || got[1] != 200 || got[2] != 400 {
		t.Fatalf("parseRates = %v, %v; want [100 200 400]", got, err)
	}
	for _, bad := range []string{"", "100,0", "100,-5", "fast"} {
		if _, err := parseRates(bad); err == nil {
			t.Errorf("parseRates(%q) accepted", bad)
		}
	}
}
