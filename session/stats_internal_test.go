package session

import (
	"testing"

	"github.com/gosio/socketio/codec"
)

// The cost of the packet counters, alone: what every message received
// (received) and every batch written (sent) adds. Parallel, every
// goroutine adds to the same counters, as all sessions' readers and
// writers do.
func BenchmarkCounters(b *testing.B) {
	var c counters
	p := codec.Packet{Type: codec.PacketMessage, Data: make([]byte, 100)}
	batch := []codec.Packet{p}
	b.Run("received", func(b *testing.B) {
		for b.Loop() {
			c.received(&p)
		}
	})
	b.Run("sent", func(b *testing.B) {
		for b.Loop() {
			c.sent(batch)
		}
	})
	b.Run("received+sent/parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.received(&p)
				c.sent(batch)
			}
		})
	})
}

// The gauges' bookkeeping is exact: sent then unsent leaves nothing.
func TestCountersUnsent(t *testing.T) {
	var c counters
	batch := []codec.Packet{{Type: codec.PacketPing}, {Type: codec.PacketMessage, Data: []byte("abc")}, {Type: codec.PacketMessage}}
	c.sent(batch)
	if c.packetsOut.Load() != 2 || c.bytesOut.Load() != 3 {
		t.Fatalf("sent: %d packets, %d bytes; want 2 and 3", c.packetsOut.Load(), c.bytesOut.Load())
	}
	c.unsent(batch)
	if c.packetsOut.Load() != 0 || c.bytesOut.Load() != 0 {
		t.Fatalf("after unsent: %d packets, %d bytes", c.packetsOut.Load(), c.bytesOut.Load())
	}
}
