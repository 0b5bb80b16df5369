// Package client is a Socket.IO v5 client (Engine.IO v4 underneath) that
// behaves as the JS socket.io-client 4.8: it talks to this module's server
// and to the Node.js socket.io server alike.
//
//	s, err := client.New("http://localhost:8080/chat", nil, &client.SocketOptions{
//		Auth: map[string]any{"token": "secret"},
//	})
//	if err != nil { ... }
//	s.On("news", func(title string, n int) { fmt.Println(title, n) })
//	s.OnConnectError(func(err error) { log.Println(err) })
//	s.Connect()
//	defer s.Manager().Close()
//	reply, err := s.EmitWithAck(ctx, "hello", "world")
//
// # Managers and sockets
//
// A Manager is one connection to a server: HTTP long-polling upgraded to
// WebSocket (or either alone, see Options.Transports), with the
// server's heartbeat, reconnection with exponential backoff and jitter,
// and as many namespaces as wanted multiplexed on it (Manager.Socket).
// A Socket is one namespace: events both ways, acks both ways
// (EmitWithAck and ack callbacks; AckFunc answers the server's), binary
// arguments anywhere ([]byte values), volatile emits, and an offline
// buffer for what is emitted while it is not connected.
//
// Reconnection follows the JS client: after the connection is lost, the
// Manager reconnects after 1 s, 2 s, 4 s, then 5 s between attempts
// (each ±50 %), and reconnects every active socket; a socket the server
// disconnected (ReasonServerDisconnect) or refused (*ConnectError) stays
// disconnected until Connect is called again.
//
// Connection state recovery (socket.io ≥ 4.6 servers with
// connectionStateRecovery enabled) works as in the JS client: the socket
// remembers its private session id and the offset of the last event, and
// sends them with its next CONNECT; if the server recovers the session,
// Recovered is true, the id is the same and the events missed meanwhile
// are delivered before OnConnect handlers run. The offset, which the
// server appends as the last argument of each recorded event, stays in
// the arguments, as in the JS client: handlers with typed parameters
// ignore it (extra arguments are ignored), an Args parameter or an
// OnAny handler sees it. It is not removed because a volatile event,
// which carries none, cannot be told from one whose last argument is a
// string.
//
// # Handlers
//
// Handlers are typed, as in this module's server: On takes a func whose
// parameters receive the event's arguments, decoded as encoding/json
// would, a trailing AckFunc answering the server's ack request; Args
// receives arguments undecoded. Signatures are checked when registered.
//
// # Concurrency
//
// Every exported type is safe for concurrent use. All handlers of a
// Manager and of its sockets run on one goroutine, one at a time, in the
// order of the events (the JS client's event loop), started when there is
// something to run. A handler may emit and may wait for an ack: acks are
// read by the connection's reading goroutine, which never runs user code.
// Reading pauses while Options.MaxPendingEvents events wait for handlers
// (the ping deadline pauses meanwhile). Emitting never waits for the
// network: packets are queued and written by a goroutine that runs while
// there is something to write. No lock is held across network I/O or
// user code.
//
// # Limits
//
// What the server sends is bounded: each message and polling response
// (Options.MaxReadSize), the attachments of a packet
// (Options.MaxAttachments), the events waiting for handlers
// (Options.MaxPendingEvents, MaxPendingBytes). The offline buffer is
// bounded too (SocketOptions.MaxBufferedEmits, MaxBufferedBytes).
package client
