package redis

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"

	goredis "github.com/redis/go-redis/v9"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
)

// Emitter sends to the clients of a cluster from a process that serves
// none (a worker, a cron job), as the Node.js package
// @socket.io/redis-emitter 5.x does, message for message: Go and Node.js
// servers on the classic adapter receive them alike.
//
// An Emitter is an immutable builder, safe for concurrent use: To, Except,
// Volatile and Of return new Emitters. Its operations publish at once and
// return the publish error.
type Emitter struct {
	rdb        goredis.UniversalClient
	key        string
	nsp        string
	rooms      []string
	except     []string
	volatile   bool
	noCompress bool
}

// emitterUID is the uid the Node.js emitter writes; servers treat it as
// any other node's.
const emitterUID = "emitter"

// NewEmitter returns an Emitter for namespace "/" publishing through
// client with the channel prefix key ("socket.io" when empty).
func NewEmitter(client goredis.UniversalClient, key string) *Emitter {
	if key == "" {
		key = "socket.io"
	}
	return &Emitter{rdb: client, key: key, nsp: "/"}
}

func (e *Emitter) clone() *Emitter {
	c := *e
	c.rooms = append([]string(nil), e.rooms...)
	c.except = append([]string(nil), e.except...)
	return &c
}

// Of returns an Emitter for namespace nsp (a missing leading "/" is added).
func (e *Emitter) Of(nsp string) *Emitter {
	if len(nsp) == 0 || nsp[0] != '/' {
		nsp = "/" + nsp
	}
	c := e.clone()
	c.nsp, c.rooms, c.except = nsp, nil, nil
	return c
}

// To targets rooms (union with those already targeted).
func (e *Emitter) To(rooms ...string) *Emitter {
	c := e.clone()
	c.rooms = append(c.rooms, rooms...)
	return c
}

// In is an alias of To.
func (e *Emitter) In(rooms ...string) *Emitter { return e.To(rooms...) }

// Except excludes the sockets of rooms.
func (e *Emitter) Except(rooms ...string) *Emitter {
	c := e.clone()
	c.except = append(c.except, rooms...)
	return c
}

// Volatile marks the events as droppable for clients not ready to take them.
func (e *Emitter) Volatile() *Emitter {
	c := e.clone()
	c.volatile = true
	return c
}

// Compress(false) asks the nodes to send the events uncompressed.
func (e *Emitter) Compress(v bool) *Emitter {
	c := e.clone()
	c.noCompress = !v
	return c
}

func (e *Emitter) opts() socketio.BroadcastOptions {
	return socketio.BroadcastOptions{Rooms: e.rooms, Except: e.except,
		Flags: socketio.BroadcastFlags{Volatile: e.volatile, NoCompress: e.noCompress}}
}

// Emit sends an event to the targeted sockets of every node. Acks are not
// supported (as with the Node.js emitter); reserved event names are
// refused.
func (e *Emitter) Emit(ctx context.Context, event string, args ...any) error {
	if codec.IsReservedEvent(event) {
		return socketio.ErrReservedEvent
	}
	for _, a := range args {
		if a != nil && reflect.TypeOf(a).Kind() == reflect.Func {
			return errors.New("redis emitter: acknowledgements are not supported")
		}
	}
	data, err := wireValues(append([]any{event}, args...))
	if err != nil {
		return err
	}
	packet := map[string]any{"type": int(codec.Event), "data": data, "nsp": e.nsp}
	msg, err := encodeMsgpack([]any{emitterUID, packet, toWireOpts(e.opts(), true)})
	if err != nil {
		return err
	}
	channel := e.key + "#" + e.nsp + "#"
	if len(e.rooms) == 1 {
		channel += e.rooms[0] + "#"
	}
	return e.rdb.Publish(ctx, channel, msg).Err()
}

// SocketsJoin makes the targeted sockets join rooms.
func (e *Emitter) SocketsJoin(ctx context.Context, rooms ...string) error {
	return e.request(ctx, map[string]any{"type": reqRemoteJoin, "opts": toWireOpts(e.opts(), false), "rooms": rooms})
}

// SocketsLeave makes the targeted sockets leave rooms.
func (e *Emitter) SocketsLeave(ctx context.Context, rooms ...string) error {
	return e.request(ctx, map[string]any{"type": reqRemoteLeave, "opts": toWireOpts(e.opts(), false), "rooms": rooms})
}

// DisconnectSockets disconnects the targeted sockets; with close their
// connections are closed too.
func (e *Emitter) DisconnectSockets(ctx context.Context, close bool) error {
	return e.request(ctx, map[string]any{"type": reqRemoteDisconnect, "opts": toWireOpts(e.opts(), false), "close": close})
}

// ServerSideEmit sends an event to the servers' OnServerSideEmit handlers
// (without acks).
func (e *Emitter) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	data, err := wireValues(append([]any{event}, args...))
	if err != nil {
		return err
	}
	return e.request(ctx, map[string]any{"uid": emitterUID, "type": reqServerSideEmit, "data": data})
}

func (e *Emitter) request(ctx context.Context, req map[string]any) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	return e.rdb.Publish(ctx, e.key+"-request#"+e.nsp+"#", b).Err()
}
