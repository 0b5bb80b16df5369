package socketio

import (
	"errors"
	"fmt"
)

// Sentinel errors.
var (
	// ErrReservedEvent is returned when emitting an event name reserved by
	// Socket.IO ("connect", "connect_error", "disconnect", "disconnecting",
	// "newListener", "removeListener").
	ErrReservedEvent = errors.New("socketio: reserved event name")
	// ErrDisconnected is returned when emitting on, or waiting for an ack
	// from, a socket that is not connected.
	ErrDisconnected = errors.New("socketio: socket disconnected")
	// ErrAckTimeout is returned (or passed to an ack callback) when an ack
	// did not arrive in time.
	ErrAckTimeout = errors.New("socketio: operation has timed out")
)

// ConnectError refuses a connection from namespace middleware with a
// message and optional data, both of which the client receives in its
// connect_error event (err.message and err.data in the JS client). Any
// other error refuses with its Error() text as the message.
type ConnectError struct {
	Message string
	Data    any
}

func (e *ConnectError) Error() string { return e.Message }

// ArgumentError reports an event payload that does not fit the handler's
// parameters. It is passed to the error handler, and, when the client asked
// for an ack, the client receives {"message": <Error()>} as the ack
// argument, so a wrong payload is visible to its sender.
type ArgumentError struct {
	Event string
	Index int // 0-based index of the argument after the event name
	Err   error
}

func (e *ArgumentError) Error() string {
	return fmt.Sprintf("socketio: event %q: argument %d: %v", e.Event, e.Index, e.Err)
}

func (e *ArgumentError) Unwrap() error { return e.Err }

// PanicError wraps a panic recovered from a user handler.
type PanicError struct {
	Event string
	Value any
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("socketio: panic in handler for %q: %v", e.Event, e.Value)
}
