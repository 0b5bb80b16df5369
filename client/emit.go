package client

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/gosio/socketio/codec"
)

// Emitter emits with flags (the JS client's socket.volatile and
// socket.timeout(ms)). It is a value made by Socket.Volatile or
// Socket.Timeout, safe for concurrent use.
type Emitter struct {
	s          *Socket
	volatile   bool
	timeout    time.Duration
	hasTimeout bool
}

// Volatile returns an Emitter whose events are dropped, instead of
// buffered, when the connection is not ready to write them at once (the
// socket is not connected, the transport is busy writing or upgrading),
// as the JS client's socket.volatile.
func (s *Socket) Volatile() Emitter { return Emitter{s: s, volatile: true} }

// Timeout returns an Emitter whose acks fail with ErrAckTimeout after d
// (the JS client's socket.timeout(ms)), instead of SocketOptions.AckTimeout.
func (s *Socket) Timeout(d time.Duration) Emitter { return Emitter{s: s, timeout: d, hasTimeout: true} }

// Volatile returns e with volatile emits.
func (e Emitter) Volatile() Emitter { e.volatile = true; return e }

// Timeout returns e with ack timeout d.
func (e Emitter) Timeout(d time.Duration) Emitter { e.timeout, e.hasTimeout = d, true; return e }

// Emit emits with e's flags; see Socket.Emit.
func (e Emitter) Emit(event string, args ...any) error { return e.s.emit(e, event, args) }

// EmitWithAck emits with e's flags; see Socket.EmitWithAck.
func (e Emitter) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	return e.s.emitWithAck(ctx, e, event, args)
}

// Emit sends an event to the server's namespace. Arguments are encoded as
// encoding/json would, []byte values anywhere in them as binary
// attachments. If the last argument is a func, it is an ack callback, with
// the parameters of an On handler, called on the dispatching goroutine
// with the server's answer; if its first parameter is an error it also
// learns of failures (ErrAckTimeout, ErrDisconnected, ErrDropped) — a
// callback without one is dropped on failure.
//
// While the socket is not connected, the event waits in the offline
// buffer and is sent once it connects (ErrSendBufferFull when the buffer
// is full). Emit never waits for the network. It fails for a reserved
// event name, arguments that cannot be encoded, a bad callback, or a
// packet larger than the server's maxPayload.
func (s *Socket) Emit(event string, args ...any) error { return s.emit(Emitter{s: s}, event, args) }

// EmitWithAck sends an event and waits for the server's ack, whose
// arguments it returns. It gives up when ctx ends (wrapping ErrAckTimeout
// and ctx's error on a deadline), after the ack timeout (Timeout,
// SocketOptions.AckTimeout: ErrAckTimeout), or when the connection closes
// while the event was sent (ErrDisconnected); an event still in the
// offline buffer waits for the next connection.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	return s.emitWithAck(ctx, Emitter{s: s}, event, args)
}

// Send emits a "message" event (the JS client's socket.send).
func (s *Socket) Send(args ...any) error { return s.Emit("message", args...) }

// pendingAck waits for the server's answer to one emit: a channel
// (EmitWithAck) or a typed callback. It ends exactly once, through
// whoever takes it from the socket's map first: the answer, its timer,
// the ctx of EmitWithAck, or the disconnection.
type pendingAck struct {
	ch    chan ackResult // EmitWithAck; buffered
	h     *handler       // callback
	event string
	timer *time.Timer // guarded by the socket's mu until taken
}

type ackResult struct {
	args codec.Args
	err  error
}

// bufferedEmit is an emit in the offline buffer.
type bufferedEmit struct {
	id    uint64
	hasID bool
	pkts  []codec.Packet
	size  int64
}

func (s *Socket) emit(o Emitter, event string, args []any) error {
	var pa *pendingAck
	if n := len(args); n > 0 && args[n-1] != nil && reflect.TypeOf(args[n-1]).Kind() == reflect.Func {
		h, err := newHandler(args[n-1])
		if err != nil {
			return fmt.Errorf("socketio: ack callback: %w", err)
		}
		pa = &pendingAck{h: h, event: event}
		args = args[:n-1]
	}
	_, dropped, err := s.send(o, event, args, pa)
	if dropped && pa != nil {
		pa.fail(s, ErrDropped)
	}
	return err
}

func (s *Socket) emitWithAck(ctx context.Context, o Emitter, event string, args []any) (codec.Args, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pa := &pendingAck{ch: make(chan ackResult, 1), event: event}
	id, dropped, err := s.send(o, event, args, pa)
	if err != nil {
		return nil, err
	}
	if dropped {
		return nil, ErrDropped
	}
	s.m.disp.await(1)
	defer s.m.disp.await(-1)
	select {
	case r := <-pa.ch:
		return r.args, r.err
	case <-ctx.Done():
		s.mu.Lock()
		a := s.takeAckLocked(id)
		s.mu.Unlock()
		if a == nil { // answered (or failed) meanwhile
			r := <-pa.ch
			return r.args, r.err
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("%w: %w", ErrAckTimeout, ctx.Err())
		}
		return nil, ctx.Err()
	}
}

// send encodes and sends (or buffers) an event, registering pa, if any,
// under a new ack id. dropped reports a volatile event dropped.
func (s *Socket) send(o Emitter, event string, args []any, pa *pendingAck) (id uint64, dropped bool, err error) {
	if codec.IsReservedEvent(event) {
		return 0, false, ErrReservedEvent
	}
	data := make([]any, 0, len(args)+1)
	data = append(data, event)
	data = append(data, args...)
	p := codec.SocketPacket{Type: codec.Event, Nsp: s.nsp, Data: data}
	if pa != nil {
		id = s.nextID.Add(1) - 1
		p.ID, p.HasID = id, true
	}
	pkts, err := s.m.parser.Encode(nil, &p)
	if err != nil {
		return 0, false, fmt.Errorf("socketio: encoding %q: %w", event, err)
	}
	size := int64(0)
	maxPayload := s.m.currentMaxPayload()
	for _, pk := range pkts {
		l := int64(codec.EncodedLen(pk))
		if maxPayload > 0 && l > maxPayload {
			return 0, false, ErrPayloadTooLarge
		}
		size += l
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	connected := s.connected && s.engine != nil
	if o.volatile && !(connected && s.engine.writable()) {
		return id, true, nil
	}
	if !connected && (over(len(s.sendBuf)+1, s.cfg.maxEmits) || over64(s.sendBytes+size, s.cfg.maxBytes) || s.cfg.maxEmits == 0) {
		return 0, false, ErrSendBufferFull
	}
	if pa != nil {
		s.addAckLocked(id, pa, o)
	}
	if connected {
		// A connection closing now drops the packet, as in the JS client;
		// the socket's close then fails the ack.
		_ = s.engine.send(pkts...)
		return id, false, nil
	}
	s.sendBuf = append(s.sendBuf, bufferedEmit{id: id, hasID: pa != nil, pkts: pkts, size: size})
	s.sendBytes += size
	return id, false, nil
}

// addAckLocked registers a pending ack with its timeout, if any.
func (s *Socket) addAckLocked(id uint64, pa *pendingAck, o Emitter) {
	if s.acks == nil {
		s.acks = make(map[uint64]*pendingAck)
	}
	s.acks[id] = pa
	timeout := s.cfg.ackTimeout
	if o.hasTimeout {
		timeout = o.timeout
	}
	if timeout > 0 {
		pa.timer = time.AfterFunc(timeout, func() {
			s.mu.Lock()
			a := s.takeAckLocked(id)
			s.mu.Unlock()
			if a != nil {
				a.fail(s, ErrAckTimeout)
			}
		})
	}
}

// takeAckLocked removes a pending ack, and its packet from the offline
// buffer if it is still there (the JS client does the same on timeout).
func (s *Socket) takeAckLocked(id uint64) *pendingAck {
	a := s.acks[id]
	if a == nil {
		return nil
	}
	delete(s.acks, id)
	if a.timer != nil {
		a.timer.Stop()
	}
	for i, b := range s.sendBuf {
		if b.hasID && b.id == id {
			s.sendBytes -= b.size
			s.sendBuf = append(s.sendBuf[:i:i], s.sendBuf[i+1:]...)
			break
		}
	}
	return a
}

// bufferedLocked reports whether the emit of ack id is still in the
// offline buffer.
func (s *Socket) bufferedLocked(id uint64) bool {
	for _, b := range s.sendBuf {
		if b.hasID && b.id == id {
			return true
		}
	}
	return false
}

// resolve ends a pending ack with the server's answer.
func (a *pendingAck) resolve(s *Socket, args codec.Args) {
	if a.ch != nil {
		a.ch <- ackResult{args: args}
		return
	}
	s.m.disp.push(func() { s.runCallback(a, nil, args) })
}

// fail ends a pending ack with an error; a callback without an error
// parameter is not called.
func (a *pendingAck) fail(s *Socket, err error) {
	if a.timer != nil {
		a.timer.Stop()
	}
	switch {
	case a.ch != nil:
		a.ch <- ackResult{err: err}
	case a.h != nil && a.h.errFirst:
		s.m.disp.push(func() { s.runCallback(a, err, nil) })
	}
}

func (s *Socket) runCallback(a *pendingAck, prefix error, args codec.Args) {
	if err := a.h.call(a.event, prefix, args, nil); err != nil {
		s.report(err)
	}
}
