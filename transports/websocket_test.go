package transports

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/codec"
)

// wsTimeout bounds every wait in these tests so that a bug shows up as a
// failure, not a hung test binary.
const wsTimeout = 5 * time.Second

// newWSPair starts an httptest server whose handler upgrades with cfg, dials
// it with dialer (nil: a default dialer) and returns both ends. Everything
// is closed when the test ends.
func newWSPair(t *testing.T, cfg WebSocketConfig, dialer *websocket.Dialer) (*WebSocket, *websocket.Conn) {
	t.Helper()
	return startWSPair(t, cfg, dialer, false)
}

// newWSPairTLS is newWSPair over TLS.
func newWSPairTLS(t *testing.T, cfg WebSocketConfig) (*WebSocket, *websocket.Conn) {
	t.Helper()
	return startWSPair(t, cfg, &websocket.Dialer{HandshakeTimeout: wsTimeout, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, true)
}

func startWSPair(t *testing.T, cfg WebSocketConfig, dialer *websocket.Dialer, useTLS bool) (*WebSocket, *websocket.Conn) {
	t.Helper()
	type result struct {
		ws  *WebSocket
		err error
	}
	ch := make(chan result, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !IsWebSocketRequest(r) {
			t.Errorf("IsWebSocketRequest = false for the dialer's request")
		}
		ws, err := Upgrade(w, r, cfg)
		ch <- result{ws, err}
	}))
	if useTLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)

	if dialer == nil {
		dialer = &websocket.Dialer{HandshakeTimeout: wsTimeout}
	}
	// http:// → ws://, https:// → wss://
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/engine.io/?EIO=4&transport=websocket"
	client, res, err := dialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	res.Body.Close()
	t.Cleanup(func() { client.Close() })

	var r result
	select {
	case r = <-ch:
	case <-time.After(wsTimeout):
		t.Fatal("server never upgraded")
	}
	if r.err != nil {
		t.Fatalf("Upgrade: %v", r.err)
	}
	t.Cleanup(func() { r.ws.Close(CloseNormal, "") })
	return r.ws, client
}

// readPacketTimeout runs ReadPacket with a deadline.
func readPacketTimeout(t *testing.T, ws *WebSocket) (codec.Packet, error) {
	t.Helper()
	if err := ws.SetReadDeadline(time.Now().Add(wsTimeout)); err != nil {
		t.Fatalf("SetReadDeadline: %v", err)
	}
	return ws.ReadPacket()
}

// clientWrite writes one message from the client.
func clientWrite(t *testing.T, c *websocket.Conn, typ int, data []byte) {
	t.Helper()
	c.SetWriteDeadline(time.Now().Add(wsTimeout))
	if err := c.WriteMessage(typ, data); err != nil {
		t.Fatalf("client WriteMessage: %v", err)
	}
}

// clientRead reads one message on the client side.
func clientRead(t *testing.T, c *websocket.Conn) (int, []byte, error) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(wsTimeout))
	return c.ReadMessage()
}

func wsPacketEqual(a, b codec.Packet) bool {
	return a.Type == b.Type && a.Binary == b.Binary && bytes.Equal(a.Data, b.Data)
}

func wsFormat(p codec.Packet) string {
	if len(p.Data) > 40 {
		return fmt.Sprintf("{%v binary=%v %d bytes}", p.Type, p.Binary, len(p.Data))
	}
	return fmt.Sprintf("{%v binary=%v %q}", p.Type, p.Binary, p.Data)
}

func wsFrameName(typ int) string {
	switch typ {
	case websocket.TextMessage:
		return "text"
	case websocket.BinaryMessage:
		return "binary"
	}
	return fmt.Sprintf("frame type %d", typ)
}

func TestWebSocketReadPacket(t *testing.T) {
	// A tiny client write buffer makes gorilla fragment large messages
	// into many frames.
	ws, client := newWSPair(t, WebSocketConfig{}, &websocket.Dialer{HandshakeTimeout: wsTimeout, WriteBufferSize: 64})
	big := bytes.Repeat([]byte("0123456789"), 10000)
	tests := []struct {
		name    string
		typ     int
		data    []byte
		want    codec.Packet
		wantErr error
	}{
		{"text message", websocket.TextMessage, []byte("4hello"), codec.Packet{Type: codec.PacketMessage, Data: []byte("hello")}, nil},
		{"text empty message", websocket.TextMessage, []byte("4"), codec.Packet{Type: codec.PacketMessage}, nil},
		{"ping probe", websocket.TextMessage, []byte("2probe"), codec.Packet{Type: codec.PacketPing, Data: []byte("probe")}, nil},
		{"pong", websocket.TextMessage, []byte("3"), codec.Packet{Type: codec.PacketPong}, nil},
		{"upgrade", websocket.TextMessage, []byte("5"), codec.Packet{Type: codec.PacketUpgrade}, nil},
		{"close", websocket.TextMessage, []byte("1"), codec.Packet{Type: codec.PacketClose}, nil},
		{"multibyte", websocket.TextMessage, []byte("4héllo 😀"), codec.Packet{Type: codec.PacketMessage, Data: []byte("héllo 😀")}, nil},
		{"base64 in a text frame", websocket.TextMessage, []byte("bAQID"), codec.Packet{Type: codec.PacketMessage, Data: []byte{1, 2, 3}, Binary: true}, nil},
		{"large fragmented text", websocket.TextMessage, append([]byte("4"), big...), codec.Packet{Type: codec.PacketMessage, Data: big}, nil},
		{"binary", websocket.BinaryMessage, []byte{1, 2, 3}, codec.Packet{Type: codec.PacketMessage, Data: []byte{1, 2, 3}, Binary: true}, nil},
		{"binary has no type byte", websocket.BinaryMessage, []byte("4hello"), codec.Packet{Type: codec.PacketMessage, Data: []byte("4hello"), Binary: true}, nil},
		{"binary empty", websocket.BinaryMessage, []byte{}, codec.Packet{Type: codec.PacketMessage, Binary: true}, nil},
		{"large fragmented binary", websocket.BinaryMessage, big, codec.Packet{Type: codec.PacketMessage, Data: big, Binary: true}, nil},
		// A malformed packet is an error, but the connection stays usable:
		// the next case reads from it.
		{"empty text frame", websocket.TextMessage, []byte{}, codec.Packet{}, codec.ErrInvalidPacket},
		{"unknown type", websocket.TextMessage, []byte("9x"), codec.Packet{}, codec.ErrInvalidPacket},
		{"type 7", websocket.TextMessage, []byte("7"), codec.Packet{}, codec.ErrInvalidPacket},
		{"bad base64", websocket.TextMessage, []byte("b!!"), codec.Packet{}, codec.ErrInvalidPacket},
		{"text after errors", websocket.TextMessage, []byte("4still here"), codec.Packet{Type: codec.PacketMessage, Data: []byte("still here")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clientWrite(t, client, tt.typ, tt.data)
			got, err := readPacketTimeout(t, ws)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want one wrapping %v", err, tt.wantErr)
				}
				if IsPeerClose(err) {
					t.Errorf("IsPeerClose(%v) = true", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadPacket: %v", err)
			}
			if !wsPacketEqual(got, tt.want) {
				t.Errorf("ReadPacket = %s, want %s", wsFormat(got), wsFormat(tt.want))
			}
		})
	}
}

// expectClientClose reads on the client until the server's close frame
// arrives and checks its code.
func expectClientClose(t *testing.T, client *websocket.Conn, code int) {
	t.Helper()
	for {
		typ, data, err := clientRead(t, client)
		if err == nil {
			t.Logf("client skipped a %s message of %d bytes", wsFrameName(typ), len(data))
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("client read error = %v, want a close frame with code %d", err, code)
		}
		if ce.Code != code {
			t.Fatalf("client got close code %d (%q), want %d", ce.Code, ce.Text, code)
		}
		return
	}
}

func TestWebSocketMaxPayload(t *testing.T) {
	const max = 16
	cfg := WebSocketConfig{MaxPayload: max}

	t.Run("at the limit", func(t *testing.T) {
		ws, client := newWSPair(t, cfg, nil)
		text := append([]byte("4"), bytes.Repeat([]byte{'x'}, max-1)...)
		clientWrite(t, client, websocket.TextMessage, text)
		if p, err := readPacketTimeout(t, ws); err != nil || len(p.Data) != max-1 {
			t.Fatalf("text frame of %d bytes: %s, %v", len(text), wsFormat(p), err)
		}
		bin := bytes.Repeat([]byte{0xff}, max)
		clientWrite(t, client, websocket.BinaryMessage, bin)
		if p, err := readPacketTimeout(t, ws); err != nil || len(p.Data) != max {
			t.Fatalf("binary frame of %d bytes: %s, %v", len(bin), wsFormat(p), err)
		}
	})

	over := []struct {
		name   string
		typ    int
		size   int
		dialer *websocket.Dialer
	}{
		{"text one over", websocket.TextMessage, max + 1, nil},
		{"binary one over", websocket.BinaryMessage, max + 1, nil},
		{"fragmented over", websocket.TextMessage, 3 * max, &websocket.Dialer{HandshakeTimeout: wsTimeout, WriteBufferSize: max / 2}},
		{"far over", websocket.BinaryMessage, 4 << 20, nil},
	}
	for _, tt := range over {
		t.Run(tt.name, func(t *testing.T) {
			ws, client := newWSPair(t, cfg, tt.dialer)
			data := bytes.Repeat([]byte{'4'}, tt.size)
			// Written from a goroutine: the server refuses from the frame
			// header and need not read a large payload.
			werr := make(chan error, 1)
			go func() {
				client.SetWriteDeadline(time.Now().Add(wsTimeout))
				werr <- client.WriteMessage(tt.typ, data)
			}()
			_, err := readPacketTimeout(t, ws)
			if !errors.Is(err, ErrMessageTooBig) {
				t.Fatalf("ReadPacket = %v, want ErrMessageTooBig", err)
			}
			if IsPeerClose(err) {
				t.Errorf("IsPeerClose(ErrMessageTooBig) = true")
			}
			if tt.size <= 1<<16 {
				if err := <-werr; err != nil {
					t.Fatalf("client WriteMessage: %v", err)
				}
				expectClientClose(t, client, CloseTooBig)
			}
			// What the session layer then does: must not block or panic.
			ws.Close(CloseTooBig, "")
			if tt.size > 1<<16 {
				<-werr // fails or succeeds once the connection is gone
			}
		})
	}
}

func TestWebSocketWritePackets(t *testing.T) {
	big := bytes.Repeat([]byte("abcdefghij"), 2000)
	pkts := []codec.Packet{
		{Type: codec.PacketOpen, Data: []byte(`{"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`)},
		{Type: codec.PacketPing},
		{Type: codec.PacketPong, Data: []byte("probe")},
		{Type: codec.PacketMessage, Data: []byte("hello")},
		{Type: codec.PacketMessage},
		{Type: codec.PacketMessage, Data: []byte{1, 2, 3}, Binary: true},
		{Type: codec.PacketMessage, Binary: true},
		{Type: codec.PacketMessage, Data: []byte("héllo 😀")},
		{Type: codec.PacketMessage, Data: big},
		{Type: codec.PacketMessage, Data: big, Binary: true},
		{Type: codec.PacketNoop},
		{Type: codec.PacketClose},
	}
	type frame struct {
		typ  int
		data []byte
	}
	want := make([]frame, len(pkts))
	for i, p := range pkts {
		if p.Binary {
			want[i] = frame{websocket.BinaryMessage, p.Data}
		} else {
			want[i] = frame{websocket.TextMessage, codec.AppendPacket(nil, p)}
		}
	}
	// Several write buffer sizes, all sharing the package's buffer pool.
	for _, wbs := range []int{0, 16, 100, 1 << 16} {
		t.Run(fmt.Sprintf("WriteBufferSize=%d", wbs), func(t *testing.T) {
			ws, client := newWSPair(t, WebSocketConfig{WriteBufferSize: wbs, ReadBufferSize: wbs, WriteTimeout: wsTimeout}, nil)
			errc := make(chan error, 1)
			go func() { errc <- ws.WritePackets(pkts) }()
			for i, w := range want {
				typ, data, err := clientRead(t, client)
				if err != nil {
					t.Fatalf("message %d: client read: %v", i, err)
				}
				if typ != w.typ || !bytes.Equal(data, w.data) {
					t.Fatalf("message %d = %s %q, want %s %q", i, wsFrameName(typ), trunc(data), wsFrameName(w.typ), trunc(w.data))
				}
			}
			if err := <-errc; err != nil {
				t.Fatalf("WritePackets: %v", err)
			}
			// Nothing more was sent.
			client.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			if typ, data, err := client.ReadMessage(); err == nil {
				t.Fatalf("extra %s message %q", wsFrameName(typ), trunc(data))
			}
		})
	}
}

func TestWebSocketWritePacketsEmpty(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{}, nil)
	if err := ws.WritePackets(nil); err != nil {
		t.Fatalf("WritePackets(nil): %v", err)
	}
	client.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if typ, data, err := client.ReadMessage(); err == nil {
		t.Fatalf("WritePackets(nil) sent a %s message %q", wsFrameName(typ), data)
	}
}

// A peer that stops reading makes WritePackets fail once WriteTimeout has
// passed, instead of blocking forever.
func TestWebSocketWriteTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	ws, _ := newWSPair(t, WebSocketConfig{WriteTimeout: timeout}, nil)
	chunk := make([]byte, 1<<20)
	pkts := make([]codec.Packet, 256) // far more than socket buffers hold
	for i := range pkts {
		pkts[i] = codec.Packet{Type: codec.PacketMessage, Data: chunk, Binary: true}
	}
	start := time.Now()
	err := ws.WritePackets(pkts)
	elapsed := time.Since(start)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("WritePackets = %v after %v, want a timeout", err, elapsed)
	}
	if elapsed < timeout/2 || elapsed > wsTimeout {
		t.Errorf("WritePackets timed out after %v, want about %v", elapsed, timeout)
	}
}

func TestWebSocketReadDeadline(t *testing.T) {
	ws, _ := newWSPair(t, WebSocketConfig{}, nil)
	if err := ws.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	_, err := ws.ReadPacket()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("ReadPacket = %v, want a timeout", err)
	}
	if IsPeerClose(err) {
		t.Errorf("IsPeerClose(timeout) = true")
	}
}

// Close unblocks a pending ReadPacket, sends exactly one close frame with
// the first call's code however many goroutines call it, and makes later
// writes fail rather than panic.
func TestWebSocketCloseConcurrent(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{}, nil)

	readErr := make(chan error, 1)
	go func() {
		_, err := ws.ReadPacket() // blocks: the client sends nothing
		readErr <- err
	}()
	// A writer running concurrently with Close, as the session's flush can.
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for {
			if err := ws.WritePackets([]codec.Packet{{Type: codec.PacketNoop}}); err != nil {
				return
			}
		}
	}()
	time.Sleep(20 * time.Millisecond) // let ReadPacket block

	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ws.Close(CloseGoingAway, "server shutting down")
		}()
	}
	close(start)
	wg.Wait()

	select {
	case err := <-readErr:
		if err == nil {
			t.Fatal("ReadPacket returned no error after Close")
		}
	case <-time.After(wsTimeout):
		t.Fatal("ReadPacket still blocked after Close")
	}
	select {
	case <-writerDone:
	case <-time.After(wsTimeout):
		t.Fatal("WritePackets still succeeding after Close")
	}

	// The client gets the noops written before Close, then one close frame.
	for {
		typ, data, err := clientRead(t, client)
		if err == nil {
			if typ != websocket.TextMessage || string(data) != "6" {
				t.Fatalf("client got %s %q, want noops then close", wsFrameName(typ), data)
			}
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != CloseGoingAway || ce.Text != "server shutting down" {
			t.Fatalf("client read error = %v, want close 1001 \"server shutting down\"", err)
		}
		break
	}

	// Later calls have no effect and do not panic.
	ws.Close(CloseProtocolError, "again")
	ws.Close(CloseNormal, "")
	if err := ws.WritePackets([]codec.Packet{{Type: codec.PacketMessage, Data: []byte("late")}}); err == nil {
		t.Error("WritePackets after Close succeeded")
	}
	if _, err := ws.ReadPacket(); err == nil {
		t.Error("ReadPacket after Close succeeded")
	}
}

// Close with the peer already gone returns promptly.
func TestWebSocketCloseAfterPeerGone(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{}, nil)
	client.UnderlyingConn().Close()
	done := make(chan struct{})
	go func() {
		ws.Close(CloseNormal, "")
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(wsTimeout):
		t.Fatal("Close blocked")
	}
}

func TestWebSocketPeerClose(t *testing.T) {
	tests := []struct {
		name     string
		msg      []byte // close frame payload; nil: drop the TCP connection
		wantCode int
		peer     bool
	}{
		{"normal closure", websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), websocket.CloseNormalClosure, true},
		{"going away", websocket.FormatCloseMessage(websocket.CloseGoingAway, ""), websocket.CloseGoingAway, true},
		{"no status", websocket.FormatCloseMessage(websocket.CloseNoStatusReceived, ""), websocket.CloseNoStatusReceived, true},
		// Current behaviour, see the report: gorilla turns an EOF without a
		// close frame into code 1006, which IsPeerClose counts as the peer
		// going away (the reference says "transport close").
		{"TCP end without close frame", nil, websocket.CloseAbnormalClosure, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, client := newWSPair(t, WebSocketConfig{}, nil)
			if tt.msg == nil {
				client.UnderlyingConn().Close()
			} else if err := client.WriteControl(websocket.CloseMessage, tt.msg, time.Now().Add(wsTimeout)); err != nil {
				t.Fatalf("client WriteControl: %v", err)
			}
			_, err := readPacketTimeout(t, ws)
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != tt.wantCode {
				t.Fatalf("ReadPacket = %v, want a close error with code %d", err, tt.wantCode)
			}
			if got := IsPeerClose(err); got != tt.peer {
				t.Errorf("IsPeerClose(%v) = %v, want %v", err, got, tt.peer)
			}
			if errors.Is(err, codec.ErrInvalidPacket) {
				t.Errorf("close error wraps ErrInvalidPacket")
			}
		})
	}
}

func TestIsPeerClose(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{io.EOF, false},
		{ErrMessageTooBig, false},
		{codec.ErrInvalidPacket, false},
		{&websocket.CloseError{Code: websocket.CloseNormalClosure}, true},
		{&websocket.CloseError{Code: websocket.CloseGoingAway}, true},
		{&websocket.CloseError{Code: websocket.CloseNoStatusReceived}, true},
		{&websocket.CloseError{Code: websocket.CloseProtocolError}, false},
		{&websocket.CloseError{Code: websocket.CloseMessageTooBig}, false},
		{&websocket.CloseError{Code: websocket.CloseInternalServerErr}, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.err), func(t *testing.T) {
			if got := IsPeerClose(tt.err); got != tt.want {
				t.Errorf("IsPeerClose(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestIsWebSocketRequest(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		want    bool
	}{
		{"plain GET", nil, false},
		{"upgrade", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket"}, true},
		{"mixed case and lists", map[string]string{"Connection": "keep-alive, upgrade", "Upgrade": "WebSocket"}, true},
		{"no Connection", map[string]string{"Upgrade": "websocket"}, false},
		{"other protocol", map[string]string{"Connection": "Upgrade", "Upgrade": "h2c"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/engine.io/?EIO=4&transport=websocket", nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			if got := IsWebSocketRequest(r); got != tt.want {
				t.Errorf("IsWebSocketRequest = %v, want %v", got, tt.want)
			}
		})
	}
}

// A request that is not a valid upgrade fails, and gorilla has answered it.
func TestUpgradeRefused(t *testing.T) {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/engine.io/?EIO=4&transport=websocket", nil)
	ws, err := Upgrade(rec, r, WebSocketConfig{})
	if err == nil || ws != nil {
		t.Fatalf("Upgrade = %v, %v; want an error", ws, err)
	}
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", rec.Code)
	}
}

// Any Origin is accepted: origin policy belongs to the HTTP middleware.
func TestUpgradeAnyOrigin(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := Upgrade(w, r, WebSocketConfig{})
		if err != nil {
			return
		}
		ws.Close(CloseNormal, "")
	}))
	defer srv.Close()
	h := http.Header{"Origin": {"https://evil.example"}}
	c, res, err := (&websocket.Dialer{HandshakeTimeout: wsTimeout}).Dial("ws"+strings.TrimPrefix(srv.URL, "http"), h)
	if err != nil {
		t.Fatalf("Dial with a foreign Origin: %v", err)
	}
	res.Body.Close()
	c.Close()
}

func TestWebSocketString(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{}, nil)
	want := "websocket(" + client.LocalAddr().String() + ")"
	if got := ws.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
