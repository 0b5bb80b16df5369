package legacy

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gosio/socketio/internal/wire"
	"github.com/gosio/socketio/session"
)

// Errors returned by Conn methods.
var (
	// ErrClosed is returned by Send once the connection is closing.
	ErrClosed = errors.New("socket.io 0.6: connection closed")
	// ErrQueueFull is returned by Send when the buffered messages would
	// exceed MaxBufferedMessages or MaxBufferedBytes; the connection is
	// then closed.
	ErrQueueFull = errors.New("socket.io 0.6: outgoing queue full")
	// ErrMessageTooBig is the cause of a close for a message over
	// MaxPayload.
	ErrMessageTooBig = errors.New("socket.io 0.6: message over MaxPayload")
	errHeartbeat     = errors.New("socket.io 0.6: heartbeat not echoed")
)

type state uint8

const (
	stateOpen state = iota
	stateClosing
	stateClosed
)

// Conn is one Socket.IO 0.6 client: a session id, the messages buffered
// for it, and whichever transport request carries it now (none between
// two polls).
//
// Concurrency: all methods are safe for concurrent use. The OnMessage
// callbacks are called from one goroutine at a time, in arrival order;
// each OnClose callback is called once.
type Conn struct {
	srv        *Server
	id         string
	req        *http.Request // the first request, body-less, its context detached
	maxPayload int64

	recvMu sync.Mutex // held while delivering messages: keeps OnMessage serial

	mu         sync.Mutex
	state      state         // guarded by mu
	transport  string        // guarded by mu; the transport of the last request
	queue      []string      // guarded by mu; messages not yet written
	queueBytes int64         // guarded by mu
	att        *attachment   // guarded by mu; the request or WebSocket writing to the client, if any
	detached   chan struct{} // guarded by mu; closed when att ends; nil while none is attached
	expiry     *time.Timer   // guarded by mu; CloseTimeout while no transport is attached
	hbTimer    *time.Timer   // guarded by mu; heartbeat schedule on streaming transports
	hbSeq      int           // guarded by mu; number of the last heartbeat sent
	hbAwaiting bool          // guarded by mu; the last heartbeat is not echoed yet
	held       int           // guarded by mu; HoldReading calls not released
	reason     string        // guarded by mu; the close reason, once closing
	closeErr   error         // guarded by mu

	onMessage []func(text string, isJSON bool) // guarded by mu; copied on write
	onClose   []func(reason string, err error) // guarded by mu; copied on write

	done chan struct{}
}

// attachment is one transport request writing to the client.
type attachment struct {
	streaming bool
	wake      chan struct{} // capacity 1: something to write
	gone      chan struct{} // closed when replaced by another request or when the Conn closes
}

// ID returns the session id (sent to the client as its first message).
func (c *Conn) ID() string { return c.id }

// Request returns the request that opened the connection. Its body is
// empty and its context is not cancelled when the request ends.
func (c *Conn) Request() *http.Request { return c.req }

// Transport returns the transport of the client's latest request.
func (c *Conn) Transport() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.transport
}

// Detached returns a channel closed once no transport carries the
// connection: at once if none does now, else when the current one ends
// (a poll answered, a stream or WebSocket dropped).
func (c *Conn) Detached() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.detached == nil {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	return c.detached
}

// Done returns a channel closed once the connection is closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

// OnMessage adds a function receiving the client's messages: the text of
// a plain message, or the JSON text of a "~j~" one (isJSON set; it is
// valid JSON). Heartbeats are answered here and not delivered. Functions
// run in the order they were added, each on every message delivered after
// it was added; adding one never removes another (the Socket.IO server
// adds its own). A nil fn is ignored.
func (c *Conn) OnMessage(fn func(text string, isJSON bool)) {
	if fn == nil {
		return
	}
	c.mu.Lock()
	c.onMessage = append(c.onMessage[:len(c.onMessage):len(c.onMessage)], fn)
	c.mu.Unlock()
}

// OnClose adds a function called once when the connection closes, with
// the reason ("transport close", "transport error", "ping timeout",
// "parse error", "forced close", "server shutting down"). Functions added
// before the close run in the order they were added; adding one never
// removes another. Added after the connection has closed, fn is called at
// once. A nil fn is ignored.
func (c *Conn) OnClose(fn func(reason string, err error)) {
	if fn == nil {
		return
	}
	c.mu.Lock()
	if c.state == stateClosed {
		// closeNow took its list when it set stateClosed: fn is not in it.
		reason, err := c.reason, c.closeErr
		c.mu.Unlock()
		fn(reason, err)
		return
	}
	c.onClose = append(c.onClose[:len(c.onClose):len(c.onClose)], fn)
	c.mu.Unlock()
}

// Send queues messages, already in their 0.6 form (a plain string, or
// "~j~" and JSON), to be written in order. It never waits for the network.
// It fails with ErrClosed once the connection is closing and with
// ErrQueueFull (closing the connection) past the buffer limits.
func (c *Conn) Send(msgs ...string) error {
	var n int64
	for _, m := range msgs {
		n += int64(len(m))
	}
	cfg := &c.srv.cfg
	c.mu.Lock()
	if c.state != stateOpen {
		c.mu.Unlock()
		return ErrClosed
	}
	if (cfg.maxMessages > 0 && len(c.queue)+len(msgs) > cfg.maxMessages) ||
		(cfg.maxBytes > 0 && c.queueBytes+n > cfg.maxBytes) {
		c.mu.Unlock()
		c.closeNow(session.ReasonTransportError, ErrQueueFull)
		return ErrQueueFull
	}
	c.queue = append(c.queue, msgs...)
	c.queueBytes += n
	c.wakeLocked()
	c.mu.Unlock()
	return nil
}

// SendVolatile queues messages only if a transport is attached and
// nothing is waiting to be written; otherwise they are dropped and it
// returns false.
func (c *Conn) SendVolatile(msgs ...string) bool {
	c.mu.Lock()
	ok := c.state == stateOpen && c.att != nil && len(c.queue) == 0
	c.mu.Unlock()
	return ok && c.Send(msgs...) == nil
}

// Close closes the connection with reason "forced close" once what is
// queued has been written to an attached transport (at once if none is).
func (c *Conn) Close() error {
	c.closeGracefully(session.ReasonForcedClose)
	return nil
}

// CloseWithReason closes the connection at once; queued messages are
// dropped.
func (c *Conn) CloseWithReason(reason string, err error) { c.closeNow(reason, err) }

// HoldReading tells the connection that its messages are not being read
// for a while (the layer above is behind): a heartbeat echo may be waiting
// unread meanwhile, so the heartbeat deadline waits, and is re-armed in
// full when release is called.
func (c *Conn) HoldReading() (release func()) {
	c.mu.Lock()
	c.held++
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			c.held--
			if c.held == 0 && c.hbAwaiting && c.hbTimer != nil {
				c.hbTimer.Reset(c.srv.cfg.heartbeatTimeout)
			}
			c.mu.Unlock()
		})
	}
}

func (c *Conn) wakeLocked() {
	if c.att != nil {
		select {
		case c.att.wake <- struct{}{}:
		default:
		}
	}
}

// attach makes a transport request the connection's writer, replacing
// (and ending) any other.
func (c *Conn) attach(transport string, streaming bool) (*attachment, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == stateClosed {
		return nil, ErrClosed
	}
	if c.att != nil {
		close(c.att.gone)
	}
	a := &attachment{streaming: streaming, wake: make(chan struct{}, 1), gone: make(chan struct{})}
	c.att = a
	if c.detached == nil {
		c.detached = make(chan struct{})
	}
	c.transport = transport
	if c.expiry != nil {
		c.expiry.Stop()
		c.expiry = nil
	}
	c.stopHeartbeatLocked()
	if streaming {
		c.hbTimer = time.AfterFunc(c.srv.cfg.heartbeat, c.onHeartbeatTimer)
	}
	if len(c.queue) > 0 || c.state == stateClosing {
		a.wake <- struct{}{}
	}
	return a, nil
}

// detach ends a transport request. A connection being closed gracefully
// closes now; an open one waits CloseTimeout for the client's next request.
func (c *Conn) detach(a *attachment) {
	c.mu.Lock()
	if c.att != a {
		c.mu.Unlock()
		return
	}
	c.att = nil
	close(a.gone)
	c.endAttachmentLocked()
	c.stopHeartbeatLocked()
	switch c.state {
	case stateClosing:
		reason := c.reason
		c.mu.Unlock()
		c.closeNow(reason, nil)
		return
	case stateOpen:
		c.expiry = time.AfterFunc(c.srv.cfg.closeTimeout, func() {
			c.closeNow(session.ReasonTransportClose, nil)
		})
	}
	c.mu.Unlock()
}

// take returns what a is to write now, and whether a must end after
// writing it (the connection is closing, or a was replaced).
func (c *Conn) take(a *attachment) (msgs []string, final bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.att != a {
		return nil, true
	}
	msgs = c.queue
	c.queue = nil
	c.queueBytes = 0
	return msgs, c.state != stateOpen
}

// serve writes to the client through a until it ends: once after the
// first batch for a poll (or after PollDuration, empty), for as long as
// the transport lasts for a stream. write gets the framed payload.
func (c *Conn) serve(a *attachment, done <-chan struct{}, poll bool, write func(payload string) error) {
	var timeout <-chan time.Time
	if poll {
		t := time.NewTimer(c.srv.cfg.pollDuration)
		defer t.Stop()
		timeout = t.C
	}
	for {
		msgs, final := c.take(a)
		if len(msgs) > 0 || (poll && final) {
			if err := write(wire.EncodeLegacy06(msgs...)); err != nil || poll {
				return
			}
		}
		if final {
			return
		}
		select {
		case <-a.wake:
		case <-a.gone:
		case <-done:
			return
		case <-timeout:
			_ = write("")
			return
		}
	}
}

// receive decodes a payload from the client and delivers its messages.
// A malformed payload closes the connection ("parse error").
func (c *Conn) receive(payload string) error {
	msgs, err := wire.DecodeLegacy06(payload)
	if err != nil {
		c.closeNow(session.ReasonParseError, err)
		return err
	}
	c.recvMu.Lock()
	defer c.recvMu.Unlock()
	for _, m := range msgs {
		c.mu.Lock()
		open, fns := c.state == stateOpen, c.onMessage
		c.mu.Unlock()
		if !open {
			return ErrClosed
		}
		switch {
		case strings.HasPrefix(m, wire.Legacy06Heartbeat):
			c.onHeartbeat(m[len(wire.Legacy06Heartbeat):])
		case strings.HasPrefix(m, wire.Legacy06JSON):
			for _, fn := range fns {
				fn(m[len(wire.Legacy06JSON):], true)
			}
		default:
			for _, fn := range fns {
				fn(m, false)
			}
		}
	}
	return nil
}

// onHeartbeat handles the client's echo of heartbeat n.
func (c *Conn) onHeartbeat(n string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hbAwaiting && n == strconv.Itoa(c.hbSeq) {
		c.hbAwaiting = false
		if c.hbTimer != nil {
			c.hbTimer.Reset(c.srv.cfg.heartbeat)
		}
	}
}

// onHeartbeatTimer sends the next heartbeat, or closes the connection if
// the last one was not echoed in time.
func (c *Conn) onHeartbeatTimer() {
	c.mu.Lock()
	if c.state != stateOpen || c.hbTimer == nil {
		c.mu.Unlock()
		return
	}
	if c.hbAwaiting {
		if c.held > 0 {
			c.mu.Unlock() // re-armed on release
			return
		}
		c.mu.Unlock()
		c.closeNow(session.ReasonPingTimeout, errHeartbeat)
		return
	}
	c.hbSeq++
	c.hbAwaiting = true
	// Ahead of the buffered messages, outside the limits (it is ours).
	c.queue = append([]string{wire.Legacy06Heartbeat + strconv.Itoa(c.hbSeq)}, c.queue...)
	c.hbTimer.Reset(c.srv.cfg.heartbeatTimeout)
	c.wakeLocked()
	c.mu.Unlock()
}

func (c *Conn) endAttachmentLocked() {
	if c.detached != nil {
		close(c.detached)
		c.detached = nil
	}
}

func (c *Conn) stopHeartbeatLocked() {
	if c.hbTimer != nil {
		c.hbTimer.Stop()
		c.hbTimer = nil
	}
	c.hbAwaiting = false
}

// closeGracefully closes once the queue is written to the attached
// transport; at once when there is none.
func (c *Conn) closeGracefully(reason string) {
	c.mu.Lock()
	if c.state != stateOpen {
		c.mu.Unlock()
		return
	}
	if c.att == nil {
		c.mu.Unlock()
		c.closeNow(reason, nil)
		return
	}
	c.state = stateClosing
	c.reason = reason
	c.wakeLocked()
	c.mu.Unlock()
}

// closeNow closes the connection: the attached transport ends, queued
// messages are dropped, and OnClose is called.
func (c *Conn) closeNow(reason string, err error) {
	c.mu.Lock()
	if c.state == stateClosed {
		c.mu.Unlock()
		return
	}
	if c.state == stateClosing && c.reason != "" {
		reason = c.reason
	}
	c.state = stateClosed
	c.reason, c.closeErr = reason, err
	if c.att != nil {
		close(c.att.gone)
		c.att = nil
	}
	c.endAttachmentLocked()
	if c.expiry != nil {
		c.expiry.Stop()
		c.expiry = nil
	}
	c.stopHeartbeatLocked()
	c.queue, c.queueBytes = nil, 0
	fns := c.onClose
	close(c.done)
	c.mu.Unlock()
	c.srv.remove(c)
	for _, fn := range fns {
		fn(reason, err)
	}
}
