package socketio

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/gosio/socketio/codec"
)

// MemoryAdapter is the single-node Adapter: rooms are maps of socket sets
// in memory. A socket's own id room is implicit (not stored), so a socket
// that joins no room costs the adapter nothing.
//
// Concurrency: safe for concurrent use. No adapter lock is held while
// packets are handed to sessions; with ConnectionStateRecovery, recorded
// packets are handed over under the packet log's lock (handing over never
// waits for the network).
type MemoryAdapter struct {
	nsp *Namespace

	log *recoveryLog // nil unless the server has ConnectionStateRecovery

	mu     sync.RWMutex
	rooms  map[string]map[string]struct{}            // guarded by mu; room → socket ids
	sids   map[string]*socketRooms                   // guarded by mu; socket id → rooms
	onRoom func(room string, created, socketID bool) // guarded by mu; see OnRoomChange
}

// OnRoomChange sets fn, called when a room of this node gets its first
// socket (created) or loses its last (what the reference adapter emits as
// "create-room" and "delete-room"). A socket's own id room is reported
// with socketID set, when the socket connects and disconnects. A cluster
// adapter subscribes to per-room channels with it. fn is called with the
// adapter's lock held, in order: it must not block nor call the adapter.
func (a *MemoryAdapter) OnRoomChange(fn func(room string, created, socketID bool)) {
	a.mu.Lock()
	a.onRoom = fn
	a.mu.Unlock()
}

// socketRooms is the set of rooms one socket is in (its own id room
// aside). Sockets are usually in one or two rooms: a short slice then
// costs a fraction of a map (whose first group alone is ~150 bytes), and
// every connected socket pays for it. Past maxRoomList rooms it becomes a
// map, so large sets stay O(1) per operation.
type socketRooms struct {
	list []string            // while set is nil
	set  map[string]struct{} // once the socket is in more than maxRoomList rooms
}

const maxRoomList = 8

func (r *socketRooms) len() int {
	if r.set != nil {
		return len(r.set)
	}
	return len(r.list)
}

// add adds room (the caller has checked it is not there yet).
func (r *socketRooms) add(room string) {
	if r.set == nil && len(r.list) < maxRoomList {
		r.list = append(r.list, room)
		return
	}
	if r.set == nil {
		r.set = make(map[string]struct{}, len(r.list)+1)
		for _, x := range r.list {
			r.set[x] = struct{}{}
		}
		r.list = nil
	}
	r.set[room] = struct{}{}
}

func (r *socketRooms) del(room string) {
	if r.set != nil {
		delete(r.set, room)
		return
	}
	if i := slices.Index(r.list, room); i >= 0 {
		r.list = slices.Delete(r.list, i, i+1)
	}
}

// appendTo appends the rooms to out.
func (r *socketRooms) appendTo(out []string) []string {
	if r.set == nil {
		return append(out, r.list...)
	}
	for x := range r.set {
		out = append(out, x)
	}
	return out
}

var _ Adapter = (*MemoryAdapter)(nil)

// NewMemoryAdapter returns the in-memory adapter of nsp.
func NewMemoryAdapter(nsp *Namespace) *MemoryAdapter {
	a := &MemoryAdapter{nsp: nsp, rooms: make(map[string]map[string]struct{}), sids: make(map[string]*socketRooms)}
	if nsp == nil {
		return a // a bare room set (tests)
	}
	if csr := nsp.srv.opts.ConnectionStateRecovery; csr != nil {
		a.log = newRecoveryLog(*csr)
	}
	return a
}

// AddAll implements Adapter.
func (a *MemoryAdapter) AddAll(id string, rooms []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range rooms {
		if r == id {
			// Implicit; it is "created" when the socket connects (its
			// first AddAll, which namespace.add makes with its id alone).
			if a.onRoom != nil && a.sids[id] == nil {
				a.onRoom(id, true, true)
			}
			continue
		}
		set := a.rooms[r]
		if set == nil {
			set = make(map[string]struct{})
			a.rooms[r] = set
			if a.onRoom != nil {
				a.onRoom(r, true, false)
			}
		}
		if _, in := set[id]; in {
			continue // the room set is authoritative: mine has r too
		}
		set[id] = struct{}{}
		mine := a.sids[id]
		if mine == nil {
			mine = new(socketRooms)
			a.sids[id] = mine
		}
		mine.add(r)
	}
}

// Del implements Adapter.
func (a *MemoryAdapter) Del(id, room string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.delLocked(id, room)
}

func (a *MemoryAdapter) delLocked(id, room string) {
	if _, in := a.rooms[room][id]; !in {
		return // not a member: nothing in sids either
	}
	a.leaveLocked(id, room)
	if mine := a.sids[id]; mine != nil {
		mine.del(room)
		if mine.len() == 0 {
			delete(a.sids, id)
		}
	}
}

// DelAll implements Adapter.
func (a *MemoryAdapter) DelAll(id string) {
	if a.log != nil {
		a.log.mu.Lock()
		delete(a.log.since, id) // gone for good unless persisted (which took it)
		a.log.mu.Unlock()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.onRoom != nil {
		a.onRoom(id, false, true) // the socket's own room: it is leaving
	}
	mine := a.sids[id]
	if mine == nil {
		return
	}
	delete(a.sids, id)
	for _, r := range mine.list { // one of list and set is empty
		a.leaveLocked(id, r)
	}
	for r := range mine.set {
		a.leaveLocked(id, r)
	}
}

// leaveLocked removes id from room's socket set only. mu must be held.
func (a *MemoryAdapter) leaveLocked(id, room string) {
	if set := a.rooms[room]; set != nil {
		delete(set, id)
		if len(set) == 0 {
			delete(a.rooms, room)
			if a.onRoom != nil {
				a.onRoom(room, false, false)
			}
		}
	}
}

// SocketRooms implements Adapter.
func (a *MemoryAdapter) SocketRooms(id string) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	mine := a.sids[id]
	n := 0
	if mine != nil {
		n = mine.len()
	}
	out := make([]string, 0, n+1)
	out = append(out, id)
	if mine != nil {
		out = mine.appendTo(out)
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

// Rooms implements Adapter.
func (a *MemoryAdapter) Rooms() []string {
	n := a.nsp
	n.mu.RLock()
	a.mu.RLock()
	out := make([]string, 0, len(a.rooms)+len(n.sockets))
	for r := range a.rooms {
		if _, isID := n.sockets[r]; !isID {
			out = append(out, r)
		}
	}
	for id := range n.sockets {
		out = append(out, id)
	}
	a.mu.RUnlock()
	n.mu.RUnlock()
	return out
}

// Broadcast implements Adapter: the packet is encoded once and the same
// bytes are queued on every selected socket's session.
func (a *MemoryAdapter) Broadcast(ctx context.Context, p *codec.SocketPacket, opts BroadcastOptions) error {
	return a.broadcast(p, opts, nil, !isOwnEmit(ctx))
}

// BroadcastWithAck implements Adapter. The ack id is the namespace's next
// one; when ctx ends, the sockets that have not answered forget it.
func (a *MemoryAdapter) BroadcastWithAck(ctx context.Context, p *codec.SocketPacket, opts BroadcastOptions, clientCount func(int), onAck func(codec.Args, error)) error {
	q := *p
	q.ID, q.HasID = a.nsp.nextAckID(), true
	var reached []*Socket
	err := a.broadcast(&q, opts, func(socks []*Socket) []*Socket {
		reached = socks[:0]
		now := time.Now()
		for _, s := range socks {
			if s.addAck(q.ID, &pendingAck{fn: onAck, sent: now}, 0) == nil {
				reached = append(reached, s)
			}
		}
		clientCount(len(reached))
		return reached
	}, true)
	if len(reached) > 0 {
		context.AfterFunc(ctx, func() {
			var timedOut uint64
			for _, s := range reached {
				if s.takeAck(q.ID) != nil {
					timedOut++ // neither answered nor disconnected
				}
			}
			if timedOut > 0 {
				a.nsp.srv.counters.ackTimeouts.Add(timedOut)
			}
		})
	}
	return err
}

// broadcast encodes p and hands it to the sockets opts selects (those
// prepare keeps); count adds them to the server's BroadcastRecipients.
func (a *MemoryAdapter) broadcast(p *codec.SocketPacket, opts BroadcastOptions, prepare func([]*Socket) []*Socket, count bool) error {
	if a.log != nil && p.Type == codec.Event && !p.HasID && !opts.Flags.Volatile {
		// Recorded: from the offset to the last recipient's queue under
		// the log's lock, so that every socket gets recorded packets in
		// offset order and a restore sees each packet either missed or
		// delivered, never both.
		// Outgoing listeners (user code) run after the lock is released.
		a.log.mu.Lock()
		q := *p
		q.Data = withOffset(p.Data, a.log.offsetLocked())
		pkts, err := a.nsp.srv.parser.Encode(nil, &q)
		if err != nil {
			a.log.mu.Unlock()
			return err
		}
		if opts.Flags.NoCompress {
			markNoCompress(pkts)
		}
		a.log.appendLocked(pkts, opts, time.Now())
		socks := a.selectSockets(opts)
		if count {
			a.nsp.srv.counters.recipients.Add(uint64(len(socks)))
		}
		deferred := len(socks) > 1
		live := pkts
		if deferred && a.nsp.srv.opts.Engine.PerMessageDeflate != nil {
			// The log keeps pkts without the memo: what the connections
			// compress must not stay in the log, outside its MaxBytes.
			live = slices.Clone(pkts)
			a.nsp.srv.shareFrames(live)
		}
		var notify []*Socket
		for _, s := range socks {
			if s.deliverQuiet(live, false, deferred) {
				notify = append(notify, s)
			}
		}
		a.log.mu.Unlock()
		if len(notify) > 0 {
			event, args := splitEvent(q.Data)
			for _, s := range notify {
				s.notifyOutgoing(event, args)
			}
		}
		return nil
	}
	pkts, err := a.nsp.srv.parser.Encode(nil, p)
	if err != nil {
		return err
	}
	if opts.Flags.NoCompress {
		markNoCompress(pkts)
	}
	return a.deliverTo(pkts, p, opts, prepare, count)
}

// withOffset returns an event's data with offset appended as its last
// argument, without touching data.
func withOffset(data any, offset string) any {
	d, _ := data.([]any)
	return append(d[:len(d):len(d)], offset)
}

func (a *MemoryAdapter) deliverTo(pkts []codec.Packet, p *codec.SocketPacket, opts BroadcastOptions, prepare func([]*Socket) []*Socket, count bool) error {
	socks := a.selectSockets(opts)
	if prepare != nil {
		socks = prepare(socks)
	}
	if count {
		a.nsp.srv.counters.recipients.Add(uint64(len(socks)))
	}
	event, args := splitEvent(p.Data)
	// To one socket, write at once as its own emits do; to many, only
	// queue (session.Session.Enqueue), so that a burst shares writes.
	deferred := len(socks) > 1
	if deferred {
		a.nsp.srv.shareFrames(pkts)
	}
	for _, s := range socks {
		s.deliver(pkts, opts.Flags.Volatile, deferred, event, args)
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
		out[i] = SocketInfo{ID: s.id, Handshake: s.Handshake(), Rooms: s.Rooms(), Data: s.Data()}
	}
	return out, nil
}

// AddSockets implements Adapter.
func (a *MemoryAdapter) AddSockets(_ context.Context, opts BroadcastOptions, rooms []string) error {
	for _, s := range a.selectSockets(opts) {
		s.Join(rooms...)
	}
	return nil
}

// DelSockets implements Adapter.
func (a *MemoryAdapter) DelSockets(_ context.Context, opts BroadcastOptions, rooms []string) error {
	for _, s := range a.selectSockets(opts) {
		for _, r := range rooms {
			s.Leave(r)
		}
	}
	return nil
}

// DisconnectSockets implements Adapter.
func (a *MemoryAdapter) DisconnectSockets(_ context.Context, opts BroadcastOptions, close bool) error {
	for _, s := range a.selectSockets(opts) {
		s.Disconnect(close)
	}
	return nil
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

// PersistSession implements SessionAwareAdapter; without
// ConnectionStateRecovery it does nothing.
func (a *MemoryAdapter) PersistSession(_ context.Context, s *PersistedSession) error {
	if a.log != nil {
		a.log.persist(s, time.Now())
	}
	return nil
}

// RestoreSession implements SessionAwareAdapter; without
// ConnectionStateRecovery it finds nothing.
func (a *MemoryAdapter) RestoreSession(_ context.Context, pid, offset string, connect func(*RestoredSession) bool) (*RestoredSession, error) {
	if a.log == nil {
		return nil, nil
	}
	a.log.mu.Lock()
	defer a.log.mu.Unlock()
	rs, p := a.log.restoreLocked(pid, offset, time.Now())
	if rs != nil && connect != nil && connect(rs) && p.hasSince {
		a.log.since[rs.SID] = p.since // its history goes on from there
	}
	return rs, nil
}

// recordingFrom notes, before socket id joins its rooms, that recorded
// packets from now on are its history (see RestoreSession's empty offset).
func (a *MemoryAdapter) recordingFrom(id string) {
	if a.log != nil {
		a.log.mu.Lock()
		a.log.connectedLocked(id)
		a.log.mu.Unlock()
	}
}
