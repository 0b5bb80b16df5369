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
//     clients by transport, its namespaces with their socket counts, and a
//     histogram of connections and disconnections (server_stats, every
//     StatsInterval);
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
// DisconnectSockets, Emit). Bytes and packets in and out are not reported
// (the dashboard's bytes histogram stays empty), nor are changes to
// Socket.Data after the UI has listed a socket.
//
// # Concurrency
//
// An Admin is safe for concurrent use; Close may be called from any
// goroutine, more than once.
package admin
