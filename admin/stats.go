package admin

import (
	"os"
	"sort"
	"time"

	"github.com/gosio/socketio/session"
)

// started approximates the process's start for the uptime the UI shows
// (Node's process.uptime()): when this package was initialised.
var started = time.Now()

// stats is the server_stats payload; st is the Engine.IO snapshot it
// takes the client counts from.
func (a *Admin) stats(st session.Stats, aggregated []any) map[string]any {
	namespaces := []map[string]any{}
	for _, n := range a.io.Namespaces() {
		if n == a.nsp {
			continue
		}
		namespaces = append(namespaces, map[string]any{"name": n.Name(), "socketsCount": len(n.Sockets())})
	}
	sort.Slice(namespaces, func(i, j int) bool { return namespaces[i]["name"].(string) < namespaces[j]["name"].(string) })
	return map[string]any{
		"serverId":            a.opts.ServerID,
		"hostname":            a.hostname,
		"pid":                 os.Getpid(),
		"uptime":              time.Since(started).Seconds(),
		"clientsCount":        st.OpenPolling + st.OpenWebSocket,
		"pollingClientsCount": st.OpenPolling,
		"aggregatedEvents":    aggregated,
		"namespaces":          namespaces,
	}
}

// aggregatedTypes are the types of the UI's aggregated events, in the
// order they are reported; totals holds one counter for each.
var aggregatedTypes = [...]string{"rawConnection", "rawDisconnection", "packetsIn", "packetsOut", "bytesIn", "bytesOut"}

// totals are the Engine.IO counters behind the aggregated events, in the
// order of aggregatedTypes.
type totals [len(aggregatedTypes)]uint64

// totalsOf reads st's counters: sessions opened, sessions closed (every
// reason summed), message packets and their bytes in and out.
func totalsOf(st session.Stats) totals {
	var closed uint64
	for _, n := range st.Closed {
		closed += n
	}
	return totals{st.Opened, closed, st.PacketsIn, st.PacketsOut, st.BytesIn, st.BytesOut}
}

// advance returns what grew from *t to cur, and records cur in *t. A
// counter found lower than before (PacketsOut and BytesOut are taken back
// when a transport refuses a write counted just before) reports nothing
// and keeps its higher value, so what was reported once is not reported
// again when the counter grows back.
func (t *totals) advance(cur totals) (delta totals) {
	for i, v := range cur {
		if v > t[i] {
			delta[i] = v - t[i]
			t[i] = v
		}
	}
	return delta
}

// aggregated returns the aggregated events since the previous call (or
// Attach): one per type that grew, counting what the Engine.IO counters
// of st add to those the previous call saw, stamped with now truncated
// to the second. Only the dispatcher calls it (it owns a.last).
func (a *Admin) aggregated(st session.Stats, now time.Time) []any {
	d := a.last.advance(totalsOf(st))
	ts := now.Truncate(time.Second).UnixMilli()
	out := []any{}
	for i, n := range d {
		if n > 0 {
			out = append(out, map[string]any{"timestamp": ts, "type": aggregatedTypes[i], "count": n})
		}
	}
	return out
}
