//go:build linux

package transports

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/codec"
)

// Tests of idle parking (ParkWhenIdle, idlepark_linux.go): an idle reader
// gives up its goroutine, its descriptor waits in the process-wide epoll
// set, and resume runs on a new goroutine when bytes arrive.
//
// None of these tests runs in parallel: they compare the poller's
// registrations before and after.

// parkAfter is the idle period of these tests.
const parkAfter = 50 * time.Millisecond

// parkedCount returns how many parked readers the poller holds.
func parkedCount() int {
	parkPoller.mu.Lock()
	defer parkPoller.mu.Unlock()
	return len(parkPoller.waiting)
}

// registration returns the id of ws's latest poller registration and
// whether the poller still holds it.
func registration(ws *WebSocket) (id uint64, held bool) {
	pk := ws.fr.park.Load()
	if pk == nil {
		return 0, false
	}
	id = pk.id.Load()
	parkPoller.mu.Lock()
	defer parkPoller.mu.Unlock()
	_, held = parkPoller.waiting[id]
	return id, held
}

// checkNoParkLeak fails the test if, once it has ended (and every
// connection it opened is closed), the poller holds more or fewer
// registrations than now. Call it before opening connections: cleanups
// run last-registered first.
func checkNoParkLeak(t *testing.T) {
	t.Helper()
	before := parkedCount()
	t.Cleanup(func() {
		if after := parkedCount(); after != before {
			t.Errorf("the poller holds %d parked readers after the test, %d before: registrations leaked", after, before)
		}
	})
}

// parkResult is one ReadPacket result of a parkHarness reading loop; gen
// tells which loop read it: 0 for the first, n for the one the n-th
// resume started.
type parkResult struct {
	p   codec.Packet
	err error
	gen int32
}

// parkHarness reads a parkable WebSocket the way the session does: a loop
// calls ReadPacket until it fails; ErrParked ends it, and resume (counted)
// runs a new loop on the poller's goroutine. Every result is sent on
// results.
//
// The loops share nothing else with the test, and nothing with each other
// but the resume count, which the parking goroutine never touches: as in
// the session, the only path from a parking goroutine to the resumed one
// is the epoll notification, so the race detector sees whatever the
// parking goroutine still does to the reader once parked. The test
// goroutine keeps the count of loops started and ended.
type parkHarness struct {
	t       *testing.T
	ws      *WebSocket
	client  *websocket.Conn
	results chan parkResult // buffered: loops never block on it
	resumed chan int32      // the resume count, at each resume
	resumes atomic.Int32

	started, ended int // loops; test goroutine only
}

// newParkHarness opens a connection, enables parking after the given
// idle period and starts the first reading loop. When the test ends the
// connection is closed and the loops are awaited.
func newParkHarness(t *testing.T, after time.Duration) *parkHarness {
	t.Helper()
	return newParkHarnessWith(t, after, WebSocketConfig{}, nil)
}

// newParkHarnessWith is newParkHarness with a configuration and dialer.
func newParkHarnessWith(t *testing.T, after time.Duration, cfg WebSocketConfig, dialer *websocket.Dialer) *parkHarness {
	t.Helper()
	ws, client := newWSPair(t, cfg, dialer)
	h := &parkHarness{
		t:       t,
		ws:      ws,
		client:  client,
		results: make(chan parkResult, 1024),
		resumed: make(chan int32, 1024),
	}
	ws.ParkWhenIdle(after, func() {
		n := h.resumes.Add(1)
		h.resumed <- n
		h.loop(n)
	})
	if ws.fr.park.Load() == nil {
		t.Fatal("ParkWhenIdle did nothing on a plain TCP connection")
	}
	t.Cleanup(func() {
		ws.Close(CloseNormal, "")
		h.waitLoopsEnded()
	})
	h.started = 1
	go h.loop(0)
	return h
}

func (h *parkHarness) loop(gen int32) {
	for {
		p, err := h.ws.ReadPacket()
		h.results <- parkResult{p, err, gen}
		if err != nil {
			return
		}
	}
}

// waitLoopsEnded waits (bounded) for every loop started to end. A resume
// the poller has dispatched but which has not run yet cannot be seen;
// once the connection is closed it ends at once.
func (h *parkHarness) waitLoopsEnded() {
	timer := time.NewTimer(wsTimeout)
	defer timer.Stop()
	for h.ended < h.started || len(h.resumed) > 0 {
		select {
		case <-h.resumed:
			h.started++
		case r := <-h.results:
			if r.err != nil {
				h.ended++
			}
		case <-timer.C:
			h.t.Errorf("%d of %d reading loops still running %v after Close", h.started-h.ended, h.started, wsTimeout)
			return
		}
	}
}

// tryNext returns a ReadPacket result if one is ready.
func (h *parkHarness) tryNext() (parkResult, bool) {
	select {
	case r := <-h.results:
		if r.err != nil {
			h.ended++
		}
		return r, true
	default:
		return parkResult{}, false
	}
}

// next returns the next ReadPacket result.
func (h *parkHarness) next(what string) parkResult {
	h.t.Helper()
	select {
	case r := <-h.results:
		if r.err != nil {
			h.ended++
		}
		return r
	case <-time.After(wsTimeout):
		h.t.Fatalf("no ReadPacket result within %v (waiting for %s; %d resumes)", wsTimeout, what, h.resumes.Load())
		return parkResult{}
	}
}

// expectParked waits for ReadPacket to return ErrParked.
func (h *parkHarness) expectParked() parkResult {
	h.t.Helper()
	r := h.next("ErrParked")
	if r.err != ErrParked || !errors.Is(r.err, ErrParked) {
		h.t.Fatalf("ReadPacket = %s, %v (loop %d); want ErrParked", wsFormat(r.p), r.err, r.gen)
	}
	return r
}

// expectMessage waits for ReadPacket to return a text message.
func (h *parkHarness) expectMessage(want string) parkResult {
	h.t.Helper()
	r := h.next(fmt.Sprintf("message %q", want))
	if r.err != nil {
		h.t.Fatalf("ReadPacket: %v (loop %d), want message %q", r.err, r.gen, want)
	}
	if w := textPacket(want); !wsPacketEqual(r.p, w) {
		h.t.Fatalf("ReadPacket = %s (loop %d), want %s", wsFormat(r.p), r.gen, wsFormat(w))
	}
	return r
}

// expectResume waits for resume to be called and returns the count.
func (h *parkHarness) expectResume() int32 {
	h.t.Helper()
	select {
	case n := <-h.resumed:
		h.started++
		return n
	case <-time.After(wsTimeout):
		h.t.Fatalf("resume not called within %v", wsTimeout)
		return 0
	}
}

// expectNoResume checks that resume is not called within d. Waiting for
// an absence: keep d short.
func (h *parkHarness) expectNoResume(d time.Duration) {
	h.t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case n := <-h.resumed:
		h.started++
		h.t.Fatalf("resume called (count %d), want none", n)
	case <-timer.C:
	}
}

// TestParkResumeCycles: an idle reader parks (ErrParked, no buffer held,
// the registration in the poller), a message resumes it exactly once on a
// new goroutine, whose ReadPacket returns the message; three cycles, so
// that the descriptor is re-armed (EPOLL_CTL_MOD) twice.
func TestParkResumeCycles(t *testing.T) {
	checkNoParkLeak(t)
	start := time.Now()
	h := newParkHarness(t, parkAfter)
	fr, pk := h.ws.fr, h.ws.fr.park.Load()
	for i := range 3 {
		r := h.expectParked()
		if i == 0 {
			// Deadlines never fire early; no upper bound (a loaded
			// machine), the wait itself is bounded.
			if d := time.Since(start); d < parkAfter {
				t.Errorf("parked %v after the reader started, want at least %v", d, parkAfter)
			}
		}
		if r.gen != int32(i) {
			t.Errorf("cycle %d: parked by loop %d, want %d", i, r.gen, i)
		}
		// The parking goroutine is gone (its result was sent) and no
		// bytes were sent since: the reader's state is quiet.
		if fr.buf != nil {
			t.Errorf("cycle %d: a parked reader holds a buffer (r=%d w=%d)", i, fr.r, fr.w)
		}
		if !pk.added {
			t.Errorf("cycle %d: parking.added = false after a successful park", i)
		}
		if id, held := registration(h.ws); !held {
			t.Fatalf("cycle %d: the poller does not hold registration %d of the parked reader", i, id)
		}
		if n := h.resumes.Load(); n != int32(i) {
			t.Fatalf("cycle %d: resume called %d times before the message, want %d", i, n, i)
		}

		msg := fmt.Sprintf("cycle %d", i)
		clientWrite(t, h.client, websocket.TextMessage, []byte("4"+msg))
		if n := h.expectResume(); n != int32(i+1) {
			t.Fatalf("cycle %d: resume count %d, want %d", i, n, i+1)
		}
		r = h.expectMessage(msg)
		if r.gen != int32(i+1) {
			t.Errorf("cycle %d: message read by loop %d, want the resumed loop %d", i, r.gen, i+1)
		}
		if id, held := registration(h.ws); held {
			t.Errorf("cycle %d: registration %d still held after its resume ran", i, id)
		}
	}
	// Parks a fourth time; resume ran once per message, no more.
	h.expectParked()
	if n := h.resumes.Load(); n != 3 {
		t.Fatalf("resume called %d times for 3 messages", n)
	}
	if n := len(h.resumed); n != 0 {
		t.Fatalf("%d extra resumes", n)
	}
}

// TestParkResumeNoSync is TestParkResumeCycles without the test touching
// the poller's lock between parking and resuming: as in the session, the
// only path from the parking goroutine to the resumed one is the epoll
// notification, so the race detector sees whatever the parking goroutine
// still touches after park succeeded.
func TestParkResumeNoSync(t *testing.T) {
	checkNoParkLeak(t)
	h := newParkHarness(t, parkAfter)
	for i := range 5 {
		h.expectParked()
		msg := fmt.Sprintf("no sync %d", i)
		// Several frames in separate writes, so the resumed reader is
		// busy with the buffer while the old goroutine is finishing.
		clientWrite(t, h.client, websocket.TextMessage, []byte("4"+msg))
		h.expectResume()
		h.expectMessage(msg)
	}
	h.expectParked()
}

// TestParkNotWhileActive: a client writing every 10ms keeps a reader with
// a 50ms idle period from parking; every message arrives, in order.
func TestParkNotWhileActive(t *testing.T) {
	checkNoParkLeak(t)
	h := newParkHarness(t, parkAfter)
	const n = 30 // 300ms at 10ms
	type writerResult struct {
		maxGap time.Duration
		err    error
	}
	done := make(chan writerResult, 1)
	go func() {
		var res writerResult
		defer func() { done <- res }()
		last := time.Now()
		for i := range n {
			if i > 0 {
				time.Sleep(10 * time.Millisecond) // the traffic under test
			}
			h.client.SetWriteDeadline(time.Now().Add(wsTimeout))
			if err := h.client.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, "4m%02d", i)); err != nil {
				res.err = err
				return
			}
			now := time.Now()
			res.maxGap = max(res.maxGap, now.Sub(last))
			last = now
		}
	}()
	parks := 0
	for i := 0; i < n; {
		r := h.next(fmt.Sprintf("message m%02d", i))
		if r.err == ErrParked {
			parks++
			continue
		}
		if r.err != nil {
			t.Fatalf("ReadPacket: %v, want message m%02d", r.err, i)
		}
		if want := textPacket(fmt.Sprintf("m%02d", i)); !wsPacketEqual(r.p, want) {
			t.Fatalf("ReadPacket = %s, want %s", wsFormat(r.p), wsFormat(want))
		}
		i++
	}
	var wr writerResult
	select {
	case wr = <-done:
	case <-time.After(wsTimeout):
		t.Fatal("the client writer did not finish")
	}
	if wr.err != nil {
		t.Fatalf("client WriteMessage: %v", wr.err)
	}
	if parks > 0 {
		// The writer itself may have stalled past the idle period on a
		// loaded machine; parking is then right.
		if wr.maxGap < parkAfter/2 {
			t.Errorf("the reader parked %d times while the client wrote every 10ms (longest gap between writes %v)", parks, wr.maxGap)
		} else {
			t.Logf("parked %d times; the writer stalled for %v", parks, wr.maxGap)
		}
	}
	// Once the client is quiet, it parks.
	h.expectParked()
	if got := h.resumes.Load(); got != int32(parks) {
		t.Errorf("resume called %d times for %d parks", got, parks)
	}
}

// TestParkNotMidFrame: a frame (or fragmented message) whose bytes stop
// arriving for longer than the idle period does not park the reader
// half-way; the message arrives intact once the rest comes.
func TestParkNotMidFrame(t *testing.T) {
	small := cframe(finBit|opText, []byte("4split across writes"))
	big := buildFrame(finBit|opBinary, true, len16, bytes.Repeat([]byte{0x5a, 0xa5, 0x01}, 4000))
	first := cframe(opText, []byte("4frag"))
	last := cframe(finBit|opContinuation, []byte("mented"))
	ping := cframe(finBit|opPing, []byte("p"))
	tests := []struct {
		name   string
		before []byte // sent, then the pause
		after  []byte // sent after the pause
		want   codec.Packet
	}{
		{"after the first header byte", small[:1], small[1:], textPacket("split across writes")},
		{"after two header bytes", small[:2], small[2:], textPacket("split across writes")},
		{"inside the masking key", small[:4], small[4:], textPacket("split across writes")},
		{"inside the extended length", big[:3], big[3:], codec.Packet{Type: codec.PacketMessage, Data: bytes.Repeat([]byte{0x5a, 0xa5, 0x01}, 4000), Binary: true}},
		{"inside a small payload", small[:9], small[9:], textPacket("split across writes")},
		{"inside a large payload", big[:5000], big[5000:], codec.Packet{Type: codec.PacketMessage, Data: bytes.Repeat([]byte{0x5a, 0xa5, 0x01}, 4000), Binary: true}},
		{"between fragments", first, last, textPacket("fragmented")},
		{"between fragments, after a ping", concat(first, ping), last, textPacket("fragmented")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkNoParkLeak(t)
			h := newParkHarness(t, parkAfter)
			clientRawWrite(t, h.client, tt.before)
			time.Sleep(3 * parkAfter) // the idle gap under test
			if r, ok := h.tryNext(); ok {
				t.Fatalf("ReadPacket returned %s, %v with a frame half received", wsFormat(r.p), r.err)
			}
			clientRawWrite(t, h.client, tt.after)
			r := h.next("the message")
			if r.err != nil {
				t.Fatalf("ReadPacket: %v, want %s", r.err, wsFormat(tt.want))
			}
			if !wsPacketEqual(r.p, tt.want) {
				t.Fatalf("ReadPacket = %s, want %s", wsFormat(r.p), wsFormat(tt.want))
			}
			if r.gen != 0 {
				t.Errorf("message read by resumed loop %d: the reader parked mid-frame", r.gen)
			}
			// With the frame done, the reader parks as usual.
			h.expectParked()
			if n := h.resumes.Load(); n != 0 {
				t.Errorf("resume called %d times", n)
			}
		})
	}
}

// TestParkClose: Close on a parked connection drops its registration and
// resume never runs; the peer going away while parked runs resume, and
// ReadPacket then reports the peer's close.
func TestParkClose(t *testing.T) {
	t.Run("Close while parked", func(t *testing.T) {
		checkNoParkLeak(t)
		h := newParkHarness(t, parkAfter)
		h.expectParked()
		id, held := registration(h.ws)
		if !held {
			t.Fatalf("registration %d not held while parked", id)
		}
		before := parkedCount()
		h.ws.Close(CloseGoingAway, "bye")
		parkPoller.mu.Lock()
		_, held = parkPoller.waiting[id]
		parkPoller.mu.Unlock()
		if held {
			t.Fatalf("registration %d still held after Close", id)
		}
		if after := parkedCount(); after != before-1 {
			t.Errorf("%d parked readers after Close, %d before", after, before)
		}
		expectClientClose(t, h.client, CloseGoingAway)
		h.expectNoResume(200 * time.Millisecond)
		if r, ok := h.tryNext(); ok {
			t.Fatalf("ReadPacket returned %s, %v after Close of a parked reader", wsFormat(r.p), r.err)
		}
	})

	peer := []struct {
		name     string
		close    func(t *testing.T, c *websocket.Conn)
		wantCode int
	}{
		{"peer drops the TCP connection", func(t *testing.T, c *websocket.Conn) {
			if err := c.UnderlyingConn().Close(); err != nil {
				t.Fatal(err)
			}
		}, websocket.CloseAbnormalClosure},
		{"peer half-closes the TCP connection", func(t *testing.T, c *websocket.Conn) {
			if err := c.UnderlyingConn().(*net.TCPConn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
		}, websocket.CloseAbnormalClosure},
		{"peer sends a close frame", func(t *testing.T, c *websocket.Conn) {
			msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "done")
			if err := c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(wsTimeout)); err != nil {
				t.Fatal(err)
			}
		}, websocket.CloseNormalClosure},
	}
	for _, tt := range peer {
		t.Run(tt.name, func(t *testing.T) {
			checkNoParkLeak(t)
			h := newParkHarness(t, parkAfter)
			h.expectParked()
			tt.close(t, h.client)
			if n := h.expectResume(); n != 1 {
				t.Fatalf("resume count %d, want 1", n)
			}
			r := h.next("the peer's close")
			var ce *websocket.CloseError
			if !errors.As(r.err, &ce) || ce.Code != tt.wantCode {
				t.Fatalf("ReadPacket = %s, %v; want a close error with code %d", wsFormat(r.p), r.err, tt.wantCode)
			}
			if !IsPeerClose(r.err) {
				t.Errorf("IsPeerClose(%v) = false", r.err)
			}
			if r.gen != 1 {
				t.Errorf("close read by loop %d, want the resumed loop 1", r.gen)
			}
			if id, held := registration(h.ws); held {
				t.Errorf("registration %d still held after its resume ran", id)
			}
		})
	}
}

// TestParkTLS: TLS connections never park: ParkWhenIdle does nothing, a
// read deadline times out as usual, and messages after an idle period
// are read by the same goroutine.
func TestParkTLS(t *testing.T) {
	checkNoParkLeak(t)
	ws, client := newWSPairTLS(t, WebSocketConfig{})
	var resumes atomic.Int32
	ws.ParkWhenIdle(parkAfter, func() { resumes.Add(1) })
	if ws.fr.park.Load() != nil {
		t.Fatal("ParkWhenIdle enabled parking on a TLS connection")
	}
	// Idle for four idle periods: a timeout, not ErrParked.
	if err := ws.SetReadDeadline(time.Now().Add(4 * parkAfter)); err != nil {
		t.Fatal(err)
	}
	_, err := ws.ReadPacket()
	if errors.Is(err, ErrParked) {
		t.Fatal("ReadPacket = ErrParked on a TLS connection")
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReadPacket = %v, want the read deadline's timeout", err)
	}
	// Still usable: a message after another idle gap.
	expectReadAcrossGap(t, ws, client, "after idle", &resumes)
}

// expectReadAcrossGap checks that a reader that must not park (parking
// off or unavailable) receives msg sent after an idle gap of several
// parking periods, and that resume was never called.
func expectReadAcrossGap(t *testing.T, ws *WebSocket, client *websocket.Conn, msg string, resumes *atomic.Int32) {
	t.Helper()
	res := readPacketAsync(t, ws)
	time.Sleep(3 * parkAfter) // the idle gap under test
	clientWrite(t, client, websocket.TextMessage, []byte("4"+msg))
	p, err := waitPacket(t, res)
	if err != nil || !wsPacketEqual(p, textPacket(msg)) {
		t.Fatalf("ReadPacket = %s, %v; want %q", wsFormat(p), err, msg)
	}
	if n := resumes.Load(); n != 0 {
		t.Fatalf("resume called %d times", n)
	}
}

// TestParkDisabled: ParkWhenIdle with a zero or negative period does
// nothing; the reader waits as long as its deadline says.
func TestParkDisabled(t *testing.T) {
	for _, after := range []time.Duration{0, -time.Second} {
		t.Run(fmt.Sprint(after), func(t *testing.T) {
			checkNoParkLeak(t)
			ws, client := newWSPair(t, WebSocketConfig{}, nil)
			var resumes atomic.Int32
			ws.ParkWhenIdle(after, func() { resumes.Add(1) })
			if ws.fr.park.Load() != nil {
				t.Fatalf("ParkWhenIdle(%v) enabled parking", after)
			}
			expectReadAcrossGap(t, ws, client, "still here", &resumes)
		})
	}
}

// TestParkNoLeak: whatever happened to parked connections (resumed,
// closed while parked, dropped by the peer, closed while parking), once
// they are closed the poller holds no registration of theirs.
func TestParkNoLeak(t *testing.T) {
	before := parkedCount()

	t.Run("fates", func(t *testing.T) {
		// Closed while parked.
		closed := newParkHarness(t, parkAfter)
		closed.expectParked()
		// Resumed, parked again, then closed.
		resumed := newParkHarness(t, parkAfter)
		resumed.expectParked()
		clientWrite(t, resumed.client, websocket.TextMessage, []byte("4wake"))
		resumed.expectMessage("wake")
		resumed.expectParked()
		// Dropped by the peer while parked.
		dropped := newParkHarness(t, parkAfter)
		dropped.expectParked()
		dropped.client.UnderlyingConn().Close()
		if r := dropped.next("the peer's close"); !IsPeerClose(r.err) {
			t.Fatalf("ReadPacket = %v, want a peer close", r.err)
		}
		// Still parked when the test ends: its cleanup closes it.
		parked := newParkHarness(t, parkAfter)
		parked.expectParked()

		if n := parkedCount() - before; n != 3 {
			t.Errorf("%d parked readers held, want 3 (closed, resumed, parked)", n)
		}
		closed.ws.Close(CloseNormal, "")
		resumed.ws.Close(CloseNormal, "")
		dropped.ws.Close(CloseNormal, "")
		if n := parkedCount() - before; n != 1 {
			t.Errorf("%d parked readers held after closing three, want 1", n)
		}
	})

	// Close racing with parking: a 1ms idle period and Close after a
	// varying delay, so that Close lands before, during and after the
	// registration.
	t.Run("Close while parking", func(t *testing.T) {
		for i := range 40 {
			ws, _ := newWSPair(t, WebSocketConfig{}, nil)
			var resumes atomic.Int32
			// Only a close could wake it (the client sends nothing), and
			// Close forgets the registration first.
			ws.ParkWhenIdle(time.Millisecond, func() { resumes.Add(1) })
			first := make(chan error, 1)
			go func() {
				_, err := ws.ReadPacket()
				first <- err
			}()
			time.Sleep(time.Duration(i%8) * 250 * time.Microsecond)
			ws.Close(CloseNormal, "")
			var err error
			select {
			case err = <-first:
			case <-time.After(wsTimeout):
				t.Fatalf("iteration %d: ReadPacket still blocked after Close", i)
			}
			if err == nil {
				t.Fatalf("iteration %d: ReadPacket succeeded", i)
			}
			if id, held := registration(ws); held {
				t.Fatalf("iteration %d: registration %d held after Close (ReadPacket: %v)", i, id, err)
			}
			if n := resumes.Load(); n != 0 {
				t.Fatalf("iteration %d: resume ran %d times after Close", i, n)
			}
		}
	})

	if after := parkedCount(); after != before {
		t.Fatalf("the poller holds %d parked readers, %d before the test", after, before)
	}
}

// TestParkBoundaryStress: with a 5ms idle period and a client pausing
// 0–10ms between messages, bytes keep arriving around the moment the
// reader parks (before the deadline, between the deadline and the
// registration, just after it). Whatever the interleaving, every message
// arrives once, in order, and each park is followed by exactly one resume.
func TestParkBoundaryStress(t *testing.T) {
	checkNoParkLeak(t)
	const idle = 5 * time.Millisecond
	h := newParkHarness(t, idle)
	const n = 150
	werr := make(chan error, 1)
	go func() {
		for i := range n {
			time.Sleep(time.Duration(i%11) * time.Millisecond) // around the idle period
			h.client.SetWriteDeadline(time.Now().Add(wsTimeout))
			if err := h.client.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, "4s%03d", i)); err != nil {
				werr <- err
				return
			}
		}
		werr <- nil
	}()
	parks := 0
	for i := 0; i < n; {
		r := h.next(fmt.Sprintf("message s%03d (after %d parks)", i, parks))
		if r.err == ErrParked {
			parks++
			continue
		}
		if r.err != nil {
			t.Fatalf("ReadPacket: %v, want message s%03d (after %d parks)", r.err, i, parks)
		}
		if want := textPacket(fmt.Sprintf("s%03d", i)); !wsPacketEqual(r.p, want) {
			t.Fatalf("ReadPacket = %s, want %s (after %d parks)", wsFormat(r.p), wsFormat(want), parks)
		}
		i++
	}
	select {
	case err := <-werr:
		if err != nil {
			t.Fatalf("client WriteMessage: %v", err)
		}
	case <-time.After(wsTimeout):
		t.Fatal("the client writer did not finish")
	}
	h.expectParked()
	parks++
	// Every park but the last was resumed, once.
	for h.resumes.Load() < int32(parks-1) {
		h.expectResume()
	}
	if got := h.resumes.Load(); got != int32(parks-1) {
		t.Errorf("resume called %d times for %d parks followed by bytes", got, parks-1)
	}
	t.Logf("%d messages, %d parks", n, parks)
}

// TestDeflateParked: a parked deflate connection holds no inflater (they
// are pooled per message) and resumes on a compressed message.
func TestDeflateParked(t *testing.T) {
	checkNoParkLeak(t)
	h := newParkHarnessWith(t, 50*time.Millisecond, deflateConfig(), deflateDialer())
	for i := range 2 {
		h.expectParked()
		want := strings.Repeat("parked ", 300) + string(rune('0'+i))
		clientRawWrite(t, h.client, cframe(finBit|0x40|opText, clientDeflate(t, []byte("4"+want))))
		h.expectResume()
		h.expectMessage(want)
	}
}
