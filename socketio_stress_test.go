package socketio_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
)

// Events of one socket are handled one at a time, in order, even when the
// pending list is full and reading pauses (MaxPendingPackets).
func TestEventsInOrderWithBackpressure(t *testing.T) {
	release := make(chan struct{})
	got := make(chan int, 64)
	e := newEnv(t, &socketio.Options{MaxPendingPackets: 2}, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.On("n", func(n int) {
				if n == 0 {
					<-release // the first handler blocks while the rest arrive
				}
				got <- n
			})
		})
	})
	c, _ := e.connect("/")
	const n = 20
	for i := 0; i < n; i++ {
		send(t, c, fmt.Sprintf(`2["n",%d]`, i))
	}
	select {
	case v := <-got:
		t.Fatalf("event %d handled while the first handler blocks", v)
	case <-time.After(sioQuiet):
	}
	close(release)
	for i := 0; i < n; i++ {
		if v := recvChan(t, got, "event"); v != i {
			t.Fatalf("event %d handled in position %d", v, i)
		}
	}
}

func TestMaxAttachmentsOption(t *testing.T) {
	rs := make(chan string, 1)
	e := newEnv(t, &socketio.Options{MaxAttachments: 2}, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) {
			s.On("two", func(a, b []byte, ack socketio.AckFunc) { _ = ack(len(a) + len(b)) })
			s.OnDisconnect(func(r string) { rs <- r })
		})
	})
	c, _ := e.connect("/")
	send(t, c, `52-1["two",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, []byte{1}, []byte{2, 3})
	expect(t, c, `31[3]`)
	// Refused on the text packet: the server may close before the
	// attachments are written.
	_ = c.Send(`53-["two"]`, []byte{1}, []byte{2}, []byte{3})
	expectEnd(t, c)
	if r := recvChan(t, rs, "reason"); r != socketio.ReasonParseError {
		t.Fatalf("reason %q", r)
	}
}

// TestConcurrentOperations runs emits, broadcasts, room changes, fetches
// and acks from many goroutines at once, then disconnects everyone: under
// -race this checks the locking, and it must neither deadlock nor leak.
func TestConcurrentOperations(t *testing.T) {
	const clients = 6
	var socks <-chan *socketio.Socket
	e := newEnv(t, nil, func(s *socketio.Server) {
		socks = sockets(s.Sockets())
		s.OnConnection(func(s *socketio.Socket) {
			s.On("ping", func(ack socketio.AckFunc) { _ = ack("pong") })
			s.On("join", func(room string) { s.Join(room) })
		})
	})
	var all []*socketio.Socket
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < clients; i++ {
		mode := eiotest.ModeWebSocket
		if i%3 == 2 {
			mode = eiotest.ModePolling
		}
		c := e.dial(mode)
		mustConnect(t, c, "/", "")
		all = append(all, recvChan(t, socks, "socket"))
		// Each client reads everything, answers acks, and sends events.
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for {
				p, err := c.Recv(100 * time.Millisecond)
				select {
				case <-stop:
					return
				default:
				}
				if err != nil {
					if err == eiotest.ErrTimeout {
						continue
					}
					return
				}
				if p.ID >= 0 && p.Type == 2 {
					_ = c.Send(fmt.Sprintf(`3%d["ok"]`, p.ID))
				}
				n++
				if n%5 == 0 {
					_ = c.Send(fmt.Sprintf(`2%d["ping"]`, n))
					_ = c.Send(fmt.Sprintf(`2["join","r%d"]`, n%3))
				}
			}
		}()
	}
	ops := []func(i int){
		func(i int) { _ = all[i%clients].Emit("direct", i) },
		func(i int) { _ = e.srv.To(fmt.Sprint("r", i%3)).Emit("room", i) },
		func(i int) { _ = e.srv.Except(fmt.Sprint("r", i%3)).Emit("except", []byte{byte(i)}) },
		func(i int) { all[i%clients].Join(fmt.Sprint("r", i%3)) },
		func(i int) { all[i%clients].Leave(fmt.Sprint("r", i%3)) },
		func(i int) { _, _ = e.srv.FetchSockets(context.Background()) },
		func(i int) { e.srv.In("r1").SocketsJoin("x") },
		func(i int) { e.srv.SocketsLeave("x") },
		func(i int) {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			_, _ = all[i%clients].EmitWithAck(ctx, "q")
		},
		func(i int) { _, _ = e.srv.Timeout(200*time.Millisecond).EmitWithAck(context.Background(), "bq") },
		func(i int) {
			_ = e.srv.Timeout(200*time.Millisecond).Emit("bq2", func(error, []codec.Args) {})
		},
		func(i int) { _ = all[i%clients].Rooms() },
		func(i int) { _ = e.srv.Volatile().Emit("v", i) },
	}
	var opsWG sync.WaitGroup
	for g := 0; g < 4; g++ {
		opsWG.Add(1)
		go func() {
			defer opsWG.Done()
			for i := 0; i < 60; i++ {
				ops[(i+g)%len(ops)](i)
			}
		}()
	}
	opsWG.Wait()
	// Disconnect everyone while the clients are still talking.
	e.srv.DisconnectSockets(true)
	time.Sleep(250 * time.Millisecond) // let the ack callbacks' timeouts run out
	close(stop)
	wg.Wait()
	if n := len(e.srv.Sockets().Sockets()); n != 0 {
		t.Fatalf("%d sockets left", n)
	}
}
