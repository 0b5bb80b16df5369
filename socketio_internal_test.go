package socketio

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/siotest"
)

// connectInternal starts a server, connects one WebSocket client to "/"
// and returns the server-side socket. Everything is stopped when the test
// ends.
func connectInternal(t *testing.T) (*Server, *siotest.Client, *Socket) {
	t.Helper()
	srv := NewServer(&Options{ErrorHandler: func(err error) { t.Logf("reported: %v", err) }})
	socks := make(chan *Socket, 1)
	srv.OnConnection(func(s *Socket) { socks <- s })
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := siotest.Dial(ctx, ts.URL+"/socket.io/", eiotest.ModeWebSocket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	if _, err := c.Connect("/", "", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-socks:
		return srv, c, s
	case <-time.After(10 * time.Second):
		t.Fatal("no socket")
		return nil, nil, nil
	}
}

func (s *Socket) pendingAcks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.acks)
}

// Socket-level acks are forgotten when they time out or are answered.
func TestSocketAckTimeoutReleasesPendingAck(t *testing.T) {
	_, _, s := connectInternal(t)
	for i := 0; i < 3; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		_, _ = s.EmitWithAck(ctx, "q")
		cancel()
	}
	done := make(chan struct{})
	if err := s.Timeout(10*time.Millisecond).Emit("q", func(error) { close(done) }); err != nil {
		t.Fatal(err)
	}
	<-done
	if n := s.pendingAcks(); n != 0 {
		t.Fatalf("%d pending acks after timeouts", n)
	}
}

// TestBroadcastAckTimeoutReleasesPendingAcks: a broadcast with acks
// registers a pending ack on every socket it reaches; when it times out,
// the entries of the sockets that did not answer must go, or each
// broadcast with acks to a silent client would grow that map by one. The
// adapter forgets them on a goroutine the end of the broadcast's ctx
// starts (context.AfterFunc), which gives no event to wait for: the check
// is repeated, bounded.
func TestBroadcastAckTimeoutReleasesPendingAcks(t *testing.T) {
	srv, _, s := connectInternal(t)
	for i := 0; i < 5; i++ {
		_, err := srv.Timeout(10*time.Millisecond).EmitWithAck(context.Background(), "q")
		if err == nil {
			t.Fatal("no timeout")
		}
	}
	for deadline := time.Now().Add(10 * time.Second); s.pendingAcks() != 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if n := s.pendingAcks(); n != 0 {
		t.Fatalf("%d pending acks left after 5 broadcasts timed out", n)
	}
}
