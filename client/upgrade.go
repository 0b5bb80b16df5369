package client

import (
	"context"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/codec"
)

// probeTimeout bounds an upgrade probe (dial, "2probe", "3probe") when
// Options.Timeout is negative; the server gives up on an upgrade after its
// upgradeTimeout (10s by default) anyway.
const probeTimeout = 30 * time.Second

// probe upgrades a polling connection to WebSocket, as the JS client does:
// it opens a WebSocket with the session id, sends "2probe" and waits for
// "3probe"; then it pauses polling (the pending GET completes — the
// server releases it with a noop — and no new one starts; a POST in
// flight completes), sends "5" on the WebSocket and makes it the
// transport. Any failure before the pause leaves the connection on
// polling; a failure to send "5" once polling is paused closes it.
func (e *engine) probe() {
	d := e.cfg.timeout
	if d <= 0 {
		d = probeTimeout
	}
	ctx, cancel := context.WithTimeout(e.ctx, d)
	defer cancel()
	ws, err := dialWebSocket(ctx, e, e.hs.SID)
	if err != nil {
		return
	}
	e.mu.Lock()
	if e.state != engineOpen {
		e.mu.Unlock()
		_ = ws.conn.Close()
		return
	}
	e.probeConn = ws.conn
	e.mu.Unlock()
	if !e.probeExchange(ctx, ws) {
		e.abandonProbe(ws)
		return
	}

	e.mu.Lock()
	if e.state != engineOpen {
		e.mu.Unlock()
		e.abandonProbe(ws)
		return
	}
	e.upgrading = true
	for e.state == engineOpen && (!e.pollStopped || e.writing) {
		e.cond.Wait()
	}
	if e.state != engineOpen {
		// Closing or closed meanwhile. A graceful close goes on on
		// polling (its POSTs need no GET loop).
		e.upgrading = false
		e.flushLocked()
		e.mu.Unlock()
		e.abandonProbe(ws)
		return
	}
	e.mu.Unlock()

	// Polling is paused: nothing else reads or writes now.
	_ = ws.conn.SetReadDeadline(time.Time{})
	if err := ws.write(e.ctx, []codec.Packet{{Type: codec.PacketUpgrade}}); err != nil {
		e.closeNow(ReasonTransportError, err)
		return
	}
	e.mu.Lock()
	if e.state == engineClosed {
		e.mu.Unlock()
		return
	}
	e.tr = ws
	e.probeConn = nil
	e.upgrading = false
	e.gor.Go(func() { e.wsLoop(ws) })
	e.flushLocked()
	fin := e.finishLocked()
	e.mu.Unlock()
	e.hooks.upgraded()
	if fin {
		e.finish()
	}
}

// probeExchange sends "2probe" and expects "3probe" within ctx.
func (e *engine) probeExchange(ctx context.Context, ws *wsTransport) bool {
	stop := context.AfterFunc(ctx, func() { _ = ws.conn.Close() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = ws.conn.SetReadDeadline(dl)
	}
	if err := ws.write(ctx, []codec.Packet{{Type: codec.PacketPing, Data: []byte("probe")}}); err != nil {
		return false
	}
	typ, data, err := ws.conn.ReadMessage()
	return err == nil && typ == websocket.TextMessage && string(data) == "3probe"
}

// abandonProbe closes a probe that failed or is no longer wanted; the
// connection stays on polling. If a graceful close was waiting for the
// upgrade, it completes.
func (e *engine) abandonProbe(ws *wsTransport) {
	_ = ws.conn.Close()
	e.mu.Lock()
	if e.probeConn == ws.conn {
		e.probeConn = nil
	}
	fin := e.finishLocked()
	e.mu.Unlock()
	if fin {
		e.finish()
	}
}
