//go:build linux

package transports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/codec"
)

// readPacketsAsync runs ReadPackets with deliver on a goroutine of its own
// and returns a channel for its result.
func readPacketsAsync(ws *WebSocket, deliver func(codec.Packet) bool) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- ws.ReadPackets(deliver) }()
	return ch
}

// waitErr waits for a ReadPackets result.
func waitErr(t *testing.T, ch <-chan error, what string) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(2 * wsTimeout):
		t.Fatalf("%s: ReadPackets did not return", what)
		return nil
	}
}

// waitFor polls cond, bounded: for states that no event announces.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wsTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// openDups is the number of duplicate descriptors the connection holds.
func openDups(ws *WebSocket) int {
	ds := ws.fr.dups.Load()
	if ds == nil {
		return 0
	}
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return len(ds.dups)
}

// TestReadPacketsSavesEmptyReads checks the point of the read-through: a
// client that waits for each answer costs one read per message, not two.
// Through ReadPacket every message but the first is preceded by a read
// that finds nothing; so it is through ReadPackets on a connection that
// does not park, which must read until the socket is empty to see an end
// of stream at once (wsthrough_unix.go); on one that parks, a short read
// is trusted to have emptied the socket, so only a wake-up for bytes
// already taken finds nothing (a handful at most).
func TestReadPacketsSavesEmptyReads(t *testing.T) {
	const n = 200
	for _, mode := range []string{"ReadPacket", "ReadPackets", "ReadPackets+park"} {
		t.Run(mode, func(t *testing.T) {
			ws, client := newWSPair(t, WebSocketConfig{}, nil)
			if mode == "ReadPackets+park" {
				if !parkSupported {
					t.Skip("no parking on this system")
				}
				ws.ParkWhenIdle(time.Minute, func() { t.Error("parked during the test") })
			}
			var empty atomic.Uint64
			hook := func(fr *frameReader) {
				if fr == ws.fr {
					empty.Add(1)
				}
			}
			testHookEmptyRead.Store(&hook)
			defer testHookEmptyRead.Store(nil)
			echo := func(p codec.Packet) {
				if err := ws.WritePackets([]codec.Packet{p}); err != nil {
					t.Errorf("WritePackets: %v", err)
				}
			}
			done := make(chan error, 1)
			got := 0
			go func() {
				if mode != "ReadPacket" {
					done <- ws.ReadPackets(func(p codec.Packet) bool {
						echo(p)
						got++
						return got < n
					})
					return
				}
				for got < n {
					p, err := ws.ReadPacket()
					if err != nil {
						done <- err
						return
					}
					echo(p)
					got++
				}
				done <- nil
			}()
			for i := range n {
				msg := fmt.Sprintf("4m%d", i)
				clientWrite(t, client, websocket.TextMessage, []byte(msg))
				if _, b, err := clientRead(t, client); err != nil || string(b) != msg {
					t.Fatalf("echo %d: %q, %v", i, b, err)
				}
			}
			if err := waitErr(t, done, "ping-pong"); err != nil {
				t.Fatalf("reading: %v", err)
			}
			found := empty.Load()
			t.Logf("%d messages, %d reads found nothing", n, found)
			if mode == "ReadPackets+park" && found > n/10 {
				t.Errorf("%d reads found nothing for %d messages, want a handful", found, n)
			}
			if mode != "ReadPackets+park" && found < n/2 {
				t.Errorf("%d reads found nothing for %d messages, want about one per message", found, n)
			}
		})
	}
}

// TestReadPacketsEndWithLastMessage ends the TCP stream (FIN, or a reset)
// right after a message, so that both often arrive for one wake-up: with
// short reads trusted (parking on) or not, ReadPackets delivers the
// message and then reports the end.
func TestReadPacketsEndWithLastMessage(t *testing.T) {
	for _, park := range []bool{false, true} {
		for _, reset := range []bool{false, true} {
			t.Run(fmt.Sprintf("park=%v/reset=%v", park, reset), func(t *testing.T) {
				for range 10 {
					ws, client := newWSPair(t, WebSocketConfig{}, nil)
					resumed := make(chan struct{}, 1)
					if park {
						ws.ParkWhenIdle(parkAfter, func() { resumed <- struct{}{} })
					}
					got := make(chan string, 1)
					deliver := func(p codec.Packet) bool { got <- string(p.Data); return true }
					errR := readPacketsAsync(ws, deliver)
					tcp := client.UnderlyingConn().(*net.TCPConn)
					if reset {
						tcp.SetLinger(0)
					}
					if _, err := tcp.Write(cframe(finBit|opText, []byte("4last"))); err != nil {
						t.Fatal(err)
					}
					tcp.Close()
					err := waitErr(t, errR, "reader")
					for err == ErrParked { // a parked reader sees the end once resumed
						select {
						case <-resumed:
						case <-time.After(wsTimeout):
							t.Fatal("parked with the end of the stream pending, never resumed")
						}
						err = waitErr(t, readPacketsAsync(ws, deliver), "resumed reader")
					}
					if !IsPeerClose(err) {
						t.Fatalf("ReadPackets: %v, want the peer's end", err)
					}
					select {
					case m := <-got:
						if m != "last" {
							t.Fatalf("delivered %q", m)
						}
					default:
						if !reset { // a reset may discard what the peer sent
							t.Fatal("the last message was not delivered")
						}
					}
				}
			})
		}
	}
}

// TestReadPacketsHandOffWhileDelivering hands the reading over from inside
// a delivery that then waits for a message only the new reader can read
// (a handler awaiting an ack): the new reader reads through a duplicate
// descriptor meanwhile, comes back to the connection's own once the
// delivery has left, closes the duplicate, and parks when idle.
func TestReadPacketsHandOffWhileDelivering(t *testing.T) {
	checkNoParkLeak(t)
	ws, client := newWSPair(t, WebSocketConfig{}, nil)
	resumed := make(chan struct{}, 1)
	ws.ParkWhenIdle(parkAfter, func() { resumed <- struct{}{} })
	own := ws.fr.own

	type seen struct {
		data    string
		onOwn   bool
		ownBusy bool
	}
	gotB := make(chan seen, 4)
	deliverB := func(p codec.Packet) bool {
		// B owns the reader while it delivers.
		gotB <- seen{string(p.Data), ws.fr.rd == own, own.delivering()}
		return true
	}
	var errB <-chan error
	inside := make(chan struct{})
	errA := readPacketsAsync(ws, func(p codec.Packet) bool {
		if string(p.Data) != "first" {
			t.Errorf("A got %q", p.Data)
			return true
		}
		if !own.delivering() {
			t.Error("A's delivery is not marked on the connection's own descriptor")
		}
		errB = readPacketsAsync(ws, deliverB) // the hand-off
		close(inside)
		select {
		case s := <-gotB:
			if s.data != "second" || s.onOwn || !s.ownBusy {
				t.Errorf("B read %+v while A delivered, want \"second\" through a duplicate", s)
			}
		case <-time.After(wsTimeout):
			t.Error("B read nothing while A's delivery held the connection's descriptor")
		}
		return false
	})
	clientWrite(t, client, websocket.TextMessage, []byte("4first"))
	<-inside
	clientWrite(t, client, websocket.TextMessage, []byte("4second"))
	if err := waitErr(t, errA, "A"); err != nil {
		t.Fatalf("A: %v", err)
	}
	// A has left: B is woken to come back and close the duplicate.
	waitFor(t, "B has closed its duplicate", func() bool { return openDups(ws) == 0 && ws.fr.readingDup() == nil })
	clientWrite(t, client, websocket.TextMessage, []byte("4third"))
	select {
	case s := <-gotB:
		if s.data != "third" || !s.onOwn {
			t.Errorf("B read %+v, want \"third\" through the connection's own descriptor", s)
		}
	case <-time.After(wsTimeout):
		t.Fatal("B did not read the third message")
	}
	// Back on its own descriptor, the idle reader parks.
	if err := waitErr(t, errB, "B idle"); err != ErrParked {
		t.Fatalf("B: %v, want ErrParked", err)
	}
	clientWrite(t, client, websocket.TextMessage, []byte("4fourth"))
	select {
	case <-resumed:
	case <-time.After(wsTimeout):
		t.Fatal("no resume after the parked reader's connection got bytes")
	}
	got := make(chan string, 1)
	errC := readPacketsAsync(ws, func(p codec.Packet) bool { got <- string(p.Data); return false })
	if err := waitErr(t, errC, "C"); err != nil || <-got != "fourth" {
		t.Fatalf("after resuming: %v", err)
	}
}

// TestReadPacketsCloseFromDelivery closes the connection from inside a
// delivery (a handler disconnecting its client): Close returns although
// the delivery holds the descriptor, the peer gets the close frame and the
// end of the stream at once, and the descriptor is closed when the
// delivery returns.
func TestReadPacketsCloseFromDelivery(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{}, nil)
	own := ws.fr.own
	closed := make(chan struct{})
	errR := readPacketsAsync(ws, func(p codec.Packet) bool {
		ws.Close(CloseNormal, "bye")
		close(closed)
		if own.st.Load()&rdClosed != 0 {
			t.Error("descriptor closed under the delivery")
		}
		return true
	})
	clientWrite(t, client, websocket.TextMessage, []byte("4x"))
	select {
	case <-closed:
	case <-time.After(wsTimeout):
		t.Fatal("Close from inside a delivery did not return")
	}
	expectClientClose(t, client, CloseNormal)
	err := waitErr(t, errR, "reader")
	if !errors.Is(err, net.ErrClosed) {
		t.Errorf("ReadPackets: %v, want net.ErrClosed", err)
	}
	if own.st.Load()&rdClosed == 0 {
		t.Error("descriptor left open after the delivery returned")
	}
}

// TestReadPacketsCloseWhileDeliveryBlocks closes the connection from
// another goroutine while a delivery blocks, with and without a reader
// handed over to a duplicate: Close does not wait for the delivery, the
// peer sees the end while it still blocks, the new reader fails, and
// every descriptor is closed once the delivery returns.
func TestReadPacketsCloseWhileDeliveryBlocks(t *testing.T) {
	for _, handOff := range []bool{false, true} {
		t.Run(fmt.Sprintf("handoff=%v", handOff), func(t *testing.T) {
			ws, client := newWSPair(t, WebSocketConfig{}, nil)
			own := ws.fr.own
			inside, release := make(chan struct{}), make(chan struct{})
			var errB <-chan error
			var dup *rdesc
			errA := readPacketsAsync(ws, func(p codec.Packet) bool {
				if handOff {
					errB = readPacketsAsync(ws, func(p codec.Packet) bool {
						t.Errorf("B delivered %q", p.Data)
						return true
					})
					waitFor(t, "B reads through a duplicate", func() bool { return ws.fr.readingDup() != nil })
					dup = ws.fr.readingDup()
				}
				close(inside)
				<-release
				return !handOff
			})
			clientWrite(t, client, websocket.TextMessage, []byte("4x"))
			<-inside
			closeDone := make(chan struct{})
			go func() { ws.Close(CloseGoingAway, ""); close(closeDone) }()
			select {
			case <-closeDone:
			case <-time.After(wsTimeout):
				close(release)
				t.Fatal("Close waited for a blocked delivery")
			}
			// The peer sees the close while the delivery still blocks.
			expectClientClose(t, client, CloseGoingAway)
			if handOff {
				err := waitErr(t, errB, "B")
				if err == nil {
					t.Error("B: no error after Close")
				}
			}
			close(release)
			err := waitErr(t, errA, "A")
			if handOff && err != nil {
				t.Errorf("A (handed off): %v, want nil", err)
			}
			if !handOff && !errors.Is(err, net.ErrClosed) {
				t.Errorf("A: %v, want net.ErrClosed", err)
			}
			if own.st.Load()&rdClosed == 0 {
				t.Error("the connection's descriptor is still open")
			}
			if dup != nil && dup.st.Load()&rdClosed == 0 {
				t.Error("the duplicate is still open")
			}
			if n := openDups(ws); n != 0 {
				t.Errorf("%d duplicates still registered", n)
			}
		})
	}
}

// socketPair returns the two ends of a Unix stream socket pair as
// net.Conns whose descriptors are read through the runtime's poller, as a
// TCP connection's are.
func socketPair(t testing.TB) (net.Conn, net.Conn) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	var conns [2]net.Conn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f) // a duplicate, non-blocking
		f.Close()
		if err != nil {
			t.Fatalf("FileConn: %v", err)
		}
		conns[i] = c
	}
	return conns[0], conns[1]
}

type readResult struct {
	pkts []codec.Packet
	err  error
}

func (r readResult) String() string {
	var b bytes.Buffer
	for _, p := range r.pkts {
		fmt.Fprintf(&b, "%s ", wsFormat(p))
	}
	fmt.Fprintf(&b, "err=%v", r.err)
	return b.String()
}

// FuzzReadPackets feeds random bytes, written in random chunks to a real
// socket, to ReadPackets, whose deliveries hand the reading over now and
// then (the next ReadPackets call goes on), and checks that it delivers
// exactly the packets, and ends with the error, of ReadPacket calls on the
// same bytes.
func FuzzReadPackets(f *testing.F) {
	for _, s := range append(fuzzSeeds(), deflateSeeds()...) {
		f.Add(s, uint64(1))
		f.Add(s, uint64(0x9e3779b97f4a7c15))
		f.Add(bytes.Repeat(s, 3), uint64(0x00ff00ff00ff00ff))
	}
	many := concat(cframe(finBit|opText, []byte("4a")), cframe(finBit|opText, []byte("4bb")), cframe(finBit|opBinary, bytes.Repeat([]byte{7}, 5000)), cframe(finBit|opText, []byte("3")))
	f.Add(bytes.Repeat(many, 20), uint64(3))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		const maxPayload = 1 << 16
		deflate := seed&1 != 0
		cfg := WebSocketConfig{MaxPayload: maxPayload}

		ref := newWebSocket(&chunkConn{data: data, maxChunk: 1 + int(seed>>56)%300, rng: seed | 1}, cfg)
		ref.fr.inflate = deflate
		var want readResult
		for {
			p, err := ref.ReadPacket()
			if err != nil {
				want.err = err
				break
			}
			want.pkts = append(want.pkts, p)
		}

		server, peer := socketPair(t)
		defer peer.Close()
		ws := newWebSocket(server, cfg)
		defer ws.Close(CloseNormal, "")
		if ws.fr.own == nil {
			t.Fatal("no raw reads on a Unix socket")
		}
		ws.fr.inflate = deflate
		// With parking, short reads are trusted (wsthrough_unix.go); a
		// parked reader goes on when resumed. Without, a read deadline
		// turns a reader waiting forever into a failure.
		resumed := make(chan struct{}, 1)
		if seed&2 != 0 {
			ws.ParkWhenIdle(20*time.Millisecond, func() { resumed <- struct{}{} })
		} else if err := ws.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatal(err)
		}
		// The peer writes in chunks, then ends its side; it drains what
		// the server answers (pongs, close frames) until the server
		// closes.
		go func() {
			rng := seed | 1
			rest := data
			for len(rest) > 0 {
				rng ^= rng << 13
				rng ^= rng >> 7
				rng ^= rng << 17
				n := min(len(rest), 1+int(rng%700))
				if _, err := peer.Write(rest[:n]); err != nil {
					return
				}
				rest = rest[n:]
			}
			peer.(*net.UnixConn).CloseWrite()
		}()
		drained := make(chan struct{})
		go func() {
			var buf [512]byte
			for {
				if _, err := peer.Read(buf[:]); err != nil {
					close(drained)
					return
				}
			}
		}()
		var got readResult
		every := 1 + int(seed>>8)%4
		for {
			err := ws.ReadPackets(func(p codec.Packet) bool {
				got.pkts = append(got.pkts, p)
				return len(got.pkts)%every != 0
			})
			if err == ErrParked {
				select {
				case <-resumed:
					continue
				case <-time.After(10 * time.Second):
					t.Fatal("parked, and never resumed")
				}
			}
			if err != nil {
				got.err = err
				break
			}
		}
		ws.Close(CloseNormal, "")
		<-drained
		if !sameReadError(got.err, want.err) || len(got.pkts) != len(want.pkts) {
			t.Fatalf("ReadPackets: %v\nReadPacket:  %v", got, want)
		}
		for i := range got.pkts {
			if !wsPacketEqual(got.pkts[i], want.pkts[i]) {
				t.Fatalf("packet %d: %s, want %s", i, wsFormat(got.pkts[i]), wsFormat(want.pkts[i]))
			}
		}
	})
}

// TestReadPacketsCloseWithNestedHandOff hands off twice from inside
// deliveries (A on the connection's own descriptor, then B on the
// duplicate the second reader took), lets A leave (the third reader goes
// back to the own descriptor and drops its duplicate) and closes while B
// still blocks: the socket must be shut down through B's duplicate, which
// no reader holds any more, so that the peer sees the end at once.
func TestReadPacketsCloseWithNestedHandOff(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{}, nil)
	own := ws.fr.own
	releaseA, releaseB := make(chan struct{}), make(chan struct{})
	var d1 *rdesc
	bInside := make(chan struct{})
	var errB, errC <-chan error
	errA := readPacketsAsync(ws, func(p codec.Packet) bool {
		errB = readPacketsAsync(ws, func(p codec.Packet) bool {
			d1 = ws.fr.rd // B owns the reader while it delivers
			errC = readPacketsAsync(ws, func(p codec.Packet) bool {
				t.Errorf("C delivered %q", p.Data)
				return true
			})
			close(bInside)
			<-releaseB
			return false
		})
		<-releaseA
		return false
	})
	clientWrite(t, client, websocket.TextMessage, []byte("4a"))
	waitFor(t, "B reads through a duplicate", func() bool { return ws.fr.readingDup() != nil })
	clientWrite(t, client, websocket.TextMessage, []byte("4b"))
	<-bInside
	if d1 == own || d1 == nil {
		t.Fatal("B did not deliver through a duplicate")
	}
	// C reads through a second duplicate; d1 is dropped but held by B.
	waitFor(t, "C reads through a second duplicate", func() bool {
		r := ws.fr.readingDup()
		return r != nil && r != d1
	})
	close(releaseA)
	if err := waitErr(t, errA, "A"); err != nil {
		t.Fatalf("A: %v", err)
	}
	waitFor(t, "C is back on the connection's own descriptor", func() bool { return ws.fr.readingDup() == nil })
	if d1.st.Load()&rdClosed != 0 {
		t.Fatal("B's duplicate closed under its delivery")
	}
	ws.Close(CloseNormal, "")
	expectClientClose(t, client, CloseNormal)
	client.SetReadDeadline(time.Now().Add(wsTimeout))
	if _, err := client.UnderlyingConn().Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("the peer's read after the close frame: %v, want the end of the stream (io.EOF)", err)
	}
	if err := waitErr(t, errC, "C"); err == nil {
		t.Error("C: no error after Close")
	}
	close(releaseB)
	if err := waitErr(t, errB, "B"); err != nil {
		t.Errorf("B (handed off): %v", err)
	}
	if d1.st.Load()&rdClosed == 0 || own.st.Load()&rdClosed == 0 {
		t.Error("a descriptor is still open after every delivery left")
	}
}
