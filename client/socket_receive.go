package client

import (
	"errors"
	"sync/atomic"

	"github.com/gosio/socketio/codec"
)

// onPacket handles a packet for this namespace, on the reading goroutine.
func (s *Socket) onPacket(e *engine, p *codec.SocketPacket, size int64) {
	s.mu.Lock()
	if !s.active || s.connectOn != e {
		s.mu.Unlock() // not ours to handle (the JS client is not subscribed)
		return
	}
	switch p.Type {
	case codec.Connect:
		s.onConnectLocked(e, p) // unlocks
	case codec.Event, codec.BinaryEvent:
		s.onEventLocked(e, p, size) // unlocks
	case codec.Ack, codec.BinaryAck:
		var a *pendingAck
		if p.HasID { // an ACK without an id answers nothing
			a = s.takeAckLocked(p.ID)
		}
		s.mu.Unlock()
		if a != nil {
			a.resolve(s, p.Args)
		}
	case codec.Disconnect:
		s.active = false
		s.closeLocked(ReasonServerDisconnect)
		s.waitErr = ErrInactive
		s.mu.Unlock()
		s.m.destroy(s)
	case codec.ConnectError:
		ce := connectError(p)
		s.active = false
		s.connectOn = nil
		s.recvBuf, s.recvBytes = nil, 0
		s.waitErr = ce
		s.changedLocked()
		notify(s.m.disp, s.h.connectError, func(fn func(error)) { fn(ce) })
		s.mu.Unlock()
		s.m.destroy(s)
	default:
		s.mu.Unlock()
	}
}

// connectError reads a CONNECT_ERROR payload: {"message","data"} from
// Socket.IO v5 servers, a plain string from older ones.
func connectError(p *codec.SocketPacket) *ConnectError {
	ce := &ConnectError{}
	var payload struct {
		Message string `json:"message"`
		Data    any    `json:"data"`
	}
	if p.Args == nil || p.Args.Len() == 0 {
		return ce
	}
	if p.Args.Decode(0, &payload) == nil {
		ce.Message, ce.Data = payload.Message, payload.Data
		return ce
	}
	_ = p.Args.Decode(0, &ce.Message)
	return ce
}

// errV2Server is the JS client's error for a CONNECT reply without a sid.
var errV2Server = errors.New("socketio: it seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible")

// onConnectLocked handles the CONNECT reply; it unlocks s.mu.
func (s *Socket) onConnectLocked(e *engine, p *codec.SocketPacket) {
	var reply struct {
		SID string `json:"sid"`
		PID string `json:"pid"`
	}
	if p.Args == nil || p.Args.Len() == 0 || p.Args.Decode(0, &reply) != nil || reply.SID == "" {
		// The JS client reports it and waits on; packets from this
		// connection are ignored from now on, so that a server repeating
		// it cannot queue reports without bound.
		s.connectOn = nil
		s.waitErr = errV2Server
		s.changedLocked()
		notify(s.m.disp, s.h.connectError, func(fn func(error)) { fn(errV2Server) })
		s.mu.Unlock()
		return
	}
	if s.connected {
		s.mu.Unlock()
		return
	}
	s.id = reply.SID
	s.recovered = reply.PID != "" && reply.PID == s.pid
	s.pid = reply.PID
	if s.pid == "" {
		s.offset = ""
	}
	s.connected = true
	s.engine = e
	s.waitErr = nil
	// The events held until now run first, then the connect handlers, as
	// in the JS client; the offline buffer is sent.
	for _, r := range s.recvBuf {
		s.m.disp.push(s.eventTaskLocked(e, r.p))
	}
	s.recvBuf, s.recvBytes = nil, 0
	for _, b := range s.sendBuf {
		_ = e.send(b.pkts...)
	}
	s.sendBuf, s.sendBytes = nil, 0
	notify(s.m.disp, s.h.connect, func(fn func()) { fn() })
	s.changedLocked()
	s.mu.Unlock()
}

var (
	errPendingOverflow = errors.New("socketio: too many events pending while an ack is awaited (Options.MaxPendingEvents)")
	errRecvOverflow    = errors.New("socketio: too many events before the CONNECT reply (Options.MaxPendingEvents); not recovering")
)

// onEventLocked handles an EVENT; it unlocks s.mu. Events before the
// CONNECT reply (a recovered session's missed events) are held until it.
func (s *Socket) onEventLocked(e *engine, p *codec.SocketPacket, size int64) {
	if !s.connected {
		hard, hardBytes := s.m.cfg.hardPending, s.m.cfg.hardPendingB
		if over(len(s.recvBuf)+1, hard) || over64(s.recvBytes+size, hardBytes) {
			// Too much to hold: give the session up, so that the next
			// connection does not ask for the same replay.
			s.pid, s.offset = "", ""
			s.recvBuf, s.recvBytes = nil, 0
			s.mu.Unlock()
			s.m.closeEngine(e, ReasonTransportError, errRecvOverflow)
			return
		}
		s.recvBuf = append(s.recvBuf, received{p, size})
		s.recvBytes += size
		s.mu.Unlock()
		return
	}
	fn := s.eventTaskLocked(e, p)
	s.mu.Unlock()
	if s.m.disp.pushRemote(e.quit, size, fn, e.hold, e.release) == overflow {
		s.m.closeEngine(e, ReasonTransportError, errPendingOverflow)
	}
}

// eventTaskLocked prepares the handling of an event: with connection state
// recovery, the offset the server appended as the last argument (to
// events without an ack id) is recorded. It is left in the arguments, as
// the JS client leaves it: a volatile event carries no offset and cannot
// be told from one whose last argument is a string, so removing it would
// take that argument away; handlers ignore arguments past their
// parameters anyway.
func (s *Socket) eventTaskLocked(e *engine, p *codec.SocketPacket) func() {
	args := p.Args
	if s.pid != "" && !p.HasID && args != nil {
		if n := args.Len(); n > 0 {
			var last any
			if args.Decode(n-1, &last) == nil {
				if off, ok := last.(string); ok {
					s.offset = off
				}
			}
		}
	}
	var ack AckFunc
	if p.HasID {
		ack = s.ackFunc(e, p.ID)
	}
	event := p.Event
	return func() { s.dispatchEvent(event, args, ack) }
}

// dispatchEvent runs the handlers of an event, on the dispatcher.
func (s *Socket) dispatchEvent(event string, args codec.Args, ack AckFunc) {
	s.mu.Lock()
	h, anys := s.h.events[event], s.h.any
	s.mu.Unlock()
	for _, fn := range anys {
		if err := callAny(fn, event, args); err != nil {
			s.report(err)
		}
	}
	if h == nil {
		return
	}
	if err := h.call(event, nil, args, ack); err != nil {
		var ae *ArgumentError
		if ack != nil && errors.As(err, &ae) {
			_ = ack(map[string]any{"message": ae.Error()})
		}
		s.report(err)
	}
}

func callAny(fn func(string, codec.Args), event string, args codec.Args) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Event: event, Value: v}
		}
	}()
	fn(event, args)
	return nil
}

// ackFunc returns the function answering the server's ack request id,
// received on e.
func (s *Socket) ackFunc(e *engine, id uint64) AckFunc {
	var sent atomic.Bool
	return func(args ...any) error {
		if !sent.CompareAndSwap(false, true) {
			return ErrAckAlreadySent
		}
		if args == nil {
			args = []any{} // an ACK carries an array, even empty
		}
		pkts, err := s.m.parser.Encode(nil, &codec.SocketPacket{Type: codec.Ack, Nsp: s.nsp, ID: id, HasID: true, Data: args})
		if err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.connected || s.engine != e {
			return ErrDisconnected
		}
		return e.send(pkts...)
	}
}
