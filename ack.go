package socketio

import (
	"fmt"
	"time"

	"github.com/gosio/socketio/codec"
)

// pendingAck waits for the client's answer to a server emit: either a
// channel (EmitWithAck) or a typed callback (Emit with a trailing func).
type pendingAck struct {
	ch    chan ackResult   // EmitWithAck
	fn    func(codec.Args) // broadcast with ack: the collector
	h     *handler         // callback form
	event string
	timer *time.Timer
}

type ackResult struct {
	args codec.Args
	err  error
}

func ackTimeoutError(cause error) error {
	return fmt.Errorf("%w: %v", ErrAckTimeout, cause)
}

// addAck registers a pending ack; false if the socket is disconnected.
// The map holds only acks of the server's own emits, each removed when
// answered, timed out or disconnected, so a client cannot grow it.
func (s *Socket) addAck(id uint64, a *pendingAck) bool {
	s.mu.Lock()
	if !s.connected {
		s.mu.Unlock()
		return false
	}
	if s.acks == nil {
		s.acks = make(map[uint64]*pendingAck)
	}
	s.acks[id] = a
	first := len(s.acks) == 1
	s.mu.Unlock()
	if first {
		// The client's reader may be waiting for room in the pending
		// list; with an ack awaited it must read on (see enqueue). Not
		// under s.mu: the lock order is qmu, mu, socket mu.
		s.client.ackAwaited()
	}
	return true
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
	switch {
	case a.ch != nil:
		a.ch <- ackResult{args: p.Args}
	case a.fn != nil:
		a.fn(p.Args)
	default:
		go s.runAckCallback(a, nil, p.Args)
	}
}

// fail resolves a pending ack with an error (timeout, disconnection).
func (a *pendingAck) fail(s *Socket, err error) {
	if a.timer != nil {
		a.timer.Stop()
	}
	if a.ch != nil {
		a.ch <- ackResult{err: err}
		return
	}
	// A broadcast's collector ends on its own timeout.
	if a.h != nil && a.h.errFirst {
		go s.runAckCallback(a, err, nil)
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

// dropAck forgets the pending ack id on every local socket of the
// namespace (a broadcast with acks that timed out).
func (n *Namespace) dropAck(id uint64) {
	for _, s := range n.socketList() {
		s.takeAck(id)
	}
}
