// Package redis is a Socket.IO cluster adapter on Redis Pub/Sub that
// speaks the wire format of the Node.js package @socket.io/redis-adapter
// 8.x (classic Pub/Sub): Go and Node.js servers on the same Redis serve one
// application together.
//
// It is a module of its own, so that the server does not depend on a Redis
// client.
package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
)

// Options configures the adapter; the zero value gives the defaults of
// @socket.io/redis-adapter.
type Options struct {
	// Key prefixes every channel. Empty means "socket.io".
	Key string
	// RequestsTimeout bounds the wait for other nodes' answers (fetch
	// sockets, all rooms, server-side emit with ack). Zero means 5s.
	RequestsTimeout time.Duration
	// PublishOnSpecificResponseChannel answers a node on its own response
	// channel instead of the shared one (the Node.js option of that name;
	// every node of a cluster must agree).
	PublishOnSpecificResponseChannel bool
	// MaxPendingPublishes bounds the messages waiting to be sent to Redis
	// (they are sent by a goroutine of the adapter, so that no broadcaster
	// waits for Redis). Past it, operations fail with ErrPublishQueueFull
	// (local delivery still happens). Zero means 10,000.
	MaxPendingPublishes int
	// ErrorHandler receives errors that have no caller: messages that
	// could not be published, a message that could not be decoded, the
	// subscription failing. Nil means log.Printf.
	ErrorHandler func(error)
}

// ErrTimeout is returned when other nodes do not answer within
// RequestsTimeout (or the caller's ctx).
var ErrTimeout = errors.New("redis adapter: timeout reached while waiting for other nodes")

// NewAdapter returns an Options.Adapter factory for socketio.Server: each
// namespace gets an adapter publishing through client and subscribed on a
// connection of its own. The client may be shared with the application.
func NewAdapter(client goredis.UniversalClient, opts *Options) func(*socketio.Namespace) (socketio.Adapter, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Key == "" {
		o.Key = "socket.io"
	}
	if o.RequestsTimeout <= 0 {
		o.RequestsTimeout = 5 * time.Second
	}
	if o.MaxPendingPublishes <= 0 {
		o.MaxPendingPublishes = 10_000
	}
	return func(n *socketio.Namespace) (socketio.Adapter, error) {
		return newAdapter(n, client, o)
	}
}

// Adapter is the Redis adapter of one namespace. Local work goes to an
// embedded socketio.MemoryAdapter; cluster operations are also published.
//
// Concurrency: safe for concurrent use. Messages from Redis are handled on
// one goroutine per adapter, in order.
type Adapter struct {
	*socketio.MemoryAdapter
	nsp  *socketio.Namespace
	rdb  goredis.UniversalClient
	opts Options
	uid  string

	channel, requestChannel, responseChannel, specificResponseChannel string

	ps       *goredis.PubSub
	pub      *publisher
	handlers handlerSlots
	done     chan struct{} // closed when the reading goroutine has exited

	pend pending // what this node waits for from the others
}

func newAdapter(n *socketio.Namespace, rdb goredis.UniversalClient, o Options) (*Adapter, error) {
	var id [3]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	a := &Adapter{
		MemoryAdapter: socketio.NewMemoryAdapter(n),
		nsp:           n,
		rdb:           rdb,
		opts:          o,
		uid:           hex.EncodeToString(id[:]),
		pend:          newPending(),
		done:          make(chan struct{}),
		handlers:      newHandlerSlots(),
	}
	a.channel = o.Key + "#" + n.Name() + "#"
	a.requestChannel = o.Key + "-request#" + n.Name() + "#"
	a.responseChannel = o.Key + "-response#" + n.Name() + "#"
	a.specificResponseChannel = a.responseChannel + a.uid + "#"
	a.pub = newPublisher(rdb, false, o.MaxPendingPublishes, a.report)

	ctx, cancel := context.WithTimeout(context.Background(), o.RequestsTimeout)
	defer cancel()
	a.ps = rdb.Subscribe(ctx, a.requestChannel, a.responseChannel, a.specificResponseChannel)
	err := a.ps.PSubscribe(ctx, a.channel+"*")
	// Wait for the four confirmations, so that this node counts in
	// PUBSUB NUMSUB and receives broadcasts from the moment the namespace
	// exists. If Redis is unreachable now, the subscription is retried by
	// the client: the namespace serves its local clients meanwhile.
	for i := 0; err == nil && i < 4; i++ {
		_, err = a.ps.Receive(ctx)
	}
	if err != nil {
		a.report(fmt.Errorf("redis adapter %s: subscribing: %w (retrying)", n.Name(), err))
	}
	go a.read(a.ps.Channel(goredis.WithChannelSize(1024)))
	return a, nil
}

func (a *Adapter) report(err error) {
	if a.opts.ErrorHandler != nil {
		a.opts.ErrorHandler(err)
		return
	}
	log.Print(err)
}

// read handles the messages of the subscription until Close.
func (a *Adapter) read(ch <-chan *goredis.Message) {
	defer close(a.done)
	for m := range ch {
		payload := []byte(m.Payload)
		switch {
		case m.Pattern != "":
			a.onBroadcast(m.Channel, payload)
		case strings.HasPrefix(m.Channel, a.responseChannel):
			a.onResponse(payload)
		case m.Channel == a.requestChannel:
			a.onRequest(payload)
		}
	}
}

// publish queues msg for Redis (see publisher); it never waits for Redis.
// Messages of one adapter reach Redis in the order they were queued.
func (a *Adapter) publish(_ context.Context, channel string, msg []byte) error {
	return a.pub.publish(channel, msg)
}

// ServerCount implements socketio.Adapter: the subscribers of the request
// channel, Node.js nodes included.
func (a *Adapter) ServerCount(ctx context.Context) (int, error) {
	m, err := a.rdb.PubSubNumSub(ctx, a.requestChannel).Result()
	if err != nil {
		return 0, fmt.Errorf("redis adapter %s: PUBSUB NUMSUB: %w", a.nsp.Name(), err)
	}
	return int(m[a.requestChannel]), nil
}

// Broadcast implements socketio.Adapter.
func (a *Adapter) Broadcast(ctx context.Context, p *codec.SocketPacket, opts socketio.BroadcastOptions) error {
	var err error
	if !opts.Flags.Local {
		err = a.publishBroadcast(ctx, p, opts)
	}
	if lerr := a.MemoryAdapter.Broadcast(ctx, p, opts); lerr != nil {
		return lerr
	}
	return err
}

func (a *Adapter) publishBroadcast(ctx context.Context, p *codec.SocketPacket, opts socketio.BroadcastOptions) error {
	data, err := wireData(p)
	if err != nil {
		return err
	}
	packet := map[string]any{"type": int(codec.Event), "data": data, "nsp": a.nsp.Name()}
	msg, err := encodeMsgpack([]any{a.uid, packet, toWireOpts(opts, true)})
	if err != nil {
		return err
	}
	channel := a.channel
	if len(opts.Rooms) == 1 {
		channel += opts.Rooms[0] + "#"
	}
	return a.publish(ctx, channel, msg)
}

// wireData is the packet's data ([event, ...args]) as JavaScript values.
func wireData(p *codec.SocketPacket) ([]any, error) {
	d, _ := p.Data.([]any)
	return wireValues(d)
}

// onBroadcast applies a broadcast of another node to the local sockets.
func (a *Adapter) onBroadcast(channel string, payload []byte) {
	if !strings.HasPrefix(channel, a.channel) {
		return
	}
	msg, err := decodeMsgpackArray(payload)
	if err != nil || len(msg) < 3 {
		a.report(fmt.Errorf("redis adapter %s: malformed broadcast: %v", a.nsp.Name(), err))
		return
	}
	if str(msg[0]) == a.uid {
		return
	}
	packet, rawOpts := object(msg[1]), object(msg[2])
	if packet == nil {
		return
	}
	if nsp, ok := packet["nsp"].(string); ok && nsp != a.nsp.Name() || !ok && a.nsp.Name() != "/" {
		return
	}
	data := list(packet["data"])
	if len(data) == 0 {
		return
	}
	opts := fromWireOpts(list(rawOpts["rooms"]), list(rawOpts["except"]), object(rawOpts["flags"]))
	p := &codec.SocketPacket{Type: codec.Event, Nsp: a.nsp.Name(), Data: data}
	if err := a.MemoryAdapter.Broadcast(context.Background(), p, opts); err != nil {
		a.report(err)
	}
}
