// Package transports holds the Engine.IO WebSocket transport: the
// handshake, the reading and writing of frames on the connection itself,
// permessage-deflate, and the parking of idle connections. It knows
// nothing of sessions: the session package pairs connections with
// sessions and decides what to send. Long-polling is plain HTTP requests
// and responses; the session package answers them with the helpers of an
// internal package (internal/httpx).
//
// Its exported API is what the session package needs of it: servers are
// built with package session (Engine.IO) or the root package (Socket.IO).
package transports

// Transport names as they appear in the "transport" query parameter and
// in session.Session.Transport.
const (
	NamePolling   = "polling"
	NameWebSocket = "websocket"
)
