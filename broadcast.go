package socketio

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gosio/socketio/codec"
)

// BroadcastOperator selects sockets of a namespace and acts on them:
// emit, emit with acks, fetch, join, leave, disconnect. It is an immutable
// builder: each method returns a new operator, so one can be shared and
// extended safely from any goroutine.
type BroadcastOperator struct {
	nsp    *Namespace
	rooms  []string
	except []string
	flags  BroadcastFlags
}

func (b *BroadcastOperator) clone() *BroadcastOperator {
	c := *b
	c.rooms = append([]string(nil), b.rooms...)
	c.except = append([]string(nil), b.except...)
	return &c
}

// To adds rooms to the selection (union).
func (b *BroadcastOperator) To(rooms ...string) *BroadcastOperator {
	c := b.clone()
	c.rooms = append(c.rooms, rooms...)
	return c
}

// In is an alias of To.
func (b *BroadcastOperator) In(rooms ...string) *BroadcastOperator { return b.To(rooms...) }

// Except excludes the sockets of rooms (socket ids included).
func (b *BroadcastOperator) Except(rooms ...string) *BroadcastOperator {
	c := b.clone()
	c.except = append(c.except, rooms...)
	return c
}

// Volatile drops the event for clients not ready to receive it at once
// (their outgoing queue is not empty), instead of queueing it.
func (b *BroadcastOperator) Volatile() *BroadcastOperator {
	c := b.clone()
	c.flags.Volatile = true
	return c
}

// Local restricts the operation to this node.
func (b *BroadcastOperator) Local() *BroadcastOperator {
	c := b.clone()
	c.flags.Local = true
	return c
}

// Compress(false) sends the event uncompressed, whatever the transport
// negotiated; compression is on by default, as in Node (Compress(true)
// only undoes an earlier Compress(false)).
func (b *BroadcastOperator) Compress(v bool) *BroadcastOperator {
	c := b.clone()
	c.flags.NoCompress = !v
	return c
}

// Timeout bounds how long EmitWithAck (or Emit with an ack callback)
// waits for acks.
func (b *BroadcastOperator) Timeout(d time.Duration) *BroadcastOperator {
	c := b.clone()
	c.flags.Timeout = d
	return c
}

func (b *BroadcastOperator) options() BroadcastOptions {
	return BroadcastOptions{Rooms: b.rooms, Except: b.except, Flags: b.flags}
}

// targets are the namespaces an operation applies to: the namespace, or
// every child of a dynamic namespace.
func (b *BroadcastOperator) targets() []*Namespace {
	if b.nsp.parent != nil {
		return b.nsp.parent.children()
	}
	return []*Namespace{b.nsp}
}

// Emit sends an event to the selected sockets, each at most once. If the
// last argument is a func(error, []Args) it receives the acks of
// every socket reached, on a goroutine of its own, once all have answered
// or disconnected, or after Timeout (Options.AckTimeout, 60 s by default,
// without one) with ErrAckTimeout if some are missing. Shutdown waits for
// it.
func (b *BroadcastOperator) Emit(event string, args ...any) error {
	if codec.IsReservedEvent(event) {
		return ErrReservedEvent
	}
	if n := len(args); n > 0 {
		if cb, ok := args[n-1].(func(error, []codec.Args)); ok {
			args = args[:n-1]
			op := b
			if op.flags.Timeout <= 0 {
				if d := b.nsp.srv.opts.AckTimeout; d > 0 {
					op = op.Timeout(d)
				}
			}
			b.nsp.srv.counters.broadcasts.Add(1) // before Emit returns, not when the goroutine runs
			b.nsp.srv.goTracked(func() {
				res, err := op.emitWithAck(context.Background(), event, args)
				b.nsp.srv.safeCall(event, func() { cb(err, res) })
			})
			return nil
		}
	}
	b.nsp.srv.counters.broadcasts.Add(1)
	var errs []error
	for _, n := range b.targets() {
		p := &codec.SocketPacket{Type: codec.Event, Nsp: n.name, Data: eventData(event, args)}
		if err := n.adapter.Broadcast(context.Background(), p, b.options()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func eventData(event string, args []any) []any {
	data := make([]any, 0, len(args)+1)
	data = append(data, event)
	return append(data, args...)
}

// EmitWithAck sends an event to the selected sockets and collects one ack
// from each, until all have answered or disconnected, the operator's
// Timeout elapses or ctx is done. It returns the answers received and, if
// some are missing, ErrAckTimeout (wrapping ctx's error) when time ran
// out, or ErrDisconnected when every missing socket disconnected.
func (b *BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]Args, error) {
	if codec.IsReservedEvent(event) {
		return nil, ErrReservedEvent
	}
	b.nsp.srv.counters.broadcasts.Add(1)
	return b.emitWithAck(ctx, event, args)
}

// emitWithAck is EmitWithAck without the event check and the count.
func (b *BroadcastOperator) emitWithAck(ctx context.Context, event string, args []any) ([]codec.Args, error) {
	var cancel context.CancelFunc
	if b.flags.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, b.flags.Timeout)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	// Ending ctx on return lets the adapters forget the acks still
	// pending (see Adapter.BroadcastWithAck).
	defer cancel()
	col := &ackCollector{done: make(chan struct{}), single: b.flags.ExpectSingleResponse}
	for _, n := range b.targets() {
		servers, err := n.adapter.ServerCount(ctx)
		if err != nil {
			return nil, err
		}
		col.add(servers)
		p := &codec.SocketPacket{Type: codec.Event, Nsp: n.name, Data: eventData(event, args)}
		if err := n.adapter.BroadcastWithAck(ctx, p, b.options(), col.clientCount, col.ack); err != nil {
			return nil, err
		}
	}
	col.check() // no target at all (a dynamic namespace without children)
	select {
	case <-col.done:
		return col.result()
	case <-ctx.Done():
		res, _ := col.result()
		return res, ackTimeoutError(context.Cause(ctx))
	}
}

// ackCollector counts a broadcast's acks: it is complete when every node
// has reported how many clients it reached and that many have answered
// or disconnected.
type ackCollector struct {
	mu        sync.Mutex
	servers   int // client counts still expected
	expected  int
	lost      int  // recipients that disconnected without answering
	single    bool // ExpectSingleResponse: the first answer completes
	responses []codec.Args
	done      chan struct{}
	closed    bool
}

func (c *ackCollector) add(servers int) {
	c.mu.Lock()
	c.servers += servers
	c.mu.Unlock()
}

func (c *ackCollector) clientCount(n int) {
	c.mu.Lock()
	c.servers--
	c.expected += n
	c.checkLocked()
	c.mu.Unlock()
}

func (c *ackCollector) ack(a codec.Args, err error) {
	c.mu.Lock()
	if err != nil {
		c.lost++
	} else {
		c.responses = append(c.responses, a)
	}
	c.checkLocked()
	c.mu.Unlock()
}

func (c *ackCollector) check() {
	c.mu.Lock()
	c.checkLocked()
	c.mu.Unlock()
}

func (c *ackCollector) checkLocked() {
	if c.closed {
		return
	}
	if (c.single && len(c.responses) > 0) || (c.servers == 0 && len(c.responses)+c.lost >= c.expected) {
		c.closed = true
		close(c.done)
	}
}

// result returns the answers so far and, if recipients disconnected
// without answering, an error saying how many.
func (c *ackCollector) result() ([]codec.Args, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	if c.lost > 0 {
		err = fmt.Errorf("%w: %d of %d recipients before answering", ErrDisconnected, c.lost, c.expected)
	}
	return append([]codec.Args(nil), c.responses...), err
}

// FetchSockets describes the selected sockets, on every node.
func (b *BroadcastOperator) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	var out []*RemoteSocket
	for _, n := range b.targets() {
		infos, err := n.adapter.FetchSockets(ctx, b.options())
		if err != nil {
			return nil, err
		}
		for _, info := range infos {
			out = append(out, &RemoteSocket{SocketInfo: info, nsp: n})
		}
	}
	return out, nil
}

// SocketsJoin makes the selected sockets join rooms, on every node.
func (b *BroadcastOperator) SocketsJoin(rooms ...string) error {
	return b.each(func(n *Namespace) error { return n.adapter.AddSockets(context.Background(), b.options(), rooms) })
}

// SocketsLeave makes the selected sockets leave rooms, on every node.
func (b *BroadcastOperator) SocketsLeave(rooms ...string) error {
	return b.each(func(n *Namespace) error { return n.adapter.DelSockets(context.Background(), b.options(), rooms) })
}

// DisconnectSockets disconnects the selected sockets, on every node; with
// close their connections are closed too.
func (b *BroadcastOperator) DisconnectSockets(close bool) error {
	return b.each(func(n *Namespace) error {
		return n.adapter.DisconnectSockets(context.Background(), b.options(), close)
	})
}

// each runs fn for every target namespace and joins the errors.
func (b *BroadcastOperator) each(fn func(*Namespace) error) error {
	var errs []error
	for _, n := range b.targets() {
		if err := fn(n); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RemoteSocket is a socket returned by FetchSockets: a description plus
// operations that reach it wherever it is connected.
type RemoteSocket struct {
	SocketInfo
	nsp *Namespace
}

func (r *RemoteSocket) op() *BroadcastOperator { return r.nsp.op().To(r.ID) }

// Emit sends an event to the socket.
func (r *RemoteSocket) Emit(event string, args ...any) error { return r.op().Emit(event, args...) }

// EmitWithAck sends an event to the socket and waits for its ack, until
// ctx is done (ErrAckTimeout) or the socket disconnects (ErrDisconnected).
func (r *RemoteSocket) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	op := r.op().clone()
	op.flags.ExpectSingleResponse = true
	res, err := op.EmitWithAck(ctx, event, args...)
	if len(res) > 0 {
		return res[0], nil
	}
	if err == nil {
		err = ErrDisconnected // reached no socket: it is gone
	}
	return nil, err
}

// Join makes the socket join rooms.
func (r *RemoteSocket) Join(rooms ...string) error { return r.op().SocketsJoin(rooms...) }

// Leave makes the socket leave rooms.
func (r *RemoteSocket) Leave(rooms ...string) error { return r.op().SocketsLeave(rooms...) }

// Disconnect disconnects the socket.
func (r *RemoteSocket) Disconnect(close bool) error { return r.op().DisconnectSockets(close) }
