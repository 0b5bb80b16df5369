package redis

import (
	"context"
	"fmt"
	"sync"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
)

// pending is what a node waits for from the others, shared by the classic
// and the sharded adapter: requests awaiting answers (fetch sockets, all
// rooms, server-side emit with ack) and broadcasts with acks.
//
// Concurrency: safe for concurrent use; callbacks are called without its
// lock held.
type pending struct {
	mu       sync.Mutex
	requests map[string]*request    // guarded by mu
	acks     map[string]*ackRequest // guarded by mu
	closed   bool                   // guarded by mu
}

// request waits for other nodes' answers to a request of this node.
type request struct {
	typ     int
	want    int // answers expected; got, sockets, rooms, answers guarded by pending.mu
	got     int
	sockets []socketio.SocketInfo
	rooms   []string
	answers []codec.Args
	done    chan struct{}
}

// ackRequest routes the answers to a broadcast with acks of this node.
type ackRequest struct {
	clientCount func(int)
	onAck       func(codec.Args, error)
}

func newPending() pending {
	return pending{requests: make(map[string]*request), acks: make(map[string]*ackRequest)}
}

// addAck registers a broadcast with acks under id until ctx ends.
func (p *pending) addAck(ctx context.Context, id string, clientCount func(int), onAck func(codec.Args, error)) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return socketio.ErrDisconnected
	}
	p.acks[id] = &ackRequest{clientCount: clientCount, onAck: onAck}
	p.mu.Unlock()
	context.AfterFunc(ctx, func() {
		p.mu.Lock()
		delete(p.acks, id)
		p.mu.Unlock()
	})
	return nil
}

// addRequest registers a request expecting want answers; nil once closed.
// The caller removes it with takeRequest.
func (p *pending) addRequest(id string, typ, want int) *request {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	r := &request{typ: typ, want: want, done: make(chan struct{})}
	p.requests[id] = r
	return r
}

func (p *pending) takeRequest(id string) {
	p.mu.Lock()
	delete(p.requests, id)
	p.mu.Unlock()
}

// lookup returns what id belongs to, if anything.
func (p *pending) lookup(id string) (*ackRequest, *request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.acks[id], p.requests[id]
}

// record counts one answer to r; the last one completes it.
func (p *pending) record(r *request, socks []socketio.SocketInfo, rooms []string, ans codec.Args) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.got >= r.want {
		return
	}
	r.got++
	r.sockets = append(r.sockets, socks...)
	r.rooms = append(r.rooms, rooms...)
	if ans != nil {
		r.answers = append(r.answers, ans)
	}
	if r.got == r.want {
		close(r.done)
	}
}

// await waits for r to complete, for ctx or for timeout. The answers so far
// are returned with ErrTimeout.
func (p *pending) await(ctx context.Context, r *request, timeout time.Duration) (*request, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-r.done:
		return r, nil
	case <-t.C:
	case <-ctx.Done():
	}
	p.mu.Lock()
	got, want := r.got, r.want
	p.mu.Unlock()
	return r, fmt.Errorf("%w: %d of %d answers", ErrTimeout, got, want)
}

// results copies r's answers so far.
func (p *pending) results(r *request) ([]socketio.SocketInfo, []string, []codec.Args) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]socketio.SocketInfo(nil), r.sockets...), append([]string(nil), r.rooms...), append([]codec.Args(nil), r.answers...)
}

// close refuses new requests; it reports whether this call closed it.
func (p *pending) close() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.closed = true
	return true
}
