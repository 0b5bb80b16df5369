package socketio

import (
	"context"

	"github.com/gosio/socketio/codec"
)

// The typed helpers register event handlers whose signature the compiler
// checks, where Socket.On takes any func and can only check it when it is
// called (a mistake then panics in the connection handler, for every
// connection). They are functions, not methods, because Go methods cannot
// have type parameters:
//
//	socketio.On(s, "chat", func(m ChatMessage) { ... })
//	socketio.OnAck(s, "sum", func(ctx context.Context, xs []int) (int, error) { ... })
//
// The event's first argument is decoded into T as encoding/json would (a
// []byte T receives a binary attachment); a missing argument leaves T's
// zero value, as with On. A payload that does not decode into T is
// reported as an *ArgumentError to the socket's error listeners (see
// Socket.OnError), and answers the client's ack, if it asked for one,
// with {"message": <the error>}; fn is not called.

// On registers fn as the handler of event on s, replacing any previous
// one, like Socket.On with a func(T). It panics when event is reserved.
func On[T any](s *Socket, event string, fn func(T)) {
	s.onTyped(event, func(event string, a codec.Args, ack AckFunc) error {
		var v T
		if err := decodeArg(event, a, 0, &v); err != nil {
			return err // an *ArgumentError: handler.call answers the ack
		}
		fn(v)
		return nil
	})
}

// OnAck registers fn as the handler of event on s: its result answers the
// client's ack. ctx is the socket's context (Socket.Context), cancelled
// when the socket disconnects. When fn returns an error, the ack carries
// {"message": err.Error()} instead of a result, and the error goes to the
// socket's error listeners. A client that asked for no ack still has fn
// called; its result is dropped.
func OnAck[T, R any](s *Socket, event string, fn func(ctx context.Context, arg T) (R, error)) {
	s.onTyped(event, func(event string, a codec.Args, ack AckFunc) error {
		var v T
		if err := decodeArg(event, a, 0, &v); err != nil {
			return err // an *ArgumentError: handler.call answers the ack
		}
		r, err := fn(s.Context(), v)
		if ack == nil {
			return err
		}
		if err != nil {
			_ = ack(map[string]any{"message": err.Error()})
			return err
		}
		return ack(r)
	})
}

// onTyped registers a handler that needs no signature analysis.
func (s *Socket) onTyped(event string, fast fastHandler) {
	if codec.IsReservedEvent(event) {
		panic("socketio: On(" + event + "): reserved event name")
	}
	h := handler{fast: fast, handlerType: &handlerType{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.handlerIndexLocked(event); i >= 0 {
		s.handlers[i].handler = h
		return
	}
	s.handlers = append(s.handlers, eventHandler{event: event, handler: h})
}
