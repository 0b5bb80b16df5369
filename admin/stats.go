package admin

import (
	"os"
	"sort"
	"time"
)

// started approximates the process's start for the uptime the UI shows
// (Node's process.uptime()): when this package was initialised.
var started = time.Now()

// stats is the server_stats payload.
func (a *Admin) stats(aggregated []any) map[string]any {
	polling, websocket := a.io.Engine().CountByTransport()
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
		"clientsCount":        polling + websocket,
		"pollingClientsCount": polling,
		"aggregatedEvents":    aggregated,
		"namespaces":          namespaces,
	}
}

// aggregated returns the Engine.IO connections and disconnections since
// the last call, as the UI's histogram counts them (rawConnection,
// rawDisconnection; a fixed two entries at most). Disconnections are
// the sessions opened minus the growth of the open ones, so nothing is
// counted per session but the openings.
func (a *Admin) aggregated() []any {
	now := time.Now().Truncate(time.Second).UnixMilli()
	out := []any{}
	opened := a.opened.Load()
	if d := opened - a.openedSent; d > 0 {
		out = append(out, map[string]any{"timestamp": now, "type": "rawConnection", "count": d})
		a.openedSent = opened
	}
	// A session is listed as open before the hook counting openings
	// runs: the difference can lag, never lead (closedSent only grows).
	closed := a.base + opened - int64(a.io.Engine().Count())
	if d := closed - a.closedSent; d > 0 {
		out = append(out, map[string]any{"timestamp": now, "type": "rawDisconnection", "count": d})
		a.closedSent = closed
	}
	return out
}
