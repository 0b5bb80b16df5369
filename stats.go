package socketio

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/gosio/socketio/session"
)

// Stats is a snapshot of a Server's counters, returned by Server.Stats:
// what package metrics/prometheus exports, and what a dashboard can poll.
// Counters (uint64 fields, the maps' values but Sockets') only grow for the
// life of the Server; Sockets is a gauge. Fields are read one at a time
// while the server runs, so two of them may disagree by the events in
// flight. A Stats is a value the caller owns: nothing else refers to its
// maps and slices.
type Stats struct {
	// Engine is the Engine.IO layer's snapshot: sessions, close reasons,
	// handshake refusals, packets and bytes, queue overflows, parked
	// readers (see session.Stats). Socket.IO 0.6 connections
	// (Options.Legacy06) are not Engine.IO sessions and are not in it;
	// their sockets are in the fields below.
	Engine session.Stats

	// Sockets is the number of sockets connected to each namespace of
	// this node now, dynamic namespaces' children included; every
	// namespace has a key, zero included.
	Sockets map[string]int
	// Connects counts sockets connected to a namespace (CONNECTs accepted,
	// recovered sessions included).
	Connects uint64
	// Disconnects counts socket disconnections by reason, with a key for
	// every reason a socket can have, zero included (see the Reason
	// constants).
	Disconnects map[string]uint64
	// ConnectRefusals counts the namespace CONNECTs answered with a
	// CONNECT_ERROR, by cause, every key present: "middleware" (a
	// middleware returned an error), "invalid_namespace" (no such
	// namespace), "namespace_unavailable" (a dynamic namespace's adapter
	// could not be created).
	ConnectRefusals map[string]uint64

	// Broadcasts counts the broadcast operations started on this server:
	// Emit and EmitWithAck of a BroadcastOperator (Server.Emit,
	// Namespace.To(...).Emit, Socket.Broadcast().Emit, ...), once each,
	// whatever the number of namespaces or recipients.
	Broadcasts uint64
	// BroadcastRecipients counts the sockets of this node a broadcast's
	// packet was handed to, once per socket: the fan-out. With a cluster
	// adapter it includes the broadcasts of other nodes delivered here. A
	// volatile broadcast counts the sockets it was offered to.
	BroadcastRecipients uint64

	// AcksRequested counts the acks the server asked clients for:
	// Socket.Emit with a callback, Socket.EmitWithAck, and one per
	// recipient of a broadcast with an ack.
	AcksRequested uint64
	// AckTimeouts counts those that ran out of time: the callback's
	// Timeout or Options.AckTimeout, EmitWithAck's ctx, a broadcast's
	// timeout or ctx. Acks failed by a disconnection are neither answered
	// nor timed out.
	AckTimeouts uint64
	// AckLatency is the distribution of the time from a request to its
	// answer, for the acks answered.
	AckLatency Histogram
}

// Histogram is a distribution of durations in fixed buckets, a value
// like the Stats it is part of.
type Histogram struct {
	// Buckets are cumulative, in increasing order of UpperBound: each
	// counts the observations of at most its UpperBound. Observations
	// above the last bound are only in Count.
	Buckets []Bucket
	// Count is the number of observations; Sum is their total.
	Count uint64
	Sum   time.Duration
}

// Bucket is one bucket of a Histogram (a value).
type Bucket struct {
	UpperBound time.Duration
	Count      uint64
}

// ackBounds are the upper bounds of AckLatency's buckets.
var ackBounds = [...]time.Duration{
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond, 10 * time.Millisecond,
	25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond,
	500 * time.Millisecond, time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second,
}

// Disconnect reasons and CONNECT refusal causes, indexed in counters.
var disconnectReasons = [...]string{
	ReasonTransportClose, ReasonTransportError, ReasonPingTimeout, ReasonParseError,
	ReasonForcedClose, ReasonServerShutdown, ReasonServerNamespaceDisconnect, ReasonClientNamespaceDisconnect,
}

const otherReason = len(disconnectReasons) // any other reason (none is known)

func disconnectIndex(reason string) int {
	for i, r := range disconnectReasons {
		if r == reason {
			return i
		}
	}
	return otherReason
}

type refusalCause uint8

const (
	refusedByMiddleware refusalCause = iota
	refusedInvalidNamespace
	refusedNamespaceUnavailable
	numRefusalCauses
)

var refusalCauses = [numRefusalCauses]string{
	refusedByMiddleware:         "middleware",
	refusedInvalidNamespace:     "invalid_namespace",
	refusedNamespaceUnavailable: "namespace_unavailable",
}

// counters are the Socket.IO layer's statistics, kept with atomic adds
// where the events happen; none is touched per incoming packet.
type counters struct {
	connects    atomic.Uint64
	disconnects [len(disconnectReasons) + 1]atomic.Uint64
	refusals    [numRefusalCauses]atomic.Uint64
	broadcasts  atomic.Uint64
	recipients  atomic.Uint64
	acks        atomic.Uint64
	ackTimeouts atomic.Uint64
	ackBuckets  [len(ackBounds) + 1]atomic.Uint64 // not cumulative; the last is above every bound
	ackSum      atomic.Int64                      // nanoseconds
}

// ackAnswered records the latency of an answered ack.
func (c *counters) ackAnswered(d time.Duration) {
	i := 0
	for i < len(ackBounds) && d > ackBounds[i] {
		i++
	}
	c.ackBuckets[i].Add(1)
	c.ackSum.Add(int64(d))
}

// Stats returns a snapshot of the server's counters. It walks the
// namespaces (for Sockets) and the Engine.IO sessions (see
// session.Server.Stats): call it when metrics are scraped, not per packet.
func (s *Server) Stats() Stats {
	c := &s.counters
	st := Stats{
		Engine:              s.engine.Stats(),
		Sockets:             make(map[string]int),
		Connects:            c.connects.Load(),
		Disconnects:         make(map[string]uint64, len(disconnectReasons)),
		ConnectRefusals:     make(map[string]uint64, numRefusalCauses),
		Broadcasts:          c.broadcasts.Load(),
		BroadcastRecipients: c.recipients.Load(),
		AcksRequested:       c.acks.Load(),
		AckTimeouts:         c.ackTimeouts.Load(),
	}
	for i, r := range disconnectReasons {
		st.Disconnects[r] = c.disconnects[i].Load()
	}
	if n := c.disconnects[otherReason].Load(); n > 0 {
		st.Disconnects["other"] = n
	}
	for i, r := range refusalCauses {
		st.ConnectRefusals[r] = c.refusals[i].Load()
	}
	var cum uint64
	st.AckLatency.Buckets = make([]Bucket, len(ackBounds))
	for i, b := range ackBounds {
		cum += c.ackBuckets[i].Load()
		st.AckLatency.Buckets[i] = Bucket{UpperBound: b, Count: cum}
	}
	st.AckLatency.Count = cum + c.ackBuckets[len(ackBounds)].Load()
	st.AckLatency.Sum = time.Duration(c.ackSum.Load())

	s.mu.RLock()
	nsps := make([]*Namespace, 0, len(s.nsps))
	for _, n := range s.nsps {
		nsps = append(nsps, n)
	}
	s.mu.RUnlock()
	for _, n := range nsps {
		n.mu.RLock()
		st.Sockets[n.name] = len(n.sockets)
		n.mu.RUnlock()
	}
	return st
}

// ownEmitKey marks the context of a socket's own emit routed through its
// adapter (connection state recovery records it as a broadcast to the
// socket's room, as Node does): not a broadcast for the counters.
type ownEmitKey struct{}

// ownEmit is the context of those emits; made once, it costs them nothing.
var ownEmit = context.WithValue(context.Background(), ownEmitKey{}, true)

func isOwnEmit(ctx context.Context) bool { return ctx.Value(ownEmitKey{}) != nil }
