package socketio

import (
	"encoding/json"

	"github.com/gosio/socketio/codec"
)

// The seed API: the callbacks and helpers of go-socket.io 0.6, the
// project this one grew from, kept so that its chat example (chi_example)
// reads the same today. They work on "message" events (what the JS
// client's socket.send emits) of the main namespace "/" only. New code
// uses the Socket.IO API; the package documentation's "Seed API" section
// says what replaces each of them.

// Conn is the seed (go-socket.io 0.6) API's name for a connected client,
// as the seed callbacks receive it. It is the Socket itself (of the main
// namespace "/"); new code names it Socket.
type Conn = Socket

// Message is the seed (go-socket.io 0.6) API's "message" event, as
// Server.OnMessage delivers it. New code registers a handler with
// Socket.On (for "message" or any event name), whose parameters receive
// the arguments already decoded.
type Message struct {
	args codec.Args
}

// Data is the seed (go-socket.io 0.6) API's text of a message: the first
// argument as text: the string itself, or the JSON text of any other
// value. New code takes a string (or any typed) handler parameter.
func (m Message) Data() string {
	if m.args == nil || m.args.Len() == 0 {
		return ""
	}
	var s string
	if m.args.Decode(0, &s) == nil {
		return s
	}
	var v any
	if m.args.Decode(0, &v) != nil {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Args is the seed (go-socket.io 0.6) API's access to all the arguments
// of a message. New code takes an Args handler parameter.
func (m Message) Args() Args { return m.args }

// Decode is the seed (go-socket.io 0.6) API's decoding of a message's
// first argument into v. New code takes a typed handler parameter (or
// calls Args.Decode).
func (m Message) Decode(v any) error {
	if m.args == nil {
		return codec.ErrNoArgument
	}
	return m.args.Decode(0, v)
}

// OnConnect is the seed (go-socket.io 0.6) API: fn is called for every
// client connecting to the main namespace "/". It is OnConnection under
// the seed's name; new code calls OnConnection.
func (s *Server) OnConnect(fn func(c *Conn)) { s.main.OnConnection(fn) }

// OnDisconnect is the seed (go-socket.io 0.6) API: fn is called with the
// client when a client of the main namespace "/" disconnects. It is not
// Socket.OnDisconnect(func(reason string)), the Socket.IO API's listener
// of one socket, which new code adds in its OnConnection handler and
// which is told why the socket went.
func (s *Server) OnDisconnect(fn func(c *Conn)) {
	s.main.OnConnection(func(c *Socket) {
		c.OnDisconnect(func(string) { fn(c) })
	})
}

// OnMessage is the seed (go-socket.io 0.6) API: fn is called for every
// "message" event from a client of the main namespace "/" (what the JS
// client's socket.send sends). It installs each socket's "message"
// handler: a later c.On("message", ...) replaces it. New code calls
// s.On("message", func(text string) { ... }) in its OnConnection handler,
// or uses an event name of its own.
func (s *Server) OnMessage(fn func(c *Conn, msg Message)) {
	s.main.OnConnection(func(c *Socket) {
		c.On("message", func(args codec.Args) { fn(c, Message{args: args}) })
	})
}

// Broadcast is the seed (go-socket.io 0.6) API: it sends v as a "message"
// event to every client of the main namespace "/". It is not
// Socket.Broadcast(), the Socket.IO API's operator selecting every socket
// but one; new code calls io.Emit(event, args...) (every socket of "/"),
// or io.To(room).Emit(...).
func (s *Server) Broadcast(v any) error { return s.main.Emit("message", v) }

// BroadcastExcept is the seed (go-socket.io 0.6) API: it sends v as a
// "message" event to every client of the main namespace "/" except c.
// New code calls c.Broadcast().Emit(event, args...).
func (s *Server) BroadcastExcept(c *Conn, v any) error {
	return s.main.Except(c.ID()).Emit("message", v)
}

// GetConn is the seed (go-socket.io 0.6) API: it returns the connected
// client of the main namespace "/" with the given id, or nil. New code
// calls io.Sockets().Socket(id) (any namespace: io.Of(name).Socket(id)).
func (s *Server) GetConn(id string) *Conn { return s.main.Socket(id) }
