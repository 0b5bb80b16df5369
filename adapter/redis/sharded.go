package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
)

// SubscriptionMode decides which channels a sharded adapter subscribes to,
// as the Node.js option of that name does.
type SubscriptionMode string

const (
	// Dynamic (the default): the namespace's channel, the node's response
	// channel, and one channel per public room of the node, so a broadcast
	// to one room reaches only the nodes that have that room.
	Dynamic SubscriptionMode = "dynamic"
	// Static: the namespace's and the response channels only.
	Static SubscriptionMode = "static"
	// DynamicPrivate: like Dynamic, for socket id rooms too.
	DynamicPrivate SubscriptionMode = "dynamic-private"
)

// ShardedOptions configures NewShardedAdapter; the zero value gives the
// defaults of @socket.io/redis-adapter's createShardedAdapter.
type ShardedOptions struct {
	// ChannelPrefix prefixes every channel. Empty means "socket.io".
	ChannelPrefix string
	// SubscriptionMode: empty means Dynamic. Every node of a cluster must
	// use the same.
	SubscriptionMode SubscriptionMode
	// RequestsTimeout, MaxPendingPublishes and ErrorHandler are as in
	// Options.
	RequestsTimeout     time.Duration
	MaxPendingPublishes int
	ErrorHandler        func(error)
}

// Cluster message types of socket.io-adapter's ClusterAdapter, which the
// Node.js sharded adapter speaks.
const (
	cmBroadcast            = 3
	cmSocketsJoin          = 4
	cmSocketsLeave         = 5
	cmDisconnectSockets    = 6
	cmFetchSockets         = 7
	cmFetchSocketsResponse = 8
	cmServerSideEmit       = 9
	cmServerSideEmitResp   = 10
	cmBroadcastClientCount = 11
	cmBroadcastAck         = 12
)

// NewShardedAdapter returns an Options.Adapter factory for Redis 7
// sharded Pub/Sub (SSUBSCRIBE/SPUBLISH), wire-compatible with
// createShardedAdapter of @socket.io/redis-adapter 8.x. The Go Emitter
// (like the Node.js one) speaks only the classic adapter's format.
func NewShardedAdapter(client goredis.UniversalClient, opts *ShardedOptions) func(*socketio.Namespace) (socketio.Adapter, error) {
	var o ShardedOptions
	if opts != nil {
		o = *opts
	}
	if o.ChannelPrefix == "" {
		o.ChannelPrefix = "socket.io"
	}
	switch o.SubscriptionMode {
	case "":
		o.SubscriptionMode = Dynamic
	case Dynamic, Static, DynamicPrivate:
	default:
		return func(*socketio.Namespace) (socketio.Adapter, error) {
			return nil, fmt.Errorf("redis adapter: unknown subscription mode %q", o.SubscriptionMode)
		}
	}
	if o.RequestsTimeout <= 0 {
		o.RequestsTimeout = 5 * time.Second
	}
	if o.MaxPendingPublishes <= 0 {
		o.MaxPendingPublishes = 10_000
	}
	return func(n *socketio.Namespace) (socketio.Adapter, error) {
		return newSharded(n, client, o)
	}
}

// ShardedAdapter is the sharded Redis adapter of one namespace.
//
// Concurrency: safe for concurrent use. Messages are handled on one
// goroutine per adapter, in order; room channels are subscribed and
// unsubscribed by another, in the order rooms come and go.
type ShardedAdapter struct {
	*socketio.MemoryAdapter
	nsp  *socketio.Namespace
	rdb  goredis.UniversalClient
	opts ShardedOptions
	uid  string

	channel, responseChannel string

	ps       *goredis.PubSub
	pub      *publisher
	handlers handlerSlots
	done     chan struct{}

	subMu   sync.Mutex
	subOps  []subOp       // guarded by subMu; room channel (un)subscriptions to make, in order
	subWake chan struct{} // capacity 1
	subDone chan struct{}

	pend pending // what this node waits for from the others
}

type subOp struct {
	channel string
	sub     bool
}

func newSharded(n *socketio.Namespace, rdb goredis.UniversalClient, o ShardedOptions) (*ShardedAdapter, error) {
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	a := &ShardedAdapter{
		MemoryAdapter: socketio.NewMemoryAdapter(n),
		nsp:           n,
		rdb:           rdb,
		opts:          o,
		uid:           hex.EncodeToString(id[:]),
		done:          make(chan struct{}),
		handlers:      newHandlerSlots(),
		subWake:       make(chan struct{}, 1),
		subDone:       make(chan struct{}),
		pend:          newPending(),
	}
	a.channel = o.ChannelPrefix + "#" + n.Name() + "#"
	a.responseChannel = a.channel + a.uid + "#"
	a.pub = newPublisher(rdb, true, o.MaxPendingPublishes, a.report)

	ctx, cancel := context.WithTimeout(context.Background(), o.RequestsTimeout)
	defer cancel()
	a.ps = rdb.SSubscribe(ctx, a.channel, a.responseChannel)
	var err error
	for i := 0; err == nil && i < 2; i++ {
		_, err = a.ps.Receive(ctx)
	}
	if err != nil {
		a.report(fmt.Errorf("redis adapter %s: subscribing: %w (retrying)", n.Name(), err))
	}
	if o.SubscriptionMode != Static {
		a.OnRoomChange(a.onRoomChange)
	}
	go a.subscriber()
	go a.read(a.ps.Channel(goredis.WithChannelSize(1024)))
	return a, nil
}

func (a *ShardedAdapter) report(err error) {
	if a.opts.ErrorHandler != nil {
		a.opts.ErrorHandler(err)
		return
	}
	log.Print(err)
}

// onRoomChange queues the (un)subscription of a room's channel; it runs
// under the memory adapter's lock, so it only queues.
func (a *ShardedAdapter) onRoomChange(room string, created, socketID bool) {
	if socketID && a.opts.SubscriptionMode != DynamicPrivate {
		return // private rooms have channels of their own in dynamic-private mode only
	}
	a.subMu.Lock()
	a.subOps = append(a.subOps, subOp{a.channel + room + "#", created})
	a.subMu.Unlock()
	select {
	case a.subWake <- struct{}{}:
	default:
	}
}

// subscriber makes the queued room (un)subscriptions, in order, until
// Close. SSUBSCRIBE writes on the subscription's connection: not on the
// goroutine of whoever joined a room.
func (a *ShardedAdapter) subscriber() {
	defer close(a.subDone)
	for {
		a.subMu.Lock()
		ops := a.subOps
		a.subOps = nil
		a.subMu.Unlock()
		for _, op := range ops {
			ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestsTimeout)
			var err error
			if op.sub {
				err = a.ps.SSubscribe(ctx, op.channel)
			} else {
				err = a.ps.SUnsubscribe(ctx, op.channel)
			}
			cancel()
			if err != nil {
				a.report(fmt.Errorf("redis adapter %s: (un)subscribing %s: %w", a.nsp.Name(), op.channel, err))
			}
		}
		if len(ops) > 0 {
			continue
		}
		select {
		case <-a.subWake:
		case <-a.done:
			return
		}
	}
}

func (a *ShardedAdapter) read(ch <-chan *goredis.Message) {
	defer close(a.done)
	for m := range ch {
		msg, err := decodeMessage([]byte(m.Payload))
		if err != nil {
			a.report(fmt.Errorf("redis adapter %s: malformed message: %w", a.nsp.Name(), err))
			continue
		}
		if m.Channel == a.responseChannel {
			a.onResponse(msg)
		} else {
			a.onMessage(msg)
		}
	}
}

// publishMessage queues a cluster message: JSON, or msgpack when its data
// holds binary, as the Node.js adapter encodes it.
func (a *ShardedAdapter) publishMessage(channel string, typ int, data map[string]any) error {
	msg := map[string]any{"uid": a.uid, "nsp": a.nsp.Name(), "type": typ, "data": data}
	var b []byte
	var err error
	if holdsBinary(data) {
		b, err = encodeMsgpack(msg)
	} else {
		b, err = json.Marshal(msg)
	}
	if err != nil {
		return err
	}
	return a.pub.publish(channel, b)
}

func holdsBinary(v any) bool {
	switch t := v.(type) {
	case []byte:
		return true
	case []any:
		for _, e := range t {
			if holdsBinary(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range t {
			if holdsBinary(e) {
				return true
			}
		}
	}
	return false
}

// ServerCount implements socketio.Adapter: the subscribers of the
// namespace's channel (PUBSUB SHARDNUMSUB).
func (a *ShardedAdapter) ServerCount(ctx context.Context) (int, error) {
	m, err := a.rdb.PubSubShardNumSub(ctx, a.channel).Result()
	if err != nil {
		return 0, fmt.Errorf("redis adapter %s: PUBSUB SHARDNUMSUB: %w", a.nsp.Name(), err)
	}
	return int(m[a.channel]), nil
}

// broadcastChannel is where a broadcast goes: the room's channel for a
// broadcast without ack to one room (a public one, unless in
// dynamic-private mode), else the namespace's.
func (a *ShardedAdapter) broadcastChannel(opts socketio.BroadcastOptions, withAck bool) string {
	if withAck || len(opts.Rooms) != 1 {
		return a.channel
	}
	room := opts.Rooms[0]
	switch {
	case a.opts.SubscriptionMode == Dynamic && len(room) != 20: // 20: the length of a socket id
		return a.channel + room + "#"
	case a.opts.SubscriptionMode == DynamicPrivate:
		return a.channel + room + "#"
	}
	return a.channel
}

// Broadcast implements socketio.Adapter.
func (a *ShardedAdapter) Broadcast(ctx context.Context, p *codec.SocketPacket, opts socketio.BroadcastOptions) error {
	var err error
	if !opts.Flags.Local {
		var data []any
		if data, err = wireData(p); err == nil {
			err = a.publishMessage(a.broadcastChannel(opts, false), cmBroadcast, map[string]any{
				"packet": map[string]any{"type": int(codec.Event), "data": data, "nsp": a.nsp.Name()},
				"opts":   toWireOpts(opts, true),
			})
		}
	}
	if lerr := a.MemoryAdapter.Broadcast(ctx, p, opts); lerr != nil {
		return lerr
	}
	return err
}

// BroadcastWithAck implements socketio.Adapter.
func (a *ShardedAdapter) BroadcastWithAck(ctx context.Context, p *codec.SocketPacket, opts socketio.BroadcastOptions, clientCount func(int), onAck func(codec.Args, error)) error {
	var err error
	if !opts.Flags.Local {
		err = a.publishWithAck(ctx, p, opts, clientCount, onAck)
	}
	if lerr := a.MemoryAdapter.BroadcastWithAck(ctx, p, opts, clientCount, onAck); lerr != nil {
		return lerr
	}
	return err
}

func (a *ShardedAdapter) publishWithAck(ctx context.Context, p *codec.SocketPacket, opts socketio.BroadcastOptions, clientCount func(int), onAck func(codec.Args, error)) error {
	data, err := wireData(p)
	if err != nil {
		return err
	}
	id := randomRequestID()
	if err := a.pend.addAck(ctx, id, clientCount, onAck); err != nil {
		return err
	}
	return a.publishMessage(a.channel, cmBroadcast, map[string]any{
		"packet":    map[string]any{"type": int(codec.Event), "data": data, "nsp": a.nsp.Name()},
		"requestId": id,
		"opts":      toWireOpts(opts, true),
	})
}

// randomRequestID is 16 hex characters, as the cluster adapter's ids.
func randomRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// AddSockets implements socketio.Adapter.
func (a *ShardedAdapter) AddSockets(ctx context.Context, opts socketio.BroadcastOptions, rooms []string) error {
	return a.cluster(opts, cmSocketsJoin, map[string]any{"rooms": rooms},
		func() error { return a.MemoryAdapter.AddSockets(ctx, opts, rooms) })
}

// DelSockets implements socketio.Adapter.
func (a *ShardedAdapter) DelSockets(ctx context.Context, opts socketio.BroadcastOptions, rooms []string) error {
	return a.cluster(opts, cmSocketsLeave, map[string]any{"rooms": rooms},
		func() error { return a.MemoryAdapter.DelSockets(ctx, opts, rooms) })
}

// DisconnectSockets implements socketio.Adapter.
func (a *ShardedAdapter) DisconnectSockets(ctx context.Context, opts socketio.BroadcastOptions, close bool) error {
	return a.cluster(opts, cmDisconnectSockets, map[string]any{"close": close},
		func() error { return a.MemoryAdapter.DisconnectSockets(ctx, opts, close) })
}

func (a *ShardedAdapter) cluster(opts socketio.BroadcastOptions, typ int, data map[string]any, local func() error) error {
	var err error
	if !opts.Flags.Local {
		data["opts"] = toWireOpts(opts, true)
		err = a.publishMessage(a.channel, typ, data)
	}
	if lerr := local(); lerr != nil {
		return lerr
	}
	return err
}

// FetchSockets implements socketio.Adapter.
func (a *ShardedAdapter) FetchSockets(ctx context.Context, opts socketio.BroadcastOptions) ([]socketio.SocketInfo, error) {
	local, err := a.MemoryAdapter.FetchSockets(ctx, opts)
	if err != nil || opts.Flags.Local {
		return local, err
	}
	r, err := a.ask(ctx, cmFetchSockets, map[string]any{"opts": toWireOpts(opts, true)})
	if r == nil {
		return local, err
	}
	socks, _, _ := a.pend.results(r)
	return append(local, socks...), err
}

// ServerSideEmit implements socketio.Adapter.
func (a *ShardedAdapter) ServerSideEmit(ctx context.Context, data []any, onAck func(codec.Args)) error {
	wire, err := wireValues(data)
	if err != nil {
		return err
	}
	if onAck == nil {
		return a.publishMessage(a.channel, cmServerSideEmit, map[string]any{"packet": wire})
	}
	r, err := a.ask(ctx, cmServerSideEmit, map[string]any{"packet": wire})
	if r != nil {
		_, _, answers := a.pend.results(r)
		for _, ans := range answers {
			onAck(ans)
		}
	}
	return err
}

// ask publishes a request every other node answers and waits for the
// answers: nil when there is no other node.
func (a *ShardedAdapter) ask(ctx context.Context, typ int, data map[string]any) (*request, error) {
	n, err := a.ServerCount(ctx)
	if err != nil {
		return nil, err
	}
	if n <= 1 {
		return nil, nil
	}
	id := randomRequestID()
	r := a.pend.addRequest(id, typ, n-1)
	if r == nil {
		return nil, socketio.ErrDisconnected
	}
	defer a.pend.takeRequest(id)
	data["requestId"] = id
	if err := a.publishMessage(a.channel, typ, data); err != nil {
		return nil, err
	}
	return a.pend.await(ctx, r, a.opts.RequestsTimeout)
}

// respond publishes an answer on the requester's response channel.
func (a *ShardedAdapter) respond(requester string, typ int, data map[string]any) {
	if err := a.publishMessage(a.channel+requester+"#", typ, data); err != nil {
		a.report(err)
	}
}

// onMessage applies a cluster message of another node.
func (a *ShardedAdapter) onMessage(m map[string]any) {
	from := str(m["uid"])
	if from == a.uid || str(m["nsp"]) != a.nsp.Name() {
		return
	}
	typ, _ := number(m["type"])
	data := object(m["data"])
	o := object(data["opts"])
	opts := fromWireOpts(list(o["rooms"]), list(o["except"]), object(o["flags"]))
	ctx := context.Background()
	id := str(data["requestId"])
	switch int(typ) {
	case cmBroadcast:
		payload := list(object(data["packet"])["data"])
		if len(payload) == 0 {
			return
		}
		p := &codec.SocketPacket{Type: codec.Event, Nsp: a.nsp.Name(), Data: payload}
		if id == "" {
			_ = a.MemoryAdapter.Broadcast(ctx, p, opts)
			return
		}
		a.applyBroadcastWithAck(from, id, p, opts)
	case cmSocketsJoin:
		_ = a.MemoryAdapter.AddSockets(ctx, opts, roomNames(list(data["rooms"])))
	case cmSocketsLeave:
		_ = a.MemoryAdapter.DelSockets(ctx, opts, roomNames(list(data["rooms"])))
	case cmDisconnectSockets:
		closeConn, _ := data["close"].(bool)
		_ = a.MemoryAdapter.DisconnectSockets(ctx, opts, closeConn)
	case cmFetchSockets:
		socks, _ := a.MemoryAdapter.FetchSockets(ctx, opts)
		// As JSON values (the handshake's own form), whichever encoding
		// the message then takes.
		var generic []any
		if b, err := json.Marshal(socks); err == nil {
			_ = json.Unmarshal(b, &generic)
		}
		if generic == nil {
			generic = []any{}
		}
		a.respond(from, cmFetchSocketsResponse, map[string]any{"requestId": id, "sockets": generic})
	case cmServerSideEmit:
		packet := list(data["packet"])
		if len(packet) == 0 {
			return
		}
		args, err := codec.ArgsOf(packet[1:]...)
		if err != nil {
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
				a.respond(from, cmServerSideEmitResp, map[string]any{"requestId": id, "packet": arg})
			}
		}
		a.handlers.run(a.nsp, str(packet[0]), args, ack, a.report)
	case cmFetchSocketsResponse, cmServerSideEmitResp, cmBroadcastClientCount, cmBroadcastAck:
		a.onResponse(m)
	}
}

func (a *ShardedAdapter) applyBroadcastWithAck(from, id string, p *codec.SocketPacket, opts socketio.BroadcastOptions) {
	timeout := opts.Flags.Timeout
	if timeout <= 0 {
		timeout = a.opts.RequestsTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	reached := 0
	err := a.MemoryAdapter.BroadcastWithAck(ctx, p, opts,
		func(n int) {
			reached = n
			a.respond(from, cmBroadcastClientCount, map[string]any{"requestId": id, "clientCount": n})
		},
		func(args codec.Args, err error) {
			if err != nil {
				return
			}
			var arg any
			if args != nil && args.Len() > 0 {
				_ = args.Decode(0, &arg)
				arg = integral(arg)
			}
			a.respond(from, cmBroadcastAck, map[string]any{"requestId": id, "packet": arg})
		})
	if err != nil || reached == 0 {
		cancel()
		return
	}
	context.AfterFunc(ctx, cancel) // the timeout ends ctx; this frees its timer
}

// onResponse routes an answer to this node's request.
func (a *ShardedAdapter) onResponse(m map[string]any) {
	typ, _ := number(m["type"])
	data := object(m["data"])
	id := str(data["requestId"])
	ack, r := a.pend.lookup(id)
	switch int(typ) {
	case cmBroadcastClientCount:
		if n, ok := number(data["clientCount"]); ok && ack != nil {
			ack.clientCount(int(n))
		}
		return
	case cmBroadcastAck:
		if ack != nil {
			if args, err := codec.ArgsOf(data["packet"]); err == nil {
				ack.onAck(args, nil)
			}
		}
		return
	}
	if r == nil {
		return
	}
	var (
		socks []socketio.SocketInfo
		ans   codec.Args
	)
	switch {
	case int(typ) == cmFetchSocketsResponse && r.typ == cmFetchSockets:
		b, err := json.Marshal(data["sockets"])
		if err != nil || json.Unmarshal(b, &socks) != nil {
			return
		}
	case int(typ) == cmServerSideEmitResp && r.typ == cmServerSideEmit:
		var err error
		if ans, err = codec.ArgsOf(data["packet"]); err != nil {
			return
		}
	default:
		return
	}
	a.pend.record(r, socks, nil, ans)
}

// Close implements socketio.Adapter.
func (a *ShardedAdapter) Close() error {
	if !a.pend.close() {
		return nil
	}
	a.OnRoomChange(nil)
	err := a.ps.Close()
	<-a.done
	<-a.subDone
	a.pub.close()
	return err
}
