package eiotest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Mode is how a Client carries its session.
type Mode string

// The modes: polling only, WebSocket from the handshake on, or a polling
// handshake upgraded to WebSocket.
const (
	ModePolling   Mode = "polling"
	ModeWebSocket Mode = "websocket"
	ModeUpgrade   Mode = "upgrade"
)

// Modes lists every mode, for table-driven tests.
var Modes = []Mode{ModePolling, ModeWebSocket, ModeUpgrade}

// Config configures Dial.
type Config struct {
	// Base is the server URL including the Engine.IO path.
	Base string
	// HTTP carries polling requests; Dialer opens WebSockets (nil:
	// websocket.DefaultDialer).
	HTTP   *http.Client
	Dialer *websocket.Dialer
	// ManualPong turns off the automatic answer to pings: pings are then
	// delivered by Recv like any packet, and nothing answers them.
	ManualPong bool
	// Timeout bounds each step of the handshake and upgrade. Zero: 10s.
	Timeout time.Duration
	// V3, when set, speaks Engine.IO protocol 3 (socket.io-client 2.x):
	// the server answers the client's pings (Ping) and its pongs are
	// counted (Pongs), not delivered. JSONP applies to polling only.
	V3 *V3
}

// UpgradeHooks are called at the steps of Client.Upgrade, so that a test
// can act (typically: make the server send) at each one.
type UpgradeHooks struct {
	// AfterProbe runs once "3probe" has been received, while polling is
	// still running.
	AfterProbe func()
	// BeforeUpgrade runs once polling is paused (the last GET has
	// returned), just before the upgrade packet is sent.
	BeforeUpgrade func()
}

// Errors ending a Client's stream of packets (see Recv).
var (
	// ErrServerClose: the server sent a close packet on polling.
	ErrServerClose = errors.New("eiotest: server sent a close packet")
	// ErrClientClose: the client closed the session with Close.
	ErrClientClose = errors.New("eiotest: closed by the client")
	// ErrStopped: Stop was called.
	ErrStopped = errors.New("eiotest: client stopped")
)

// Client is one session over any mode. Background goroutines (the poll
// loop, or the WebSocket reader) deliver incoming packets to Recv, leaving
// out noops and, unless Config.ManualPong, pings (which they answer).
//
// Send, Recv and the accessors are safe for concurrent use. Stop must be
// called (Close calls it) to end the goroutines.
type Client struct {
	cfg       Config
	handshake Handshake
	polling   *Polling
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	in         Queue[Packet]
	manualPong atomic.Bool
	pings      atomic.Int64
	pingsCh    chan struct{} // capacity 1: signalled on every ping

	writeMu   sync.Mutex // serialises writes: one POST at a time, one WebSocket writer
	transport string     // guarded by writeMu
	ws        *WebSocket // guarded by writeMu

	paused   atomic.Bool   // poll loop: stop after the current GET
	pollDone chan struct{} // closed when the poll loop has returned
	closing  atomic.Bool
}

// Dial opens a session in the given mode; in ModeUpgrade the upgrade is
// complete when Dial returns.
func Dial(ctx context.Context, cfg Config, mode Mode) (*Client, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Dialer == nil {
		cfg.Dialer = websocket.DefaultDialer
	}
	c := &Client{cfg: cfg, pingsCh: make(chan struct{}, 1)}
	c.manualPong.Store(cfg.ManualPong)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	hctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	switch mode {
	case ModePolling, ModeUpgrade:
		p, h, rest, err := HandshakePollingV3(hctx, cfg.HTTP, cfg.Base, cfg.V3)
		if err != nil {
			c.cancel()
			return nil, err
		}
		c.polling, c.handshake, c.transport = p, h, "polling"
		for _, pk := range rest {
			c.deliver(pk)
		}
		c.pollDone = make(chan struct{})
		c.wg.Add(1)
		go c.pollLoop()
		if mode == ModeUpgrade {
			if err := c.Upgrade(ctx, nil); err != nil {
				c.Stop()
				return nil, err
			}
		}
	case ModeWebSocket:
		ws, h, err := HandshakeWebSocketV3(hctx, cfg.Dialer, cfg.Base, cfg.Timeout, cfg.V3)
		if err != nil {
			c.cancel()
			return nil, err
		}
		c.handshake, c.transport, c.ws = h, "websocket", ws
		c.wg.Add(1)
		go c.readLoop(ws)
	default:
		c.cancel()
		return nil, fmt.Errorf("eiotest: unknown mode %q", mode)
	}
	return c, nil
}

// Handshake returns the open packet's contents.
func (c *Client) Handshake() Handshake { return c.handshake }

// SID returns the session id.
func (c *Client) SID() string { return c.handshake.SID }

// Transport returns "polling" or "websocket".
func (c *Client) Transport() string {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.transport
}

// Send writes pkts on the current transport: one POST on polling, one
// frame each on WebSocket.
func (c *Client) Send(pkts ...Packet) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.transport == "polling" {
		ctx, cancel := context.WithTimeout(c.ctx, c.cfg.Timeout)
		defer cancel()
		return c.polling.Send(ctx, pkts...)
	}
	for _, p := range pkts {
		if err := c.ws.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// Recv returns the next packet, waiting at most timeout. Once the stream
// has ended (the server closed the session, the transport failed, or the
// client closed) and every packet before the end was returned, Recv
// returns the error that ended it: ErrServerClose after a polling close
// packet (which Recv returned first), a *websocket.CloseError or another
// read error on WebSocket, a *StatusError for a refused poll, or
// ErrClientClose / ErrStopped. It returns ErrTimeout if nothing arrived.
func (c *Client) Recv(timeout time.Duration) (Packet, error) {
	return c.in.Next(timeout)
}

// SetManualPong switches the automatic answer to pings off (true) or on
// (false) from now on; see Config.ManualPong.
func (c *Client) SetManualPong(manual bool) { c.manualPong.Store(manual) }

// Ping sends a ping (protocol 3: the client pings, the server answers
// with a pong that Pongs counts).
func (c *Client) Ping() error { return c.Send(Text(Ping, "")) }

// Pongs returns how many pongs a protocol 3 server sent.
func (c *Client) Pongs() int64 { return c.pings.Load() }

// Pings returns how many pings were received.
func (c *Client) Pings() int64 { return c.pings.Load() }

// WaitPings waits until at least n pings were received; false on timeout
// or if the stream ends first.
func (c *Client) WaitPings(n int64, timeout time.Duration) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	done := c.in.Done()
	for c.pings.Load() < n {
		select {
		case <-c.pingsCh:
		case <-done:
			return c.pings.Load() >= n
		case <-timer.C:
			return c.pings.Load() >= n
		}
	}
	return true
}

// Done returns a channel closed once the stream has ended.
func (c *Client) Done() <-chan struct{} { return c.in.Done() }

func (c *Client) deliver(p Packet) {
	switch {
	case p.Type == Noop && !p.Binary:
		return
	case c.cfg.V3 != nil && p.Type == Pong && !p.Binary:
		c.pings.Add(1) // v3: the server's answers to Ping
		select {
		case c.pingsCh <- struct{}{}:
		default:
		}
		return
	case p.Type == Ping && !p.Binary && c.cfg.V3 == nil:
		c.pings.Add(1)
		select {
		case c.pingsCh <- struct{}{}:
		default:
		}
		if !c.manualPong.Load() {
			// A failed pong shows up as the end of the stream.
			_ = c.Send(Text(Pong, string(p.Data)))
			return
		}
	}
	c.in.Push(p)
}

func (c *Client) pollLoop() {
	defer c.wg.Done()
	defer close(c.pollDone)
	for !c.paused.Load() {
		resp, err := c.polling.Get(c.ctx)
		if err != nil {
			c.endPoll(err)
			return
		}
		if resp.Status != http.StatusOK {
			c.endPoll(&StatusError{resp})
			return
		}
		pkts, err := c.polling.decode(resp)
		if err != nil {
			c.in.End(err)
			return
		}
		for _, p := range pkts {
			if p.Type == Close && !p.Binary {
				c.in.Push(p)
				c.in.End(ErrServerClose)
				return
			}
			c.deliver(p)
		}
		if c.closing.Load() {
			c.in.End(ErrClientClose)
			return
		}
	}
}

func (c *Client) endPoll(err error) {
	switch {
	case c.ctx.Err() != nil:
		c.in.End(ErrStopped)
	case c.closing.Load():
		c.in.End(ErrClientClose)
	default:
		c.in.End(err)
	}
}

func (c *Client) readLoop(ws *WebSocket) {
	defer c.wg.Done()
	for {
		typ, data, err := ws.Conn.ReadMessage()
		if err != nil {
			if c.ctx.Err() != nil && !c.closing.Load() {
				err = ErrStopped
			}
			c.in.End(err)
			return
		}
		if typ == websocket.BinaryMessage && c.cfg.V3 == nil {
			c.in.Push(Bin(data))
			continue
		}
		p, err := ws.decode(typ, data)
		if err != nil {
			c.in.End(err)
			return
		}
		c.deliver(p)
	}
}

// Upgrade moves a polling session to WebSocket the way the reference
// client does: open a WebSocket with the sid, send "2probe", expect
// "3probe", pause polling (wait for the pending GET to return), send "5",
// and from then on read and write on the WebSocket. Packets received on
// polling before the pause are delivered before any received on the
// WebSocket. hooks may be nil.
func (c *Client) Upgrade(ctx context.Context, hooks *UpgradeHooks) error {
	if hooks == nil {
		hooks = &UpgradeHooks{}
	}
	if c.Transport() != "polling" {
		return errors.New("eiotest: Upgrade on a session not on polling")
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var v3 *V3
	if c.cfg.V3 != nil {
		v3 = &V3{B64: c.cfg.V3.B64} // JSONP is for polling only
	}
	ws, resp, err := DialWebSocketV3(ctx, c.cfg.Dialer, c.cfg.Base, c.SID(), v3)
	if err != nil {
		if resp != nil {
			return fmt.Errorf("upgrade: dial: %w (%s)", err, resp)
		}
		return fmt.Errorf("upgrade: dial: %w", err)
	}
	fail := func(format string, args ...any) error {
		ws.Conn.Close()
		return fmt.Errorf("upgrade: "+format, args...)
	}
	if err := ws.Write(Text(Ping, "probe")); err != nil {
		return fail("writing 2probe: %v", err)
	}
	p, err := ws.Read(c.cfg.Timeout)
	if err != nil {
		return fail("reading 3probe: %v", err)
	}
	if p.String() != "3probe" {
		return fail("got %q, want 3probe", p)
	}
	if err := ws.Conn.SetReadDeadline(time.Time{}); err != nil {
		return fail("%v", err)
	}
	if hooks.AfterProbe != nil {
		hooks.AfterProbe()
	}
	c.paused.Store(true)
	select {
	case <-c.pollDone:
	case <-ctx.Done():
		return fail("the pending poll was not released after 3probe: %v", ctx.Err())
	}
	if hooks.BeforeUpgrade != nil {
		hooks.BeforeUpgrade()
	}
	c.writeMu.Lock()
	err = ws.Write(Text(Upgrade, ""))
	if err == nil {
		c.ws, c.transport = ws, "websocket"
	}
	c.writeMu.Unlock()
	if err != nil {
		return fail("writing 5: %v", err)
	}
	c.wg.Add(1)
	go c.readLoop(ws)
	return nil
}

// Close closes the session from the client side, the way the reference
// client does (a POSTed close packet on polling, a close frame with status
// 1000 on WebSocket), waits up to timeout for the stream to end, then
// stops the client.
func (c *Client) Close(timeout time.Duration) error {
	c.closing.Store(true)
	c.writeMu.Lock()
	var err error
	if c.transport == "polling" {
		ctx, cancel := context.WithTimeout(c.ctx, c.cfg.Timeout)
		err = c.polling.Send(ctx, Text(Close, ""))
		cancel()
	} else {
		err = c.ws.Conn.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(writeWait))
	}
	c.writeMu.Unlock()
	if err == nil {
		timer := time.NewTimer(timeout)
		select {
		case <-c.in.Done():
		case <-timer.C:
			err = errors.New("eiotest: the stream did not end after Close")
		}
		timer.Stop()
	}
	c.Stop()
	return err
}

// Stop ends the client at once: pending requests are cancelled, the
// WebSocket is closed, and Stop returns when the goroutines have.
func (c *Client) Stop() {
	c.cancel()
	c.writeMu.Lock()
	ws := c.ws
	c.writeMu.Unlock()
	if ws != nil {
		ws.Conn.Close()
	}
	c.wg.Wait()
	c.in.End(ErrStopped)
}

// Queue is an unbounded FIFO with an end: producers never block, the
// consumer waits with a timeout.
type Queue[T any] struct {
	mu     sync.Mutex
	items  []T
	endErr error
	notify chan struct{} // capacity 1
	done   chan struct{}
}

func (q *Queue[T]) init() {
	if q.notify == nil {
		q.notify = make(chan struct{}, 1)
		q.done = make(chan struct{})
	}
}

func (q *Queue[T]) signal() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// Push appends v, unless the queue has ended.
func (q *Queue[T]) Push(v T) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.init()
	if q.endErr != nil {
		return
	}
	q.items = append(q.items, v)
	q.signal()
}

// End marks the end of the queue with err; only the first call counts.
func (q *Queue[T]) End(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.init()
	if q.endErr != nil {
		return
	}
	q.endErr = err
	close(q.done)
	q.signal()
}

// Done is closed once End was called.
func (q *Queue[T]) Done() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.init()
	return q.done
}

// Next returns the oldest item; once the queue is empty and ended, the end
// error; ErrTimeout if nothing came within timeout.
func (q *Queue[T]) Next(timeout time.Duration) (T, error) {
	var timer *time.Timer
	for {
		q.mu.Lock()
		q.init()
		if len(q.items) > 0 {
			v := q.items[0]
			var zero T
			q.items[0] = zero
			q.items = q.items[1:]
			q.mu.Unlock()
			if timer != nil {
				timer.Stop()
			}
			return v, nil
		}
		if q.endErr != nil {
			err := q.endErr
			q.mu.Unlock()
			if timer != nil {
				timer.Stop()
			}
			var zero T
			return zero, err
		}
		notify := q.notify
		q.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(timeout)
		}
		select {
		case <-notify:
		case <-timer.C:
			var zero T
			return zero, ErrTimeout
		}
	}
}

// Len returns the number of items waiting.
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}
