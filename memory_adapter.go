package socketio

import (
	"context"
	"sync"

	"github.com/gosio/socketio/codec"
)

// MemoryAdapter is the single-node Adapter: rooms are maps of socket sets
// in memory. A socket's own id room is implicit (not stored), so a socket
// that joins no room costs the adapter nothing.
//
// Concurrency: safe for concurrent use; no lock is held while packets are
// handed to sessions.
type MemoryAdapter struct {
	nsp *Namespace

	mu    sync.RWMutex
	rooms map[string]map[string]struct{} // guarded by mu; room → socket ids
	sids  map[string]map[string]struct{} // guarded by mu; socket id → rooms
}

var _ Adapter = (*MemoryAdapter)(nil)

// NewMemoryAdapter returns the in-memory adapter of nsp.
func NewMemoryAdapter(nsp *Namespace) *MemoryAdapter {
	return &MemoryAdapter{nsp: nsp, rooms: make(map[string]map[string]struct{}), sids: make(map[string]map[string]struct{})}
}

// AddAll implements Adapter.
func (a *MemoryAdapter) AddAll(id string, rooms []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range rooms {
		if r == id {
			continue // implicit
		}
		set := a.rooms[r]
		if set == nil {
			set = make(map[string]struct{})
			a.rooms[r] = set
		}
		set[id] = struct{}{}
		mine := a.sids[id]
		if mine == nil {
			mine = make(map[string]struct{})
			a.sids[id] = mine
		}
		mine[r] = struct{}{}
	}
}

// Del implements Adapter.
func (a *MemoryAdapter) Del(id, room string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.delLocked(id, room)
}

func (a *MemoryAdapter) delLocked(id, room string) {
	if set := a.rooms[room]; set != nil {
		delete(set, id)
		if len(set) == 0 {
			delete(a.rooms, room)
		}
	}
	if mine := a.sids[id]; mine != nil {
		delete(mine, room)
		if len(mine) == 0 {
			delete(a.sids, id)
		}
	}
}

// DelAll implements Adapter.
func (a *MemoryAdapter) DelAll(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for r := range a.sids[id] {
		a.delLocked(id, r)
	}
}

// SocketRooms implements Adapter.
func (a *MemoryAdapter) SocketRooms(id string) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]string, 0, len(a.sids[id])+1)
	out = append(out, id)
	for r := range a.sids[id] {
		out = append(out, r)
	}
	return out
}

// Sockets implements Adapter.
func (a *MemoryAdapter) Sockets(opts BroadcastOptions) []string {
	socks := a.selectSockets(opts)
	ids := make([]string, len(socks))
	for i, s := range socks {
		ids[i] = s.id
	}
	return ids
}

// selectSockets returns the local sockets opts selects, each once.
func (a *MemoryAdapter) selectSockets(opts BroadcastOptions) []*Socket {
	n := a.nsp
	a.mu.RLock()
	var except map[string]struct{}
	if len(opts.Except) > 0 {
		except = make(map[string]struct{})
		for _, r := range opts.Except {
			except[r] = struct{}{} // a socket id room
			for id := range a.rooms[r] {
				except[id] = struct{}{}
			}
		}
	}
	var ids []string
	if len(opts.Rooms) > 0 {
		seen := make(map[string]struct{})
		add := func(id string) {
			if _, dup := seen[id]; dup {
				return
			}
			seen[id] = struct{}{}
			if _, no := except[id]; !no {
				ids = append(ids, id)
			}
		}
		for _, r := range opts.Rooms {
			for id := range a.rooms[r] {
				add(id)
			}
			add(r) // maybe a socket id room; filtered below
		}
	}
	a.mu.RUnlock()

	n.mu.RLock()
	defer n.mu.RUnlock()
	if len(opts.Rooms) == 0 {
		out := make([]*Socket, 0, len(n.sockets))
		for id, s := range n.sockets {
			if _, no := except[id]; !no {
				out = append(out, s)
			}
		}
		return out
	}
	out := make([]*Socket, 0, len(ids))
	for _, id := range ids {
		if s := n.sockets[id]; s != nil {
			out = append(out, s)
		}
	}
	return out
}

// Broadcast implements Adapter: the packet is encoded once and the same
// bytes are queued on every selected socket's session.
func (a *MemoryAdapter) Broadcast(p *codec.SocketPacket, opts BroadcastOptions) error {
	return a.broadcast(p, opts, nil)
}

// BroadcastWithAck implements Adapter.
func (a *MemoryAdapter) BroadcastWithAck(p *codec.SocketPacket, opts BroadcastOptions, clientCount func(int), onAck func(codec.Args)) error {
	return a.broadcast(p, opts, func(socks []*Socket) []*Socket {
		reached := socks[:0]
		for _, s := range socks {
			if s.addAck(p.ID, &pendingAck{fn: onAck}) {
				reached = append(reached, s)
			}
		}
		clientCount(len(reached))
		return reached
	})
}

func (a *MemoryAdapter) broadcast(p *codec.SocketPacket, opts BroadcastOptions, prepare func([]*Socket) []*Socket) error {
	pkts, err := a.nsp.srv.parser.Encode(nil, p)
	if err != nil {
		return err
	}
	socks := a.selectSockets(opts)
	if prepare != nil {
		socks = prepare(socks)
	}
	event, args := splitEvent(p.Data)
	for _, s := range socks {
		s.deliver(pkts, opts.Flags.Volatile, event, args)
	}
	return nil
}

func splitEvent(data any) (string, []any) {
	d, _ := data.([]any)
	if len(d) == 0 {
		return "", nil
	}
	name, _ := d[0].(string)
	return name, d[1:]
}

// FetchSockets implements Adapter.
func (a *MemoryAdapter) FetchSockets(_ context.Context, opts BroadcastOptions) ([]SocketInfo, error) {
	socks := a.selectSockets(opts)
	out := make([]SocketInfo, len(socks))
	for i, s := range socks {
		out[i] = SocketInfo{ID: s.id, Handshake: s.handshake, Rooms: s.Rooms(), Data: s.Data()}
	}
	return out, nil
}

// AddSockets implements Adapter.
func (a *MemoryAdapter) AddSockets(opts BroadcastOptions, rooms []string) {
	for _, s := range a.selectSockets(opts) {
		s.Join(rooms...)
	}
}

// DelSockets implements Adapter.
func (a *MemoryAdapter) DelSockets(opts BroadcastOptions, rooms []string) {
	for _, s := range a.selectSockets(opts) {
		for _, r := range rooms {
			s.Leave(r)
		}
	}
}

// DisconnectSockets implements Adapter.
func (a *MemoryAdapter) DisconnectSockets(opts BroadcastOptions, close bool) {
	for _, s := range a.selectSockets(opts) {
		s.Disconnect(close)
	}
}

// ServerSideEmit implements Adapter: a single node has no peers, so there
// is nothing to send and no ack to wait for.
func (a *MemoryAdapter) ServerSideEmit(context.Context, []any, func(codec.Args)) error {
	return nil
}

// ServerCount implements Adapter.
func (a *MemoryAdapter) ServerCount(context.Context) (int, error) { return 1, nil }

// Close implements Adapter.
func (a *MemoryAdapter) Close() error { return nil }
