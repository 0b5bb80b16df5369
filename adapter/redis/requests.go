package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
)

func newRequestID() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (a *Adapter) publishJSON(ctx context.Context, channel string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return a.publish(ctx, channel, b)
}

// AddSockets implements socketio.Adapter.
func (a *Adapter) AddSockets(ctx context.Context, opts socketio.BroadcastOptions, rooms []string) error {
	return a.remote(ctx, opts, map[string]any{"type": reqRemoteJoin, "rooms": rooms},
		func() error { return a.MemoryAdapter.AddSockets(ctx, opts, rooms) })
}

// DelSockets implements socketio.Adapter.
func (a *Adapter) DelSockets(ctx context.Context, opts socketio.BroadcastOptions, rooms []string) error {
	return a.remote(ctx, opts, map[string]any{"type": reqRemoteLeave, "rooms": rooms},
		func() error { return a.MemoryAdapter.DelSockets(ctx, opts, rooms) })
}

// DisconnectSockets implements socketio.Adapter.
func (a *Adapter) DisconnectSockets(ctx context.Context, opts socketio.BroadcastOptions, close bool) error {
	return a.remote(ctx, opts, map[string]any{"type": reqRemoteDisconnect, "close": close},
		func() error { return a.MemoryAdapter.DisconnectSockets(ctx, opts, close) })
}

// remote publishes a request that needs no answer, then applies it
// locally (the Node.js adapter's own node applies it only locally too:
// it ignores nothing, but its request carries no requestId to answer).
func (a *Adapter) remote(ctx context.Context, opts socketio.BroadcastOptions, req map[string]any, local func() error) error {
	var err error
	if !opts.Flags.Local {
		req["uid"] = a.uid
		req["opts"] = toWireOpts(opts, false)
		err = a.publishJSON(ctx, a.requestChannel, req)
	}
	if lerr := local(); lerr != nil {
		return lerr
	}
	return err
}

// FetchSockets implements socketio.Adapter: the local sockets, and those
// every other node reports within RequestsTimeout.
func (a *Adapter) FetchSockets(ctx context.Context, opts socketio.BroadcastOptions) ([]socketio.SocketInfo, error) {
	local, err := a.MemoryAdapter.FetchSockets(ctx, opts)
	if err != nil || opts.Flags.Local {
		return local, err
	}
	r, err := a.ask(ctx, reqRemoteFetch, map[string]any{"opts": toWireOpts(opts, false)})
	if r == nil {
		return local, err
	}
	socks, _, _ := a.pend.results(r)
	return append(local, socks...), err
}

// AllRooms returns the rooms of every node, socket id rooms included.
func (a *Adapter) AllRooms(ctx context.Context) ([]string, error) {
	local := a.Rooms()
	r, err := a.ask(ctx, reqAllRooms, map[string]any{})
	if r == nil {
		return local, err
	}
	_, rooms, _ := a.pend.results(r)
	seen := make(map[string]bool, len(local)+len(rooms))
	out := make([]string, 0, len(local)+len(rooms))
	for _, room := range append(local, rooms...) {
		if !seen[room] {
			seen[room] = true
			out = append(out, room)
		}
	}
	return out, err
}

// ask publishes a request every other node answers and waits for the
// answers: nil when there is no other node.
func (a *Adapter) ask(ctx context.Context, typ int, req map[string]any) (*request, error) {
	n, err := a.ServerCount(ctx)
	if err != nil {
		return nil, err
	}
	if n <= 1 {
		return nil, nil
	}
	id := newRequestID()
	r := a.pend.addRequest(id, typ, n-1)
	if r == nil {
		return nil, socketio.ErrDisconnected
	}
	defer a.pend.takeRequest(id)
	req["uid"], req["requestId"], req["type"] = a.uid, id, typ
	if err := a.publishJSON(ctx, a.requestChannel, req); err != nil {
		return nil, err
	}
	return a.pend.await(ctx, r, a.opts.RequestsTimeout)
}

// ServerSideEmit implements socketio.Adapter.
func (a *Adapter) ServerSideEmit(ctx context.Context, data []any, onAck func(codec.Args)) error {
	wire, err := wireValues(data)
	if err != nil {
		return err
	}
	if onAck == nil {
		return a.publishJSON(ctx, a.requestChannel, map[string]any{"uid": a.uid, "type": reqServerSideEmit, "data": wire})
	}
	r, err := a.ask(ctx, reqServerSideEmit, map[string]any{"data": wire})
	if r != nil {
		_, _, answers := a.pend.results(r)
		for _, ans := range answers {
			onAck(ans)
		}
	}
	return err
}

// BroadcastWithAck implements socketio.Adapter. Other nodes report their
// client counts and acks on the response channel until ctx ends.
func (a *Adapter) BroadcastWithAck(ctx context.Context, p *codec.SocketPacket, opts socketio.BroadcastOptions, clientCount func(int), onAck func(codec.Args, error)) error {
	var err error
	if !opts.Flags.Local {
		err = a.publishBroadcastWithAck(ctx, p, opts, clientCount, onAck)
	}
	if lerr := a.MemoryAdapter.BroadcastWithAck(ctx, p, opts, clientCount, onAck); lerr != nil {
		return lerr
	}
	return err
}

func (a *Adapter) publishBroadcastWithAck(ctx context.Context, p *codec.SocketPacket, opts socketio.BroadcastOptions, clientCount func(int), onAck func(codec.Args, error)) error {
	data, err := wireData(p)
	if err != nil {
		return err
	}
	id := newRequestID()
	if err := a.pend.addAck(ctx, id, clientCount, onAck); err != nil {
		return err
	}
	msg, err := encodeMsgpack(map[string]any{
		"uid": a.uid, "requestId": id, "type": reqBroadcast,
		"packet": map[string]any{"type": int(codec.Event), "data": data, "nsp": a.nsp.Name()},
		"opts":   toWireOpts(opts, true),
	})
	if err != nil {
		return err
	}
	return a.publish(ctx, a.requestChannel, msg)
}
