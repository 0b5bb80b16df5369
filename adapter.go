package socketio

import (
	"context"
	"time"

	"github.com/gosio/socketio/codec"
)

// BroadcastFlags modify a broadcast.
type BroadcastFlags struct {
	Volatile bool // drop for clients not ready to receive
	Local    bool // this node only
	// NoCompress sends the packets uncompressed (Compress(false)): no
	// per-message deflate, no HTTP compression asked for.
	NoCompress bool
	Timeout    time.Duration // ack timeout of a broadcast with ack
	// ExpectSingleResponse marks a broadcast with ack that targets one
	// socket (RemoteSocket.EmitWithAck): it completes with the first
	// answer, from whichever node holds the socket.
	ExpectSingleResponse bool
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
// The room bookkeeping methods (AddAll to Rooms) are local and cannot
// fail. The cluster operations take a ctx that bounds the whole operation
// (publishing, and waiting for other nodes where there are answers) and
// return an error when it could not be done everywhere: a cluster adapter
// must report a failed publish, never drop it silently. Local delivery
// happens whatever the error.
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
	// Rooms returns the rooms of this node that hold a socket, socket id
	// rooms included (what a node answers to a cluster's all-rooms request).
	Rooms() []string

	// Broadcast sends an already built packet (encoded once) to every
	// selected socket, each at most once.
	Broadcast(ctx context.Context, p *codec.SocketPacket, opts BroadcastOptions) error
	// BroadcastWithAck is Broadcast for a packet that asks for an ack.
	// Each node gives the packet an ack id of its own namespace (p.ID is
	// ignored), calls clientCount once with the number of its sockets
	// reached, then onAck once for each of them: with its answer, or with
	// a non-nil error (ErrDisconnected) when the socket disconnected
	// first. A node that cannot tell (a remote one) may never call onAck
	// for a socket: ctx's end stops the wait, and the adapter then
	// forgets the acks still pending.
	BroadcastWithAck(ctx context.Context, p *codec.SocketPacket, opts BroadcastOptions, clientCount func(int), onAck func(codec.Args, error)) error

	// FetchSockets describes the selected sockets of every node.
	FetchSockets(ctx context.Context, opts BroadcastOptions) ([]SocketInfo, error)
	// AddSockets makes the selected sockets join rooms.
	AddSockets(ctx context.Context, opts BroadcastOptions, rooms []string) error
	// DelSockets makes the selected sockets leave rooms.
	DelSockets(ctx context.Context, opts BroadcastOptions, rooms []string) error
	// DisconnectSockets disconnects the selected sockets.
	DisconnectSockets(ctx context.Context, opts BroadcastOptions, close bool) error

	// ServerSideEmit sends data (event name first) to the other nodes. With
	// onAck non-nil it waits, until ctx is done, for one answer per node.
	ServerSideEmit(ctx context.Context, data []any, onAck func(codec.Args)) error
	// ServerCount is the number of nodes, this one included.
	ServerCount(ctx context.Context) (int, error)

	// Close releases the adapter's resources. The server calls it when
	// the namespace goes away (a dynamic child removed) and on Shutdown.
	Close() error
}

// DeliverServerSideEvent is for Adapter implementations: a cluster adapter
// calls it with an event another node sent with ServerSideEmit, to run
// the handler nsp's application registered with Namespace.OnServerSideEmit
// for it (an event without a handler is ignored). args are the event's
// arguments after its name (codec.ArgsOf builds them from decoded
// values); ack, when the sending node asked for an answer, receives the
// handler's, and is nil otherwise. It runs the handler on the calling
// goroutine: an adapter reading its transport should call it on another.
func DeliverServerSideEvent(nsp *Namespace, event string, args Args, ack func(args ...any)) {
	nsp.onServerSideEvent(event, args, ack)
}
