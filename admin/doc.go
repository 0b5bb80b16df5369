// Package admin lets the Socket.IO admin UI (the npm package
// @socket.io/admin-ui, whose prebuilt app in ui/dist is also hosted at
// admin.socket.io) watch and act on a socketio.Server, speaking the
// protocol of that package's Node.js half (its instrument function) on an
// admin namespace, "/admin" by default.
//
//	adm, err := admin.Attach(io, admin.Options{Auth: &admin.BasicAuth{Username: "admin", Password: pw}})
//	...
//	defer adm.Close()
//
// The UI then connects to the server's URL (its form: server URL,
// username, password; the admin namespace and the path /socket.io are its
// defaults) and shows:
//
//   - the dashboard: this server (id, hostname, pid, uptime), its Engine.IO
//     clients by transport, its namespaces with their socket counts, and
//     the histograms of connections and disconnections and of bytes
//     received and sent (server_stats, every StatsInterval; see Aggregated
//     events);
//   - in Development mode, the sockets of every namespace with their
//     handshake, rooms and transport (all_sockets, then socket_connected,
//     socket_updated on an upgrade, socket_disconnected, room_joined,
//     room_left), and the events each socket receives and is sent
//     (event_received, event_sent);
//   - unless ReadOnly, its actions: disconnect sockets, make them join or
//     leave a room (one socket, a room's sockets, or a whole namespace),
//     and emit an event.
//
// The admin namespace's own sockets are left out of every list and count
// (Node's instrument lists them under its admin namespace); the Engine.IO
// client counts include the UI's own connection.
//
// # Authentication
//
// The UI sends {username, password} in its CONNECT payload. Node's
// package compares them with a bcrypt hash; this package has no bcrypt (the
// server module's dependencies are chi, gorilla/websocket and rs/cors
// only): BasicAuth holds the password itself and compares in constant
// time, and Options.Authenticate plugs any other check (a bcrypt hash with
// golang.org/x/crypto/bcrypt, an LDAP bind). A fast comparison makes
// guessing cheaper than bcrypt does: use a long random password, and serve
// the server over TLS so that it never travels in clear. A refused CONNECT
// gets CONNECT_ERROR "invalid credentials", which the UI shows as such.
// A successful login is answered with a "session" id that the UI keeps and
// sends instead of the password when it reconnects (a page reload);
// session ids are kept in memory, at most 64, each valid for 24 hours.
// Without any credentials Attach fails unless InsecureNoAuth says
// otherwise.
//
// # Costs
//
// Production mode costs one goroutine and a timer (server_stats). Development mode
// adds, per socket, listeners for its events, its rooms and its
// disconnection, and while an admin UI is connected every such change is
// serialised and sent to it. Notifications go through a bounded queue
// (1024) served by that one goroutine: they never make a socket's
// goroutine wait, and when the queue is full they are dropped (the UI
// then misses them until it reconnects). Nothing is kept per event.
//
// # Scope
//
// Each server reports itself only: this package does not aggregate a
// cluster (Node's instrument does, through its adapter, when every node is
// instrumented). The admin namespace's emits are local to this node and
// the socket lists are this node's; the UI's actions use the namespaces'
// broadcast operators (In(filter).SocketsJoin, SocketsLeave,
// DisconnectSockets, Emit). Changes to Socket.Data after the UI has listed
// a socket are not reported.
//
// # Aggregated events
//
// Each server_stats tick carries, as Node's instrument does, the events
// since the previous tick counted by type: rawConnection and
// rawDisconnection (Engine.IO sessions opened, and closed for any
// reason), packetsIn and packetsOut (Engine.IO message packets received
// and sent), bytesIn and bytesOut (their data bytes, before framing and
// compression). They are the growth of the server's Engine.IO counters
// (session.Stats, which Server.Stats holds) between two ticks, so they
// are exact and each event is counted once, in the tick after it
// happened; the Admin keeps nothing but the previous tick's counters. The
// ticks that find no UI connected consume their events all the same.
// The admin UI's own session and traffic are counted (so are they by
// Node's instrument), like the client counts. A type that did not grow
// is left out.
//
// Where Node differs: it stamps each event with the second it happened
// in, where a tick stamps all of its own with the tick's second (the UI
// groups them by ten seconds anyway); its rawDisconnection events are
// split by close reason (subType), where one event sums every reason (the
// UI's histogram plots each event as a bar of its own); and its packets and bytes include
// control packets that carry data (the handshake, upgrade probes), which
// session.Stats does not count. The UI's histograms do not use the
// socket-level connection and disconnection, and Node does not send them
// as aggregated events: nor does this package.
//
// # Concurrency
//
// An Admin is safe for concurrent use; Close may be called from any
// goroutine, more than once.
package admin
