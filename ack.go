package socketio

import (
	"errors"
	"fmt"
	"time"

	"github.com/gosio/socketio/codec"
)

// pendingAck waits for the client's answer to a server emit: either a
// channel (EmitWithAck), a broadcast's collector, or a typed callback
// (Emit with a trailing func).
//
// Every pending ack ends exactly once, through whoever removes it from the
// socket's map first: the answer (onAck), its timeout, or the socket's
// disconnection (failAcks, Socket.onClose). Its timer is set under the
// socket's lock, before the ack can be taken, so reading it after
// takeAck is ordered after that write.
type pendingAck struct {
	ch    chan ackResult          // EmitWithAck
	fn    func(codec.Args, error) // broadcast with ack: the collector
	h     *handler                // callback form
	event string                  // callback form
	timer *time.Timer             // guarded by the socket's mu until taken
	sent  time.Time               // set by addAck unless set before; for Stats.AckLatency
}

type ackResult struct {
	args codec.Args
	err  error
}

// ackTimeoutError wraps ErrAckTimeout and the cause (a ctx error), so that
// errors.Is finds either.
func ackTimeoutError(cause error) error {
	return fmt.Errorf("%w: %w", ErrAckTimeout, cause)
}

// errAckIDInUse refuses an ack id the socket already waits on (after the
// namespace's 64-bit counter wrapped, or from a cluster adapter reusing
// ids); the existing ack is kept.
var errAckIDInUse = errors.New("socketio: ack id already awaited")

// addAck registers a pending ack: ErrDisconnected if the socket is
// disconnected, errAckIDInUse if id is taken. With timeout > 0 the ack
// fails with ErrAckTimeout after it. The map holds only acks of the
// server's own emits, each removed when answered, timed out or
// disconnected, so a client cannot grow it.
func (s *Socket) addAck(id uint64, a *pendingAck, timeout time.Duration) error {
	s.mu.Lock()
	if !s.connected {
		s.mu.Unlock()
		return ErrDisconnected
	}
	if _, dup := s.acks[id]; dup {
		s.mu.Unlock()
		return errAckIDInUse
	}
	if s.acks == nil {
		s.acks = make(map[uint64]*pendingAck)
	}
	s.acks[id] = a
	if a.sent.IsZero() {
		a.sent = time.Now()
	}
	c := &s.nsp.srv.counters
	c.acks.Add(1)
	if timeout > 0 {
		a.timer = time.AfterFunc(timeout, func() {
			if a := s.takeAck(id); a != nil {
				c.ackTimeouts.Add(1)
				a.fail(s, ErrAckTimeout)
			}
		})
	}
	first := len(s.acks) == 1
	s.mu.Unlock()
	// The answer comes through the client's reading: a handler of this
	// client running on the reading goroutine (inline.go) must let go of
	// it, or the answer would wait for the handler (which may be the one
	// waiting for it, in EmitWithAck).
	s.client.handOff(0)
	if first {
		// The client's reader may be waiting for room in the pending
		// list; with an ack awaited it must read on (see enqueue). Not
		// under s.mu: the lock order is qmu, mu, socket mu.
		s.client.ackAwaited()
	}
	return nil
}

func (s *Socket) takeAck(id uint64) *pendingAck {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.acks[id]
	delete(s.acks, id)
	return a
}

// onAck resolves the pending ack an ACK packet answers; unknown ids (late
// or forged) are ignored. It runs on the session's reading goroutine:
// channel waiters are woken at once, and callbacks run on a goroutine of
// their own so user code never runs on the reader.
func (s *Socket) onAck(p *codec.SocketPacket) {
	a := s.takeAck(p.ID)
	if a == nil {
		return
	}
	if a.timer != nil {
		a.timer.Stop()
	}
	s.nsp.srv.counters.ackAnswered(time.Since(a.sent))
	switch {
	case a.ch != nil:
		a.ch <- ackResult{args: p.Args}
	case a.fn != nil:
		a.fn(p.Args, nil)
	default:
		s.nsp.srv.goTracked(func() { s.runAckCallback(a, nil, p.Args) })
	}
}

// fail resolves a pending ack with an error (timeout, disconnection). A
// callback whose first parameter is not an error cannot be told: it is
// dropped.
func (a *pendingAck) fail(s *Socket, err error) {
	if a.timer != nil {
		a.timer.Stop()
	}
	switch {
	case a.ch != nil:
		a.ch <- ackResult{err: err}
	case a.fn != nil:
		a.fn(nil, err)
	case a.h != nil && a.h.errFirst:
		s.nsp.srv.goTracked(func() { s.runAckCallback(a, err, nil) })
	}
}

func (s *Socket) runAckCallback(a *pendingAck, prefix error, args codec.Args) {
	in, err := a.h.decode(a.event, prefix, args, nil)
	if err == nil {
		err = a.h.invoke(a.event, in)
	}
	if err != nil {
		s.reportError(err)
	}
}

// failAcks fails every pending ack of the socket.
func (s *Socket) failAcks(err error) {
	s.mu.Lock()
	acks := s.acks
	s.acks = nil
	s.mu.Unlock()
	for _, a := range acks {
		a.fail(s, err)
	}
}
