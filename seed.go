package socketio

import (
	"encoding/json"

	"github.com/gosio/socketio/codec"
)

// The seed API: the callbacks and helpers of the original go-socket.io,
// kept as thin helpers over the main namespace so its chat example reads
// the same today. Every event they send or receive is named "message", the
// event the JS client's socket.send produces.

// Conn is the seed API's name for a connected client: a socket of the
// main namespace.
type Conn = Socket

// Message is a "message" event as the seed API delivers it.
type Message struct {
	args codec.Args
}

// Data returns the first argument as text: the string itself, or the JSON
// text of any other value.
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

// Args returns all the arguments of the event.
func (m Message) Args() Args { return m.args }

// Decode decodes the first argument into v.
func (m Message) Decode(v any) error {
	if m.args == nil {
		return codec.ErrNoArgument
	}
	return m.args.Decode(0, v)
}

// OnConnect calls fn for every client connecting to the main namespace.
func (s *Server) OnConnect(fn func(c *Conn)) { s.main.OnConnection(fn) }

// OnDisconnect calls fn when a client of the main namespace disconnects.
func (s *Server) OnDisconnect(fn func(c *Conn)) {
	s.main.OnConnection(func(c *Socket) {
		c.OnDisconnect(func(string) { fn(c) })
	})
}

// OnMessage calls fn for every "message" event from a client of the main
// namespace. It installs the socket's "message" handler: a later
// c.On("message", ...) replaces it.
func (s *Server) OnMessage(fn func(c *Conn, msg Message)) {
	s.main.OnConnection(func(c *Socket) {
		c.On("message", func(args codec.Args) { fn(c, Message{args: args}) })
	})
}

// Broadcast sends v as a "message" event to every client of the main
// namespace.
func (s *Server) Broadcast(v any) error { return s.main.Emit("message", v) }

// BroadcastExcept sends v as a "message" event to every client of the
// main namespace except c.
func (s *Server) BroadcastExcept(c *Conn, v any) error {
	return s.main.Except(c.ID()).Emit("message", v)
}

// GetConn returns the connected client of the main namespace with the
// given id, or nil.
func (s *Server) GetConn(id string) *Conn { return s.main.Socket(id) }
