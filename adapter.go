package socketio

import (
	"context"
	"time"

	"github.com/gosio/socketio/codec"
)

// BroadcastFlags modify a broadcast.
type BroadcastFlags struct {
	Volatile bool          // drop for clients not ready to receive
	Local    bool          // this node only
	Compress bool          // a hint; compression is not implemented yet
	Timeout  time.Duration // ack timeout of a broadcast with ack
}

// BroadcastOptions select the recipients of a broadcast: the sockets in
// any of Rooms (all sockets of the namespace when empty) that are in none
// of Except.
type BroadcastOptions struct {
	Rooms  []string
	Except []string
	Flags  BroadcastFlags
}

// SocketInfo describes a socket anywhere in the cluster, as FetchSockets
// returns it.
type SocketInfo struct {
	ID        string     `json:"id"`
	Handshake *Handshake `json:"handshake"`
	Rooms     []string   `json:"rooms"`
	Data      any        `json:"data"`
}

// Adapter owns a namespace's rooms and delivers its broadcasts. The
// default, NewMemoryAdapter, serves one node; a cluster adapter (Redis,
// say) wraps it: local work goes to the wrapped adapter, and the same
// operations are published to the other nodes, which apply them to their
// own memory adapters.
//
// Implementations must be safe for concurrent use and must not call back
// into the namespace while holding their own locks.
type Adapter interface {
	// AddAll adds socket id to rooms.
	AddAll(id string, rooms []string)
	// Del removes socket id from room.
	Del(id, room string)
	// DelAll removes socket id from every room.
	DelAll(id string)
	// SocketRooms returns the rooms of a local socket.
	SocketRooms(id string) []string
	// Sockets returns the ids of the local sockets selected by opts.
	Sockets(opts BroadcastOptions) []string

	// Broadcast sends an already built packet (encoded once) to every
	// selected socket, each at most once.
	Broadcast(p *codec.SocketPacket, opts BroadcastOptions) error
	// BroadcastWithAck is Broadcast for a packet with an ack id: clientCount
	// is called with the number of sockets reached (once per node), then
	// onAck once for each of them: with its answer, or with a non-nil
	// error (ErrDisconnected) when the socket disconnected first. A node
	// that cannot tell (a remote one) may never call onAck for a socket;
	// the broadcast's Timeout or ctx then ends the wait.
	BroadcastWithAck(p *codec.SocketPacket, opts BroadcastOptions, clientCount func(int), onAck func(codec.Args, error)) error

	// FetchSockets describes the selected sockets of every node.
	FetchSockets(ctx context.Context, opts BroadcastOptions) ([]SocketInfo, error)
	// AddSockets makes the selected sockets join rooms.
	AddSockets(opts BroadcastOptions, rooms []string)
	// DelSockets makes the selected sockets leave rooms.
	DelSockets(opts BroadcastOptions, rooms []string)
	// DisconnectSockets disconnects the selected sockets.
	DisconnectSockets(opts BroadcastOptions, close bool)

	// ServerSideEmit sends data (event name first) to the other nodes. With
	// onAck non-nil it waits, until ctx is done, for one answer per node.
	ServerSideEmit(ctx context.Context, data []any, onAck func(codec.Args)) error
	// ServerCount is the number of nodes, this one included.
	ServerCount(ctx context.Context) (int, error)

	// Close releases the adapter's resources.
	Close() error
}
