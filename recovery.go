package socketio

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gosio/socketio/codec"
)

// Connection state recovery, as socket.io 4.6+ does it (shared notes §5):
// a client whose connection dropped comes back within a window with the
// private id it got in its CONNECT reply ("pid") and the offset of the
// last event it processed; the server gives it back its socket id, rooms
// and Data, and replays the events it missed.
//
// The wire: the CONNECT reply carries {"sid", "pid"}; every event packet
// the server records carries one more argument, its offset (a string),
// which the official client remembers; on reconnection the client's
// CONNECT auth holds {"pid", "offset"} besides the application's own
// fields. Events with an ack id and volatile events are not recorded and
// carry no offset.

// ConnectionStateRecovery turns on connection state recovery
// (Options.ConnectionStateRecovery). The zero value is Node's default.
//
// The packet log and the persisted sessions are bounded in count, bytes and
// age; a client whose session expired, or whose offset has left the log,
// connects as a new socket (Socket.Recovered is false), as in Node when
// the offset is too old.
type ConnectionStateRecovery struct {
	// MaxDisconnectionDuration is how long a disconnected socket's state
	// and the packets sent meanwhile are kept. Zero means 2 minutes.
	MaxDisconnectionDuration time.Duration
	// RunMiddlewares runs the namespace's middleware for a recovered
	// socket too. False (the default) skips it, as Node's
	// skipMiddlewares: true does: the socket was admitted before.
	RunMiddlewares bool
	// MaxPackets and MaxBytes bound each namespace's packet log (bytes
	// as encoded). Zero means 100,000 packets and 64 MiB.
	MaxPackets int
	MaxBytes   int64
	// MaxSessions bounds each namespace's persisted sessions; the oldest
	// go first. Zero means 100,000.
	MaxSessions int
}

func (o ConnectionStateRecovery) withDefaults() ConnectionStateRecovery {
	if o.MaxDisconnectionDuration <= 0 {
		o.MaxDisconnectionDuration = 2 * time.Minute
	}
	if o.MaxPackets <= 0 {
		o.MaxPackets = 100_000
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 64 << 20
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 100_000
	}
	return o
}

// PersistedSession is the state of a socket that disconnected for a
// reason a client recovers from (transport close or error, ping timeout,
// forced close, server shutdown).
type PersistedSession struct {
	SID   string   // the socket id, given back on recovery
	PID   string   // the private id the client proves itself with
	Rooms []string // the rooms it was in, its own id included
	Data  any      // Socket.Data
}

// RestoredSession is a persisted session found again, with the packets
// the socket missed since the client's offset, oldest first. Each packet
// is one Socket.IO packet as encoded by the server's parser (its Engine.IO
// messages, attachments included), offset included.
type RestoredSession struct {
	PersistedSession
	MissedPackets [][]codec.Packet
}

// SessionAwareAdapter is an Adapter that supports connection state
// recovery. MemoryAdapter does (so do adapters embedding it, such as
// adapter/redis, for clients that reconnect to the same node: the log
// is per node). With an adapter that does not, clients still get a pid
// but are never recovered, like Node's adapters without it.
//
// Such an adapter records in Broadcast when the server has recovery on:
// it appends an offset (a string, the packet's last argument) to each
// event packet that has no ack id and is not volatile, records it, and
// delivers it so that every socket receives recorded packets in the
// order of their offsets. A socket's own emits reach it as Local
// broadcasts to its id room (an adapter whose log is shared by several
// nodes must record those too).
type SessionAwareAdapter interface {
	Adapter
	// PersistSession keeps s for MaxDisconnectionDuration.
	PersistSession(ctx context.Context, s *PersistedSession) error
	// RestoreSession finds pid's session and the packets after offset
	// sent to its rooms; the session stays until it expires, as in Node
	// (the namespace refuses to restore a socket id that is connected).
	// An empty offset (a client that had received no recorded event)
	// means every packet since the socket first connected, if the
	// adapter knows when that was; an offset from before it counts from
	// then too. It returns nil, nil when the session is unknown or
	// expired or the packets after offset are no longer all in the log.
	// When connect is non-nil it is called before RestoreSession returns,
	// at a point where no recorded packet can reach the session's rooms
	// between the computation of MissedPackets and connect's return: the
	// namespace joins the socket to its rooms and queues the missed
	// packets there, and reports whether the socket connected.
	RestoreSession(ctx context.Context, pid, offset string, connect func(*RestoredSession) bool) (*RestoredSession, error)
}

// recoverableReasons are the disconnect reasons that persist a session
// (Node's RECOVERABLE_DISCONNECT_REASONS).
func recoverableReason(reason string) bool {
	switch reason {
	case ReasonTransportError, ReasonTransportClose, ReasonForcedClose, ReasonPingTimeout,
		ReasonServerShutdown, "forced server close":
		return true
	}
	return false
}

// recoveryLog is a MemoryAdapter's packet log and persisted sessions.
type recoveryLog struct {
	cfg    ConnectionStateRecovery
	prefix string // makes offsets of another log (or process) unknown here

	mu      sync.Mutex            // held from recording a packet to queueing it on every recipient
	entries []logEntry            // guarded by mu; oldest first, from head
	head    int                   // guarded by mu
	first   uint64                // guarded by mu; seq of entries[head]
	next    uint64                // guarded by mu; seq of the next packet
	bytes   int64                 // guarded by mu
	byPID   map[string]*persisted // guarded by mu
	since   map[string]uint64     // guarded by mu; by connected socket id: seq of the first packet it could get
	order   []persistedAt         // guarded by mu; persist order, for expiry and eviction (may hold stale pids)
}

type logEntry struct {
	pkts   []codec.Packet
	rooms  []string
	except []string
	size   int64
	at     time.Time
}

type persisted struct {
	PersistedSession
	at       time.Time
	since    uint64 // see recoveryLog.since
	hasSince bool
}

type persistedAt struct {
	pid string
	at  time.Time
}

func newRecoveryLog(cfg ConnectionStateRecovery) *recoveryLog {
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[:4]))|uint64(b[4])<<32|uint64(b[5])<<40, 36) + "-"
	return &recoveryLog{cfg: cfg.withDefaults(), prefix: prefix, byPID: make(map[string]*persisted), since: make(map[string]uint64)}
}

// offsetLocked returns the offset of the next packet.
func (l *recoveryLog) offsetLocked() string {
	return l.prefix + strconv.FormatUint(l.next, 36)
}

// appendLocked records the next packet (its offset is offsetLocked's).
func (l *recoveryLog) appendLocked(pkts []codec.Packet, opts BroadcastOptions, now time.Time) {
	var size int64
	for _, p := range pkts {
		size += int64(len(p.Data)) + 1
	}
	if l.len() == 0 {
		l.first = l.next
	}
	l.entries = append(l.entries, logEntry{pkts: pkts, rooms: opts.Rooms, except: opts.Except, size: size, at: now})
	l.next++
	l.bytes += size
	l.pruneLocked(now)
}

func (l *recoveryLog) len() int { return len(l.entries) - l.head }

// pruneLocked drops packets past the log's bounds, oldest first.
func (l *recoveryLog) pruneLocked(now time.Time) {
	expired := now.Add(-l.cfg.MaxDisconnectionDuration)
	for l.len() > 0 {
		e := &l.entries[l.head]
		if l.len() <= l.cfg.MaxPackets && l.bytes <= l.cfg.MaxBytes && !e.at.Before(expired) {
			break
		}
		l.bytes -= e.size
		*e = logEntry{}
		l.head++
		l.first++
	}
	if l.head > 0 && l.head >= len(l.entries)/2 {
		n := copy(l.entries, l.entries[l.head:])
		clear(l.entries[n:])
		l.entries = l.entries[:n]
		l.head = 0
	}
}

// seqOf returns the sequence number of an offset this log issued.
func (l *recoveryLog) seqOf(offset string) (uint64, bool) {
	rest, ok := strings.CutPrefix(offset, l.prefix)
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseUint(rest, 36, 64)
	if err != nil || strconv.FormatUint(seq, 36) != rest || seq >= l.next { // only offsets as issued ("02", "A" are not)
		return 0, false
	}
	return seq, true
}

// connectedLocked notes that socket sid has connected: the packets from
// the next one on are its history.
func (l *recoveryLog) connectedLocked(sid string) {
	if _, ok := l.since[sid]; !ok {
		l.since[sid] = l.next
	}
}

func (l *recoveryLog) persist(s *PersistedSession, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	since, hasSince := l.since[s.SID]
	delete(l.since, s.SID)
	l.byPID[s.PID] = &persisted{PersistedSession: *s, at: now, since: since, hasSince: hasSince}
	l.order = append(l.order, persistedAt{s.PID, now})
	l.pruneSessionsLocked(now)
}

// pruneSessionsLocked forgets expired sessions and, past MaxSessions, the
// oldest.
func (l *recoveryLog) pruneSessionsLocked(now time.Time) {
	expired := now.Add(-l.cfg.MaxDisconnectionDuration)
	i := 0
	for ; i < len(l.order); i++ {
		o := l.order[i]
		p := l.byPID[o.pid]
		if p == nil || !p.at.Equal(o.at) {
			continue // restored, or persisted again later
		}
		if !o.at.Before(expired) && len(l.byPID) <= l.cfg.MaxSessions {
			break
		}
		delete(l.byPID, o.pid)
	}
	if i > 0 {
		n := copy(l.order, l.order[i:])
		clear(l.order[n:])
		l.order = l.order[:n]
	}
}

// restoreLocked finds pid's session and what it missed after offset (see
// SessionAwareAdapter.RestoreSession).
func (l *recoveryLog) restoreLocked(pid, offset string, now time.Time) (*RestoredSession, *persisted) {
	l.pruneSessionsLocked(now)
	l.pruneLocked(now)
	p := l.byPID[pid]
	if p == nil {
		return nil, nil
	}
	var start uint64 // seq of the first packet to replay
	if offset == "" {
		if !p.hasSince {
			return nil, nil
		}
		start = p.since
	} else {
		seq, ok := l.seqOf(offset)
		if !ok {
			return nil, nil
		}
		start = seq + 1
		if p.hasSince && p.since > start {
			start = p.since // the client's offset is from an earlier socket
		}
	}
	if start < l.first && l.len() > 0 || start > l.next {
		return nil, nil // pruned: packets it missed are gone
	}
	rs := &RestoredSession{PersistedSession: p.PersistedSession}
	if l.len() > 0 && start < l.next {
		for _, e := range l.entries[l.head+int(start-l.first):] {
			if includes(p.Rooms, e.rooms, e.except) {
				rs.MissedPackets = append(rs.MissedPackets, e.pkts)
			}
		}
	}
	return rs, p
}

// includes reports whether a packet sent to rooms except except reached a
// socket in socketRooms (Node's shouldIncludePacket).
func includes(socketRooms, rooms, except []string) bool {
	in := len(rooms) == 0
	for _, r := range socketRooms {
		for _, x := range except {
			if r == x {
				return false
			}
		}
		if !in {
			for _, t := range rooms {
				if r == t {
					in = true
					break
				}
			}
		}
	}
	return in
}

// recoveryAuth reads the pid and offset a reconnecting client puts in its
// CONNECT auth payload; ok is false unless pid is a string and offset is
// a string or absent.
//
// Node requires both. The official client sends no offset when it had
// received no recorded event before the drop; such a client is recovered
// here too, from when its socket connected.
func recoveryAuth(auth codec.Args) (pid, offset string, ok bool) {
	if auth == nil || auth.Len() == 0 {
		return "", "", false
	}
	var v struct {
		PID    *string         `json:"pid"`
		Offset json.RawMessage `json:"offset"`
	}
	if auth.Decode(0, &v) != nil || v.PID == nil {
		return "", "", false
	}
	if len(v.Offset) > 0 && string(v.Offset) != "null" {
		if json.Unmarshal(v.Offset, &offset) != nil {
			return "", "", false // an offset, but not a string
		}
	}
	return *v.PID, offset, true
}

// restore connects sock as the recovered rs.SID if the adapter still has
// pid's session and offset; it reports whether it did. sock has been
// through the middleware (or is let through without it).
//
// A client back with its pid while its old socket is still connected here
// (the old connection is dead but not yet seen so: a killed long-poll, a
// reconnection faster than the read error) takes over: the old
// connection is closed and its socket disconnects ("transport close") and
// persists its session before the restore.
func (n *Namespace) restore(c *client, sock *Socket, sa SessionAwareAdapter, pid, offset string) bool {
	n.mu.RLock()
	old := n.byPID[pid]
	n.mu.RUnlock()
	if old != nil && old.client != c {
		old.client.closeWith(ReasonTransportClose, nil)
		select {
		case <-old.gone:
		case <-time.After(takeoverWait):
			return false // its handlers are stuck: a new socket
		}
	}
	connected := false
	_, err := sa.RestoreSession(context.Background(), pid, offset, func(rs *RestoredSession) bool {
		connected = n.connectRecovered(c, sock, rs)
		return connected
	})
	if err != nil {
		n.srv.reportError(err)
	}
	return connected
}

// takeoverWait bounds the wait for an old socket to disconnect when its
// client comes back (see restore).
const takeoverWait = 5 * time.Second

// connectRecovered gives sock rs's identity, rooms and data, queues the
// CONNECT reply, then the missed packets. It runs while the adapter keeps
// recorded packets from rs's rooms (see SessionAwareAdapter.RestoreSession),
// so none is missed or doubled.
//
// Node writes the missed packets first. socket.io-client holds events that
// come before a CONNECT reply and emits them when it comes; if the
// connection dies in between, it keeps them, and emits them with the next
// connection's replay of the same packets: duplicates (seen under the
// fault tests). After the reply, each replayed event is emitted, and its
// offset recorded, as it arrives.
func (n *Namespace) connectRecovered(c *client, sock *Socket, rs *RestoredSession) bool {
	var count int
	var bytes int64
	for _, pkts := range rs.MissedPackets {
		for _, p := range pkts {
			count++
			bytes += int64(len(p.Data)) + 1
		}
	}
	maxPackets, maxBytes := n.srv.engine.QueueLimits()
	if (maxPackets > 0 && count > maxPackets/2) || (maxBytes > 0 && bytes > maxBytes/2) {
		// The replay would overflow the session's queue and close it,
		// and the client would come back for the same replay.
		return false
	}
	n.mu.Lock()
	if n.sockets[rs.SID] != nil {
		n.mu.Unlock()
		return false // restored already by another connection, still connected
	}
	n.mu.Unlock()
	sock.mu.Lock()
	sock.id, sock.pid, sock.recovered, sock.data = rs.SID, rs.PID, true, rs.Data
	sock.mu.Unlock()
	if !c.attach(sock) {
		return false
	}
	n.addSocket(sock)
	n.adapter.AddAll(sock.id, rs.Rooms)
	sock.markConnected()
	_ = c.sendPacket(&codec.SocketPacket{Type: codec.Connect, Nsp: n.name, Data: connectPayload{SID: sock.id, PID: sock.pid}})
	for _, pkts := range rs.MissedPackets {
		if c.conn.Send(pkts...) != nil {
			break // closed: the socket is disconnected with the session
		}
	}
	return true
}
