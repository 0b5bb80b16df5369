package transports

import (
	"bytes"
	"compress/flate"
	"crypto/tls"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/deflatestat"
)

// Tests of permessage-deflate on the frames (wsdeflate.go): what the
// server compresses and how, what it accepts compressed from the client,
// and the limits of inflating. The client is gorilla's Dialer with
// EnableCompression (it offers the extension without context takeover),
// or hand-built frames on its raw connection.

// deflateConfig compresses payloads of 64 bytes and more.
func deflateConfig() WebSocketConfig {
	return WebSocketConfig{WriteTimeout: wsTimeout, Deflate: &DeflateConfig{Threshold: 64, Level: flate.BestSpeed}}
}

func deflateDialer() *websocket.Dialer {
	return &websocket.Dialer{HandshakeTimeout: wsTimeout, EnableCompression: true}
}

// newDeflatePair is newWSPair with permessage-deflate negotiated.
func newDeflatePair(t *testing.T, cfg WebSocketConfig) (*WebSocket, *websocket.Conn) {
	t.Helper()
	ws, client := newWSPair(t, cfg, deflateDialer())
	if !ws.Deflate() {
		t.Fatal("permessage-deflate not negotiated")
	}
	return ws, client
}

// clientDeflate compresses a message as a client does (RFC 7692 §7.2.1):
// one deflate stream, sync-flushed, without the final 00 00 ff ff.
func clientDeflate(t testing.TB, msg []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(msg)
	w.Flush()
	out := b.Bytes()
	if !bytes.HasSuffix(out, []byte{0, 0, 0xff, 0xff}) {
		t.Fatalf("flush did not end with 00 00 ff ff: % x", out[max(0, len(out)-8):])
	}
	return out[:len(out)-4]
}

// testInflate inflates a server message the way a client does.
func testInflate(t *testing.T, payload []byte) []byte {
	t.Helper()
	r := flate.NewReader(io.MultiReader(bytes.NewReader(payload), bytes.NewReader([]byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff})))
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("inflating the server's message: %v", err)
	}
	return out
}

// expectServerFrame reads one frame on the client's raw connection and
// checks its first byte and (inflated when RSV1 is set) its payload.
func expectServerFrame(t *testing.T, client *websocket.Conn, b0 byte, payload []byte) {
	t.Helper()
	got0, p := readServerFrame(t, client)
	if got0 != b0 {
		t.Fatalf("frame byte 0 %#x, want %#x", got0, b0)
	}
	if b0&0x40 != 0 {
		if len(p) >= len(payload) && len(payload) > 200 {
			t.Errorf("compressed payload of %d bytes for a message of %d", len(p), len(payload))
		}
		p = testInflate(t, p)
	}
	if !bytes.Equal(p, payload) {
		t.Fatalf("payload %q, want %q", trunc(p), trunc(payload))
	}
}

func text(n int) []byte { return bytes.Repeat([]byte("abcdefghij"), n/10+1)[:n] }

// noise is n bytes that do not compress.
func noise(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// TestDeflateWrite: on a connection that negotiated deflate, messages at
// or above the threshold go out compressed (RSV1) in every framing, by
// both write paths; smaller ones and NoCompress ones do not.
func TestDeflateWrite(t *testing.T) {
	msg := func(n int) codec.Packet { return codec.Packet{Type: codec.PacketMessage, Data: text(n)} }
	bin := func(n int) codec.Packet { return codec.Packet{Type: codec.PacketMessage, Data: text(n), Binary: true} }
	noCompress := msg(1000)
	noCompress.NoCompress = true
	tests := []struct {
		name    string
		v3, b64 bool
		p       codec.Packet
		b0      byte   // the frame's first byte
		payload []byte // uncompressed
	}{
		{"text under the threshold", false, false, msg(62), 0x81, append([]byte("4"), text(62)...)},
		{"text at the threshold", false, false, msg(63), 0xc1, append([]byte("4"), text(63)...)},
		{"large text", false, false, msg(100000), 0xc1, append([]byte("4"), text(100000)...)},
		{"ping packet", false, false, codec.Packet{Type: codec.PacketPing, Data: text(100)}, 0xc1, append([]byte("2"), text(100)...)},
		{"NoCompress", false, false, noCompress, 0x81, append([]byte("4"), text(1000)...)},
		{"binary under the threshold", false, false, bin(63), 0x82, text(63)},
		{"binary at the threshold", false, false, bin(64), 0xc2, text(64)},
		{"v3 text", true, false, msg(500), 0xc1, append([]byte("4"), text(500)...)},
		{"v3 binary", true, false, bin(500), 0xc2, append([]byte{4}, text(500)...)},
		{"v3 binary as base64", true, true, bin(500), 0xc1, append([]byte("b4"), base64.StdEncoding.EncodeToString(text(500))...)},
		{"v3 binary as base64 under the threshold", true, true, bin(40), 0x81, append([]byte("b4"), base64.StdEncoding.EncodeToString(text(40))...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, inline := range []bool{false, true} {
				ws, client := newDeflatePair(t, deflateConfig())
				if tt.v3 {
					ws.SetV3(tt.b64)
				}
				before := deflatestat.Compressions.Load()
				if inline && len(tt.payload) < frameBatch {
					taken, _, err := ws.TryWritePackets([]codec.Packet{tt.p})
					if !taken || err != nil {
						t.Fatalf("TryWritePackets = %v, %v", taken, err)
					}
				} else if err := ws.WritePackets([]codec.Packet{tt.p}); err != nil {
					t.Fatal(err)
				}
				expectServerFrame(t, client, tt.b0, tt.payload)
				want := uint64(0)
				if tt.b0&0x40 != 0 {
					want = 1
				}
				if got := deflatestat.Compressions.Load() - before; got != want {
					t.Errorf("%d compressions, want %d", got, want)
				}
			}
		})
	}
}

// TestDeflateWriteBatch: a batch mixing compressed and plain frames, read
// by gorilla's client as a client library would.
func TestDeflateWriteBatch(t *testing.T) {
	ws, client := newDeflatePair(t, deflateConfig())
	var pkts []codec.Packet
	for i, n := range []int{10, 5000, 0, 70000, 63, 64} {
		p := codec.Packet{Type: codec.PacketMessage, Data: text(n), Binary: i%2 == 1}
		pkts = append(pkts, p)
	}
	if err := ws.WritePackets(pkts); err != nil {
		t.Fatal(err)
	}
	for i, p := range pkts {
		typ, data, err := clientRead(t, client)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		want, wantTyp := append([]byte("4"), p.Data...), websocket.TextMessage
		if p.Binary {
			want, wantTyp = p.Data, websocket.BinaryMessage
		}
		if typ != wantTyp || !bytes.Equal(data, want) {
			t.Fatalf("message %d: %s %q, want %s %q", i, wsFrameName(typ), trunc(data), wsFrameName(wantTyp), trunc(want))
		}
	}
}

// TestDeflateNotNegotiated: a client that offers nothing gets nothing
// compressed, and a frame with RSV1 from it is a protocol error.
func TestDeflateNotNegotiated(t *testing.T) {
	ws, client := newWSPair(t, deflateConfig(), nil)
	if ws.Deflate() {
		t.Fatal("deflate negotiated without an offer")
	}
	if err := ws.WritePackets([]codec.Packet{{Type: codec.PacketMessage, Data: text(5000)}}); err != nil {
		t.Fatal(err)
	}
	expectServerFrame(t, client, 0x81, append([]byte("4"), text(5000)...))
	clientRawWrite(t, client, cframe(finBit|0x40|opText, clientDeflate(t, []byte("4hello"))))
	expectReadError(t, ws, errProtocol)
	expectRawClose(t, client, CloseProtocolError)
}

// TestDeflateRead: compressed messages from the client, whole, fragmented
// with control frames between the fragments, empty, and mixed with plain
// ones.
func TestDeflateRead(t *testing.T) {
	ws, client := newDeflatePair(t, deflateConfig())
	big := append([]byte("4"), text(200000)...)
	c := clientDeflate(t, big)
	third := len(c) / 3

	clientRawWrite(t, client, cframe(finBit|0x40|opText, clientDeflate(t, []byte("4hello"))))
	expectPacket(t, ws, textPacket("hello"))

	clientRawWrite(t, client, buildFrame(finBit|0x40|opBinary, true, lenMinimal, clientDeflate(t, text(3000))))
	expectPacket(t, ws, codec.Packet{Type: codec.PacketMessage, Data: text(3000), Binary: true})

	// RSV1 on the first frame only; a ping and a pong between the
	// fragments are answered and skipped.
	clientRawWrite(t, client,
		cframe(0x40|opText, c[:third]),
		cframe(finBit|opPing, []byte("p1")),
		cframe(opContinuation, c[third:2*third]),
		cframe(finBit|opPong, nil),
		cframe(opContinuation, nil),
		cframe(finBit|opContinuation, c[2*third:]))
	expectPacket(t, ws, textPacket(string(big[1:])))
	expectRawPong(t, client, []byte("p1"))

	// An empty message compresses to one byte (RFC 7692 §7.2.3.6).
	clientRawWrite(t, client, cframe(finBit|0x40|opBinary, []byte{0x00}))
	expectPacket(t, ws, codec.Packet{Type: codec.PacketMessage, Data: []byte{}, Binary: true})
	clientRawWrite(t, client, cframe(finBit|0x40|opBinary, clientDeflate(t, nil)))
	expectPacket(t, ws, codec.Packet{Type: codec.PacketMessage, Data: []byte{}, Binary: true})

	// Uncompressed messages stay valid on a deflate connection.
	clientRawWrite(t, client, cframe(finBit|opText, []byte("4plain")))
	expectPacket(t, ws, textPacket("plain"))

	// A stream that ends in a final block (BFINAL) before our tail.
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestSpeed)
	w.Write([]byte("4final"))
	w.Close()
	clientRawWrite(t, client, cframe(finBit|0x40|opText, b.Bytes()))
	expectPacket(t, ws, textPacket("final"))

	// gorilla's own compressed writes.
	client.EnableWriteCompression(true)
	clientWrite(t, client, websocket.TextMessage, big)
	expectPacket(t, ws, textPacket(string(big[1:])))
}

// TestDeflateReadErrors: RSV1 where RFC 7692 forbids it is a protocol
// error (1002), data that does not inflate is 1007, UTF-8 is checked on
// the inflated text, and MaxPayload on the inflated size (1009).
func TestDeflateReadErrors(t *testing.T) {
	c := clientDeflate(t, append([]byte("4"), text(1000)...))
	tests := []struct {
		name       string
		maxPayload int64
		frames     []byte
		err        error
		code       int
	}{
		{"RSV1 on a continuation", 0, concat(cframe(opText, []byte("4a")), cframe(finBit|0x40|opContinuation, []byte("b"))), errProtocol, CloseProtocolError},
		{"RSV1 on both fragments", 0, concat(cframe(0x40|opText, c[:10]), cframe(finBit|0x40|opContinuation, c[10:])), errProtocol, CloseProtocolError},
		{"RSV1 on a ping", 0, cframe(finBit|0x40|opPing, nil), errProtocol, CloseProtocolError},
		{"RSV1 on a close", 0, cframe(finBit|0x40|opClose, closePayload(1000, "")), errProtocol, CloseProtocolError},
		{"RSV2", 0, cframe(finBit|0x20|opText, c), errProtocol, CloseProtocolError},
		{"RSV1 and RSV3", 0, cframe(finBit|0x50|opText, c), errProtocol, CloseProtocolError},
		{"invalid block type", 0, cframe(finBit|0x40|opText, []byte{0x07, 0x00}), errDeflate, websocket.CloseInvalidFramePayloadData},
		{"truncated", 0, cframe(finBit|0x40|opText, c[:len(c)/2]), errDeflate, websocket.CloseInvalidFramePayloadData},
		{"inflated text not UTF-8", 0, cframe(finBit|0x40|opText, clientDeflate(t, []byte("4\xff\xfe"))), errInvalidUTF8, websocket.CloseInvalidFramePayloadData},
		{"inflated over MaxPayload", 1000, cframe(finBit|0x40|opText, c), ErrMessageTooBig, CloseTooBig},
		{"compressed over MaxPayload", 100, cframe(finBit|0x40|opBinary, clientDeflate(t, noise(200))), ErrMessageTooBig, CloseTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := deflateConfig()
			cfg.MaxPayload = tt.maxPayload
			ws, client := newDeflatePair(t, cfg)
			clientRawWrite(t, client, tt.frames)
			expectReadError(t, ws, tt.err)
			expectRawClose(t, client, tt.code)
		})
	}
	t.Run("inflated at MaxPayload", func(t *testing.T) {
		cfg := deflateConfig()
		cfg.MaxPayload = 1001
		ws, client := newDeflatePair(t, cfg)
		clientRawWrite(t, client, cframe(finBit|0x40|opText, c))
		expectPacket(t, ws, textPacket(string(text(1000))))
	})
}

// zipBomb is a compressed message of a few KiB that inflates to n zero
// bytes.
func zipBomb(t testing.TB, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	zeros := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, len(zeros))
		w.Write(zeros[:k])
		n -= k
	}
	w.Flush()
	return b.Bytes()[:b.Len()-4]
}

// TestInflateBomb: 10 MB of zeros in about 10 KiB against a 1 MB limit
// is refused while inflating, allocating about twice the limit, not the
// 10 MB it inflates to; over a connection the client gets 1009.
func TestInflateBomb(t *testing.T) {
	const limit = 1_000_000
	bomb := zipBomb(t, 10_000_000)
	if len(bomb) > 20_000 {
		t.Fatalf("bomb of %d bytes", len(bomb))
	}
	_, _ = inflate(nil, 0) // an inflater in the pool, as a server has one
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	out, err := inflate(bomb, limit)
	runtime.ReadMemStats(&after)
	if err != ErrMessageTooBig || out != nil {
		t.Fatalf("inflate = %d bytes, %v; want ErrMessageTooBig", len(out), err)
	}
	got := after.TotalAlloc - before.TotalAlloc
	t.Logf("a %d-byte bomb of 10 MB: %d bytes allocated", len(bomb), got)
	// About 2.2 MB: the output buffer doubles up to limit+1 bytes. The
	// race detector's pools drop items, hence the margin.
	if got > 4*limit {
		t.Errorf("inflating the bomb allocated %d bytes, want at most %d", got, 4*limit)
	}

	cfg := deflateConfig()
	cfg.MaxPayload = limit
	ws, client := newDeflatePair(t, cfg)
	clientRawWrite(t, client, cframe(finBit|0x40|opBinary, bomb))
	expectReadError(t, ws, ErrMessageTooBig)
	expectRawClose(t, client, CloseTooBig)
}

// TestInflateSizes: messages around the growth steps of the output
// buffer inflate exactly, with and without a limit.
func TestInflateSizes(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 65, 1000, 4095, 4096, 4097, 1 << 16, 1<<16 + 1, 3 << 20} {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(i * i >> 3)
		}
		c := clientDeflate(t, msg)
		for _, limit := range []int64{0, int64(n), int64(n) + 1} {
			out, err := inflate(c, limit)
			if err != nil || !bytes.Equal(out, msg) {
				t.Fatalf("%d bytes, limit %d: %d bytes, %v", n, limit, len(out), err)
			}
		}
		if n > 1 { // a limit of 0 is none
			if _, err := inflate(c, int64(n-1)); err != ErrMessageTooBig {
				t.Fatalf("%d bytes, limit %d: %v, want ErrMessageTooBig", n, n-1, err)
			}
		}
	}
}

// TestDeflateMemo: a packet with a Memo written on several connections is
// compressed once per framing; every connection sends the same bytes.
func TestDeflateMemo(t *testing.T) {
	p := codec.Packet{Type: codec.PacketMessage, Data: text(4000), Memo: new(codec.Memo)}
	b := codec.Packet{Type: codec.PacketMessage, Data: text(4000), Binary: true, Memo: new(codec.Memo)}
	before := deflatestat.Compressions.Load()
	var frames [][]byte
	for i := range 4 {
		ws, client := newDeflatePair(t, deflateConfig())
		if i == 3 {
			ws.SetV3(false) // v3 text frames are v4's; binary ones differ
		}
		var err error
		if i%2 == 0 {
			err = ws.WritePackets([]codec.Packet{p, b})
		} else {
			_, _, err = ws.TryWritePackets([]codec.Packet{p, b})
		}
		if err != nil {
			t.Fatal(err)
		}
		_, f := readServerFrame(t, client)
		frames = append(frames, f)
		b0, _ := readServerFrame(t, client)
		if b0 != 0xc2 {
			t.Fatalf("binary frame byte 0 %#x", b0)
		}
	}
	// Text once, binary once for v4 and once for v3.
	if got := deflatestat.Compressions.Load() - before; got != 3 {
		t.Errorf("%d compressions for one text and one binary packet on 3 v4 and 1 v3 connections, want 3", got)
	}
	for i, f := range frames[1:] {
		if !bytes.Equal(f, frames[0]) {
			t.Errorf("connection %d sent other bytes", i+1)
		}
	}
	if got := testInflate(t, frames[0]); !bytes.Equal(got, append([]byte("4"), p.Data...)) {
		t.Errorf("memo holds %q", trunc(got))
	}
}

// TestDeflateErrorIsNotAPeerClose: data that does not inflate is a fault
// of the client, answered with 1007.
func TestDeflateErrorIsNotAPeerClose(t *testing.T) {
	if IsPeerClose(errDeflate) || closeCode(errDeflate) != websocket.CloseInvalidFramePayloadData {
		t.Error("errDeflate: taken for a peer close, or not answered with 1007")
	}
}

// TestDeflateTLS: over TLS (the buffered reader, the blocking writer),
// compressed messages both ways.
func TestDeflateTLS(t *testing.T) {
	d := &websocket.Dialer{HandshakeTimeout: wsTimeout, EnableCompression: true, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	ws, client := startWSPair(t, deflateConfig(), d, true)
	if !ws.Deflate() {
		t.Fatal("permessage-deflate not negotiated over TLS")
	}
	big := append([]byte("4"), text(30000)...)
	clientWrite(t, client, websocket.TextMessage, big)
	expectPacket(t, ws, textPacket(string(big[1:])))
	if taken, _, _ := ws.TryWritePackets([]codec.Packet{textPacket(string(big[1:]))}); taken {
		t.Fatal("TryWritePackets took packets on TLS")
	}
	if err := ws.WritePackets([]codec.Packet{textPacket(string(big[1:])), textPacket("small")}); err != nil {
		t.Fatal(err)
	}
	for _, want := range [][]byte{big, []byte("4small")} {
		if _, got, err := clientRead(t, client); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("client read %q, %v; want %q", trunc(got), err, trunc(want))
		}
	}
}
