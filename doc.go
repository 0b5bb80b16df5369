// Package socketio is a Socket.IO v5 server (Engine.IO v4 underneath) that
// the official clients — socket.io-client v4 in browsers and Node.js —
// talk to as if it were the reference Node.js server.
//
// A *Server is an http.Handler: mount it where the clients' path points
// (by default "/socket.io/") on any router, next to the rest of the
// service.
//
//	io := socketio.NewServer(nil)
//	io.OnConnection(func(s *socketio.Socket) {
//		s.On("chat", func(msg string, ack socketio.AckFunc) {
//			s.Broadcast().Emit("chat", s.ID(), msg)
//			if ack != nil {
//				ack("ok")
//			}
//		})
//	})
//	http.Handle("/socket.io/", io)
//
// # Events
//
// Handlers are typed: each parameter receives one argument, decoded as
// encoding/json would ([]byte receives a binary attachment), a trailing
// AckFunc receives the client's acknowledgement callback, and an
// Args parameter receives the remaining arguments undecoded. A
// handler's signature is analysed once, at registration. Arguments that
// do not fit are reported (ErrorHandler, Socket.OnError, and the client's
// ack when it asked for one) instead of reaching the handler; a panicking
// handler is recovered and reported.
//
// []byte values anywhere in emitted arguments travel as binary
// attachments.
//
// # Concurrency
//
// Every exported type is safe for concurrent use. Per connection, one
// goroutine reads the network (on Linux, a quiet plain-TCP WebSocket gives
// it up until bytes arrive: see EngineOptions.IdleParkAfter), and handlers
// run one at a time in arrival order. On a WebSocket, a packet that finds
// nothing pending is handled on the goroutine that read it; a handler that
// runs longer than a few milliseconds (5–10 ms, give or take scheduling),
// or whose socket starts awaiting an ack, has the reading moved to a new
// goroutine, and packets read meanwhile queue for it. Otherwise (and on
// long-polling) a worker goroutine, running only while packets come (it
// lingers 50–100 ms after the last), runs them. So a slow handler delays
// heartbeats by no more than that budget and never affects other
// connections.
// Emitting never blocks on the network: packets are encoded once (once per
// broadcast, whatever the number of recipients); each session writes them
// at once when its socket takes them without blocking, and otherwise
// queues them on its bounded queue, flushed by a writer goroutine that
// runs only while there is something to write. No lock is held across
// blocking network I/O or user code.
//
// Acks a handler waits for with EmitWithAck are resolved by the reading
// goroutine, so a handler may wait for its own client's ack. Every ack
// ends: answered, timed out (Timeout, or Options.AckTimeout for a
// callback without one) or failed when its socket disconnects.
//
// Shutdown refuses new connections at once, disconnects every socket on
// its own worker (after the packets it had received) and waits for the
// disconnect handlers, or for its ctx.
//
// # Security
//
// Everything a client controls is bounded: MaxPayload for each message
// and polling body, MaxAttachments per packet, AttachmentTimeout for the
// rest of a binary packet, MaxPendingPackets and MaxPendingBytes per
// connection, MaxBufferedInput for all connections together,
// MaxBufferedPackets and MaxBufferedBytes per outgoing queue,
// ConnectTimeout for connections that join no namespace. Malformed input
// closes that connection only ("parse error"), never panics and never
// affects others. With EngineOptions.PerMessageDeflate, MaxPayload bounds
// a compressed message once inflated, checked while inflating, so a small
// message that would inflate to gigabytes costs at most about twice
// MaxPayload. Session ids are 120 bits from crypto/rand. Middleware
// error messages are sent to the client: do not put internal details in
// them.
//
// The Engine.IO server accepts any Origin, like the reference server; put
// the origin middleware of this package (or CORS) in front of it to limit
// browsers to the origins you trust.
//
// # Scaling
//
// Rooms and broadcasts go through an Adapter, one per namespace. The
// default MemoryAdapter serves one process; a cluster adapter implements
// the same interface (the operations of BroadcastOperator — emit, emit
// with acks, fetch sockets, join, leave, disconnect — and ServerSideEmit),
// so code written against a single node keeps working on many. The module
// github.com/gosio/socketio/adapter/redis provides Redis adapters
// wire-compatible with the Node.js @socket.io/redis-adapter.
//
// # Seed API
//
// The project grew from go-socket.io 0.6 (the seed), whose chat example,
// chi_example, still runs on the seed's API: Conn, Message, and the
// Server methods OnConnect, OnDisconnect, OnMessage, Broadcast,
// BroadcastExcept and GetConn. They work on "message" events of the main
// namespace "/" only, and each one's documentation begins by saying it
// belongs to the seed. Some share a name with the Socket.IO API but not
// its meaning. Write new code with the Socket.IO API:
//
//	seed                                    Socket.IO API
//	io.OnConnect(func(c *Conn))             io.OnConnection(func(s *Socket))
//	io.OnMessage(func(c *Conn, m Message))  s.On("message", func(text string)), any event name
//	io.OnDisconnect(func(c *Conn))          s.OnDisconnect(func(reason string)), per socket
//	io.Broadcast(v)                         io.Emit("message", v): every socket of "/"
//	io.BroadcastExcept(c, v)                s.Broadcast().Emit("message", v): all but s
//	io.GetConn(id)                          io.Sockets().Socket(id)
//	c.Send(v)                               s.Send(v), or s.Emit(event, args...)
//
// Conn is Socket itself (a type alias): the whole Socket.IO API applies to
// the client a seed callback receives.
package socketio
