package client

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/gosio/socketio/codec"
)

// engine is one Engine.IO v4 connection (the JS engine.io-client Socket):
// the handshake's parameters, the current transport, the write buffer and
// its writer, the heartbeat, the upgrade from polling to WebSocket, and
// the close.
//
// Goroutines: one reads (the polling loop, then after an upgrade the
// WebSocket loop: never both at once), calling hooks.message in order; a
// writer runs only while the buffer holds packets; a probe runs during an
// upgrade. No lock is held across network I/O or a hook. All are counted
// by the Manager's tracker.
type engine struct {
	cfg   *config
	hooks engineHooks
	gor   *tracker
	ep    endpoint
	hs    handshake
	// upgrade: the handshake offers WebSocket and the options allow it.
	upgrade bool

	ctx    context.Context // canceled when the engine closes: ends requests and dials
	cancel context.CancelFunc
	// quit is closed when the engine starts closing (gracefully or not):
	// a reader waiting for the handlers gives up.
	quit chan struct{}

	mu          sync.Mutex
	cond        *sync.Cond     // on mu: signalled when writing, pollStopped or state change
	state       engineState    // guarded by mu
	tr          transport      // guarded by mu; changes only during an upgrade, writer idle
	initial     []codec.Packet // guarded by mu; packets that came with the handshake
	buf         []codec.Packet // guarded by mu; the write buffer
	writing     bool           // guarded by mu; a writer goroutine runs
	upgrading   bool           // guarded by mu; the probe succeeded, polling is being paused
	pollStopped bool           // guarded by mu; the polling loop ended for the upgrade
	finishing   bool           // guarded by mu; the graceful close is being finished
	probeConn   closer         // guarded by mu; the WebSocket being probed
	pingTimer   *time.Timer    // guarded by mu
	pingGen     uint64         // guarded by mu; invalidates fired timers of earlier pings
	held        bool           // guarded by mu; heartbeat paused while the reader waits
	graceTimer  *time.Timer    // guarded by mu; bounds the graceful close
	quitClosed  bool           // guarded by mu
}

type engineState uint8

const (
	engineOpen    engineState = iota
	engineClosing             // graceful close: flushing, then closing
	engineClosed
)

// engineHooks connect an engine to its Manager.
type engineHooks struct {
	// message receives each message packet, on the reading goroutine, in
	// order.
	message func(e *engine, p codec.Packet)
	// close is called exactly once, when the engine closes, with no lock
	// held, from whichever goroutine saw the end.
	close func(e *engine, reason string, err error)
	// ping is called for each server ping, on the reading goroutine.
	ping func()
	// upgraded is called when the connection moved to WebSocket.
	upgraded func()
}

// transport writes batches of packets; the engine's writer calls write
// one batch at a time.
type transport interface {
	name() string
	write(ctx context.Context, pkts []codec.Packet) error
}

type closer interface{ Close() error }

// gracefulClose bounds how long a graceful close may take to flush what
// was queued before it (a DISCONNECT, the polling close packet).
const gracefulClose = 2 * time.Second

var errStop = errors.New("stop")

// start begins reading, the heartbeat and, on polling, the upgrade. It is
// called once, after the Manager has recorded the engine, so that no
// packet arrives before the Manager can route it.
func (e *engine) start() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state != engineOpen {
		return
	}
	e.resetPingLocked()
	switch tr := e.tr.(type) {
	case *pollingTransport:
		e.gor.Go(func() { e.pollLoop(tr) })
		if e.upgrade {
			e.gor.Go(e.probe)
		}
	case *wsTransport:
		e.gor.Go(func() { e.wsLoop(tr) })
	}
	e.flushLocked()
}

// transportName is the current transport's name.
func (e *engine) transportName() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tr.name()
}

// send queues packets for writing; they are written in order, the
// packets of one call together. It fails once the engine is closing.
func (e *engine) send(pkts ...codec.Packet) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state != engineOpen {
		return ErrDisconnected
	}
	e.buf = append(e.buf, pkts...)
	e.flushLocked()
	return nil
}

// writable reports whether a packet sent now would be written at once: the
// JS client's transport.writable, which decides whether a volatile packet
// is dropped.
func (e *engine) writable() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state == engineOpen && !e.writing && !e.upgrading && len(e.buf) == 0
}

// flushLocked starts the writer if there is something to write and
// nothing prevents it.
func (e *engine) flushLocked() {
	if e.writing || e.upgrading || len(e.buf) == 0 || e.state == engineClosed {
		return
	}
	e.writing = true
	batch, tr := e.takeLocked(), e.tr
	e.gor.Go(func() { e.writeLoop(tr, batch) })
}

// takeLocked removes the next batch from the buffer: everything, except
// on polling, where a batch stays within the server's maxPayload (a
// packet larger than it goes alone), as the JS client does.
func (e *engine) takeLocked() []codec.Packet {
	n := len(e.buf)
	if _, polling := e.tr.(*pollingTransport); polling && e.hs.MaxPayload > 0 {
		size := 0
		for i, p := range e.buf {
			l := codec.EncodedLen(p)
			if i > 0 {
				l++ // the separator
				if int64(size+l) > e.hs.MaxPayload {
					n = i
					break
				}
			}
			size += l
		}
	}
	batch := e.buf[:n:n]
	if n == len(e.buf) {
		e.buf = nil
	} else {
		e.buf = e.buf[n:]
	}
	return batch
}

func (e *engine) writeLoop(tr transport, batch []codec.Packet) {
	for {
		if err := tr.write(e.ctx, batch); err != nil {
			e.mu.Lock()
			e.writing = false
			e.cond.Broadcast()
			e.mu.Unlock()
			e.closeNow(ReasonTransportError, err)
			return
		}
		e.mu.Lock()
		if e.state != engineClosed && !e.upgrading && len(e.buf) > 0 {
			batch, tr = e.takeLocked(), e.tr
			e.mu.Unlock()
			continue
		}
		e.writing = false
		e.cond.Broadcast()
		fin := e.finishLocked()
		e.mu.Unlock()
		if fin {
			e.finish()
		}
		return
	}
}

// receive handles one packet from the server, on the reading goroutine.
// It reports whether reading must stop (the engine closed).
func (e *engine) receive(p codec.Packet) bool {
	switch p.Type {
	case codec.PacketClose:
		e.closeNow(ReasonTransportClose, nil)
		return true
	case codec.PacketPing:
		e.mu.Lock()
		// Ahead of queued data: a heartbeat waits for no traffic. One
		// pong waiting is enough, however many pings a server sends
		// while writes are stuck.
		if e.state == engineOpen && (len(e.buf) == 0 || e.buf[0].Type != codec.PacketPong) {
			e.buf = slices.Insert(e.buf, 0, codec.Packet{Type: codec.PacketPong})
			e.flushLocked()
		}
		e.resetPingLocked()
		e.mu.Unlock()
		e.hooks.ping()
	case codec.PacketMessage:
		e.hooks.message(e, p)
	}
	// open, pong, upgrade and noop need nothing.
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state == engineClosed
}

// resetPingLocked (re)arms the heartbeat deadline: the server must ping
// within pingInterval + pingTimeout.
func (e *engine) resetPingLocked() {
	e.pingGen++
	if e.pingTimer != nil {
		e.pingTimer.Stop()
		e.pingTimer = nil
	}
	if e.held || e.state == engineClosed {
		return
	}
	gen := e.pingGen
	d := time.Duration(e.hs.PingInterval+e.hs.PingTimeout) * time.Millisecond
	e.pingTimer = time.AfterFunc(d, func() {
		e.mu.Lock()
		expired := e.pingGen == gen
		e.mu.Unlock()
		if expired {
			e.closeNow(ReasonPingTimeout, nil)
		}
	})
}

// hold pauses the heartbeat deadline while the reader waits for the
// handlers (a ping may sit unread behind the events); release re-arms it
// in full.
func (e *engine) hold() {
	e.mu.Lock()
	e.held = true
	e.resetPingLocked()
	e.mu.Unlock()
}

func (e *engine) release() {
	e.mu.Lock()
	e.held = false
	e.resetPingLocked()
	e.mu.Unlock()
}

// shutdown closes the engine gracefully: what is queued is written (on
// polling, followed by a close packet), then the transport is closed,
// within gracefulClose. The close hook then reports "forced close". It
// never calls the hook itself, so it may be called under the Manager's
// lock.
func (e *engine) shutdown() {
	e.mu.Lock()
	if e.state != engineOpen {
		e.mu.Unlock()
		return
	}
	e.state = engineClosing
	e.quitLocked()
	e.cond.Broadcast() // a probe waiting for polling to pause gives up
	if _, polling := e.tr.(*pollingTransport); polling {
		e.buf = append(e.buf, codec.Packet{Type: codec.PacketClose})
		e.flushLocked()
	}
	e.graceTimer = time.AfterFunc(gracefulClose, func() { e.closeNow(ReasonForcedClose, nil) })
	if e.finishLocked() {
		// Not on this goroutine: the Manager calls shutdown under its
		// lock, which the close hook takes.
		e.gor.Go(e.finish)
	}
	e.mu.Unlock()
}

// finishLocked reports whether a graceful close can be completed now (and
// marks it as being completed).
func (e *engine) finishLocked() bool {
	if e.state != engineClosing || e.finishing || e.writing || e.upgrading || len(e.buf) > 0 {
		return false
	}
	e.finishing = true
	return true
}

// finish completes a graceful close: a WebSocket gets a close frame.
func (e *engine) finish() {
	e.mu.Lock()
	tr := e.tr
	e.mu.Unlock()
	if ws, ok := tr.(*wsTransport); ok {
		ws.closeFrame()
	}
	e.closeNow(ReasonForcedClose, nil)
}

// closeNow closes the engine at once, if it is not closed yet: requests
// are aborted, connections closed, and the close hook called.
func (e *engine) closeNow(reason string, err error) {
	e.mu.Lock()
	if e.state == engineClosed {
		e.mu.Unlock()
		return
	}
	e.state = engineClosed
	e.quitLocked()
	e.pingGen++
	if e.pingTimer != nil {
		e.pingTimer.Stop()
	}
	if e.graceTimer != nil {
		e.graceTimer.Stop()
	}
	var conns []closer
	if ws, ok := e.tr.(*wsTransport); ok {
		conns = append(conns, ws.conn)
	}
	if e.probeConn != nil {
		conns = append(conns, e.probeConn)
	}
	e.buf = nil
	e.initial = nil
	e.cond.Broadcast()
	e.mu.Unlock()
	e.cancel()
	for _, c := range conns {
		_ = c.Close()
	}
	e.hooks.close(e, reason, err)
}

func (e *engine) quitLocked() {
	if !e.quitClosed {
		e.quitClosed = true
		close(e.quit)
	}
}

func (e *engine) closed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state == engineClosed
}
