package client

import (
	"errors"
	"fmt"
	"strconv"
)

// Disconnect and close reasons, as the JS client names them. A Socket's
// OnDisconnect handlers and a Manager's OnClose handlers receive one of
// these.
const (
	// ReasonTransportClose: the connection was closed (by the server, or
	// lost), or the server sent an Engine.IO close packet.
	ReasonTransportClose = "transport close"
	// ReasonTransportError: the connection failed: an HTTP error status, a
	// network error on a request, a malformed Engine.IO packet, or a limit
	// of Options exceeded.
	ReasonTransportError = "transport error"
	// ReasonPingTimeout: no ping from the server within pingInterval +
	// pingTimeout.
	ReasonPingTimeout = "ping timeout"
	// ReasonParseError: the server sent a malformed Socket.IO packet.
	ReasonParseError = "parse error"
	// ReasonForcedClose: Manager.Close was called.
	ReasonForcedClose = "forced close"
	// ReasonServerDisconnect: the server disconnected the socket from its
	// namespace. The socket does not reconnect by itself.
	ReasonServerDisconnect = "io server disconnect"
	// ReasonClientDisconnect: Socket.Disconnect was called.
	ReasonClientDisconnect = "io client disconnect"
)

// Sentinel errors.
var (
	// ErrReservedEvent is returned when emitting an event name reserved by
	// Socket.IO ("connect", "connect_error", "disconnect", "disconnecting",
	// "newListener", "removeListener").
	ErrReservedEvent = errors.New("socketio: reserved event name")
	// ErrAckTimeout ends an ack that did not arrive within its timeout
	// (Timeout, SocketOptions.AckTimeout, or the deadline of EmitWithAck's
	// ctx, which the error then wraps too).
	ErrAckTimeout = errors.New("socketio: operation has timed out")
	// ErrDisconnected ends the acks awaited from a connection that closed
	// (those still in the offline buffer wait for the next connection), and
	// is returned by an AckFunc whose connection is gone.
	ErrDisconnected = errors.New("socketio: socket has been disconnected")
	// ErrSendBufferFull is returned by an emit made while the socket is not
	// connected when the offline buffer is full (SocketOptions.MaxBufferedEmits
	// and MaxBufferedBytes).
	ErrSendBufferFull = errors.New("socketio: offline send buffer full")
	// ErrDropped is returned by EmitWithAck (and passed to error-first ack
	// callbacks) when a volatile emit was dropped because the connection
	// was not ready.
	ErrDropped = errors.New("socketio: volatile packet dropped")
	// ErrPayloadTooLarge is returned by an emit whose packet exceeds the
	// maxPayload the server announced: sent anyway, it would make the
	// server close the whole connection.
	ErrPayloadTooLarge = errors.New("socketio: packet larger than the server's maxPayload")
	// ErrAckAlreadySent is returned by an AckFunc called more than once.
	ErrAckAlreadySent = errors.New("socketio: ack already sent")
	// ErrReconnectFailed is returned by WaitConnected when the Manager gave
	// up reconnecting (Options.ReconnectionAttempts).
	ErrReconnectFailed = errors.New("socketio: reconnection failed")
	// ErrInactive is returned by WaitConnected when the socket stopped
	// trying to connect: Disconnect was called, or the server disconnected
	// it.
	ErrInactive = errors.New("socketio: socket is not connecting")
)

// The error types below are plain values: once returned, they are never
// modified, and may be read from any goroutine.

// ConnectError is the error a socket's OnConnectError handlers receive
// when the server refuses the connection to the namespace (a middleware
// error, an unknown namespace): Message and Data are the JS client's
// err.message and err.data. The socket then stops trying, as the JS
// client does; call Connect to try again.
type ConnectError struct {
	Message string
	Data    any // decoded as encoding/json decodes into an any; nil when absent
}

func (e *ConnectError) Error() string { return "socketio: connect error: " + e.Message }

// ArgumentError reports an event payload that does not fit the handler's
// parameters; it goes to the socket's OnError handlers, and, when the
// server asked for an ack, the server receives {"message": <Error()>} as
// the ack argument.
type ArgumentError struct {
	Event string
	Index int // 0-based index of the argument after the event name
	Err   error
}

func (e *ArgumentError) Error() string {
	return fmt.Sprintf("socketio: event %q: argument %d: %v", e.Event, e.Index, e.Err)
}

func (e *ArgumentError) Unwrap() error { return e.Err }

// PanicError wraps a panic recovered from a handler or callback.
type PanicError struct {
	Event string
	Value any
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("socketio: panic in handler for %q: %v", e.Event, e.Value)
}

// TransportError describes a failed request or connection: the transport
// ("polling" or "websocket"), the HTTP status and the server's error
// message when it answered with one ({"code":…,"message":…}), and the
// underlying error.
type TransportError struct {
	Transport  string
	StatusCode int    // 0 when no HTTP answer was received
	Code       int    // the Engine.IO error code of the answer; -1 when none
	Message    string // the Engine.IO error message of the answer
	Err        error
}

func (e *TransportError) Error() string {
	s := "socketio: " + e.Transport + " error"
	if e.StatusCode != 0 {
		s += ": HTTP " + strconv.Itoa(e.StatusCode)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *TransportError) Unwrap() error { return e.Err }
