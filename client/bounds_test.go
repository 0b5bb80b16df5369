package client

import (
	"context"
	"testing"

	"github.com/gosio/socketio/codec"
)

// stuck is a transport whose writes never complete (until the engine
// closes).
type stuck struct{}

func (stuck) name() string { return "stuck" }
func (stuck) write(ctx context.Context, _ []codec.Packet) error {
	<-ctx.Done()
	return ctx.Err()
}

// A server pinging while writes are stuck queues one pong, not one per
// ping; the OnPing notifications do not pile up either.
func TestPingFloodBounded(t *testing.T) {
	m, e := openOnNothing(t)
	e.tr = stuck{}
	release := make(chan struct{})
	pings := 0
	m.OnPing(func() { <-release; pings++ })
	for range 10_000 {
		if e.receive(codec.Packet{Type: codec.PacketPing}) {
			t.Fatal("closed")
		}
	}
	e.mu.Lock()
	queued := len(e.buf)
	e.mu.Unlock()
	m.disp.mu.Lock()
	tasks := len(m.disp.q)
	m.disp.mu.Unlock()
	close(release)
	// The first pong is being written (stuck), one more waits.
	if queued > 1 {
		t.Fatalf("%d packets queued after 10,000 pings", queued)
	}
	if tasks > 1 {
		t.Fatalf("%d notifications queued after 10,000 pings", tasks)
	}
	_ = m.Close()
	m.dgor.Wait()
	if pings > 2 {
		t.Fatalf("OnPing ran %d times", pings)
	}
}
