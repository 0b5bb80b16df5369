package redis

import (
	"context"
	"encoding/json"
	"fmt"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
)

// onRequest handles a request of another node (or of an emitter).
func (a *Adapter) onRequest(payload []byte) {
	m, err := decodeMessage(payload)
	if err != nil {
		a.report(fmt.Errorf("redis adapter %s: malformed request: %w", a.nsp.Name(), err))
		return
	}
	if str(m["uid"]) == a.uid {
		return // applied locally when it was made
	}
	typ, _ := number(m["type"])
	id := str(m["requestId"])
	ctx := context.Background()
	switch int(typ) {
	case reqSockets:
		opts := socketio.BroadcastOptions{Rooms: roomNames(list(m["rooms"]))}
		a.respond(m, map[string]any{"requestId": id, "sockets": a.Sockets(opts)})
	case reqAllRooms:
		a.respond(m, map[string]any{"requestId": id, "rooms": a.Rooms()})
	case reqRemoteJoin, reqRemoteLeave, reqRemoteDisconnect:
		o := object(m["opts"])
		if o == nil {
			return // the legacy single-socket form, which 8.x no longer sends
		}
		opts := fromWireOpts(list(o["rooms"]), list(o["except"]), nil)
		switch int(typ) {
		case reqRemoteJoin:
			_ = a.MemoryAdapter.AddSockets(ctx, opts, roomNames(list(m["rooms"])))
		case reqRemoteLeave:
			_ = a.MemoryAdapter.DelSockets(ctx, opts, roomNames(list(m["rooms"])))
		default:
			closeConn, _ := m["close"].(bool)
			_ = a.MemoryAdapter.DisconnectSockets(ctx, opts, closeConn)
		}
	case reqRemoteFetch:
		o := object(m["opts"])
		opts := fromWireOpts(list(o["rooms"]), list(o["except"]), nil)
		socks, _ := a.MemoryAdapter.FetchSockets(ctx, opts)
		if socks == nil {
			socks = []socketio.SocketInfo{}
		}
		a.respond(m, map[string]any{"requestId": id, "sockets": socks})
	case reqServerSideEmit:
		a.onServerSideEmit(m, id)
	case reqBroadcast:
		a.onBroadcastWithAck(m, id)
	}
}

// respond publishes an answer to the requesting node.
func (a *Adapter) respond(req map[string]any, v any) {
	b, err := json.Marshal(v)
	if err == nil {
		err = a.publish(context.Background(), a.responseChannelOf(req), b)
	}
	if err != nil {
		a.report(err)
	}
}

func (a *Adapter) responseChannelOf(req map[string]any) string {
	if a.opts.PublishOnSpecificResponseChannel {
		return a.responseChannel + str(req["uid"]) + "#"
	}
	return a.responseChannel
}

func (a *Adapter) onServerSideEmit(m map[string]any, id string) {
	data := list(m["data"])
	if len(data) == 0 {
		return
	}
	event := str(data[0])
	args, err := codec.ArgsOf(data[1:]...)
	if err != nil {
		a.report(err)
		return
	}
	var ack func(...any)
	if id != "" {
		ack = func(vals ...any) {
			var arg any
			if len(vals) > 0 {
				if w, err := wireValues(vals[:1]); err == nil {
					arg = w[0]
				}
			}
			// Always on the shared response channel, as the Node.js adapter does.
			b, err := json.Marshal(map[string]any{"type": reqServerSideEmit, "requestId": id, "data": arg})
			if err == nil {
				err = a.publish(context.Background(), a.responseChannel, b)
			}
			if err != nil {
				a.report(err)
			}
		}
	}
	// Not on the reading goroutine: a handler may block.
	a.handlers.run(a.nsp, event, args, ack, a.report)
}

func (a *Adapter) onBroadcastWithAck(m map[string]any, id string) {
	packet, o := object(m["packet"]), object(m["opts"])
	data := list(packet["data"])
	if len(data) == 0 || id == "" {
		return
	}
	opts := fromWireOpts(list(o["rooms"]), list(o["except"]), object(o["flags"]))
	timeout := opts.Flags.Timeout
	if timeout <= 0 {
		timeout = a.opts.RequestsTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	p := &codec.SocketPacket{Type: codec.Event, Nsp: a.nsp.Name(), Data: data}
	var pending int
	err := a.MemoryAdapter.BroadcastWithAck(ctx, p, opts,
		func(n int) {
			pending = n
			a.respond(m, map[string]any{"type": reqBroadcastClientCount, "requestId": id, "clientCount": n})
		},
		func(args codec.Args, err error) {
			if err != nil {
				return // that client is gone: the requester's timeout ends its wait
			}
			var arg any
			if args != nil && args.Len() > 0 {
				_ = args.Decode(0, &arg)
				arg = integral(arg)
			}
			b, err := encodeMsgpack(map[string]any{"type": reqBroadcastAck, "requestId": id, "packet": arg})
			if err == nil {
				err = a.publish(context.Background(), a.responseChannelOf(m), b)
			}
			if err != nil {
				a.report(err)
			}
		})
	if err != nil || pending == 0 {
		cancel()
		return
	}
	// ctx ends at its timeout, and the pending acks are forgotten then;
	// cancel only releases its timer a little early.
	context.AfterFunc(ctx, cancel)
}

// onResponse routes an answer to the request of this node it belongs to.
func (a *Adapter) onResponse(payload []byte) {
	m, err := decodeMessage(payload)
	if err != nil {
		a.report(fmt.Errorf("redis adapter %s: malformed response: %w", a.nsp.Name(), err))
		return
	}
	id := str(m["requestId"])
	typ, _ := number(m["type"])
	ack, r := a.pend.lookup(id)
	if ack != nil {
		switch int(typ) {
		case reqBroadcastClientCount:
			if n, ok := number(m["clientCount"]); ok {
				ack.clientCount(int(n))
			}
		case reqBroadcastAck:
			if args, err := codec.ArgsOf(m["packet"]); err == nil {
				ack.onAck(args, nil)
			}
		}
		return
	}
	if r == nil {
		return // not ours, or too late
	}
	var (
		socks []socketio.SocketInfo
		rooms []string
		ans   codec.Args
	)
	switch r.typ {
	case reqRemoteFetch:
		var resp struct {
			Sockets []socketio.SocketInfo `json:"sockets"`
		}
		if payload[0] != '{' || json.Unmarshal(payload, &resp) != nil {
			return
		}
		socks = resp.Sockets
	case reqAllRooms:
		rooms = roomNames(list(m["rooms"]))
	case reqServerSideEmit:
		ans, err = codec.ArgsOf(m["data"])
		if err != nil {
			return
		}
	default:
		return
	}
	a.pend.record(r, socks, rooms, ans)
}

// Close implements socketio.Adapter: it unsubscribes, waits for the
// reading goroutine, and fails the requests still waiting.
func (a *Adapter) Close() error {
	if !a.pend.close() {
		return nil
	}
	err := a.ps.Close()
	<-a.done
	a.pub.close()
	return err
}
