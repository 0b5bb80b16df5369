package transports

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/codec"
)

// Tests of the frame reader (wsread.go) through real upgraded connections:
// the client side writes hand-built frames on its raw net.Conn, so that
// anything RFC 6455 allows (or forbids) can be sent, and reads the server's
// replies (pongs, close frames) from the raw connection too.

const finBit = 0x80

// lenForm selects how a frame's payload length is encoded.
type lenForm int

const (
	lenMinimal lenForm = iota // the smallest form, as RFC 6455 asks
	len7                      // in the second header byte
	len16                     // 126 and a 16-bit length
	len64                     // 127 and a 64-bit length
)

// wsTestKey is the masking key of the frames the tests build; it has no
// zero byte, so a payload left masked or unmasked twice shows.
var wsTestKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// buildFrame builds a client frame: b0 is the first header byte (FIN, RSV
// bits and opcode), the payload is masked with wsTestKey when masked is set.
func buildFrame(b0 byte, masked bool, form lenForm, payload []byte) []byte {
	n := len(payload)
	if form == lenMinimal {
		switch {
		case n < 126:
			form = len7
		case n <= 0xffff:
			form = len16
		default:
			form = len64
		}
	}
	var maskBit byte
	if masked {
		maskBit = 0x80
	}
	b := []byte{b0}
	switch form {
	case len7:
		b = append(b, maskBit|byte(n))
	case len16:
		b = append(b, maskBit|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	case len64:
		b = append(b, maskBit|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if !masked {
		return append(b, payload...)
	}
	b = append(b, wsTestKey[:]...)
	for i, c := range payload {
		b = append(b, c^wsTestKey[i%4])
	}
	return b
}

// cframe builds a masked client frame with the minimal length encoding.
func cframe(b0 byte, payload []byte) []byte { return buildFrame(b0, true, lenMinimal, payload) }

// closePayload is the payload of a close frame with code and reason.
func closePayload(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

func concat(frames ...[]byte) []byte { return bytes.Join(frames, nil) }

// clientRawWrite writes each chunk with one Write on the client's
// underlying connection.
func clientRawWrite(t *testing.T, c *websocket.Conn, chunks ...[]byte) {
	t.Helper()
	nc := c.UnderlyingConn()
	if err := nc.SetWriteDeadline(time.Now().Add(wsTimeout)); err != nil {
		t.Fatalf("SetWriteDeadline: %v", err)
	}
	for i, b := range chunks {
		if _, err := nc.Write(b); err != nil {
			t.Fatalf("client raw write %d: %v", i, err)
		}
	}
}

// readServerFrame reads one frame from the server on the client's raw
// connection. Server frames are final and unmasked.
func readServerFrame(t *testing.T, c *websocket.Conn) (b0 byte, payload []byte) {
	t.Helper()
	nc := c.UnderlyingConn()
	if err := nc.SetReadDeadline(time.Now().Add(wsTimeout)); err != nil {
		t.Fatalf("SetReadDeadline: %v", err)
	}
	var h [2]byte
	if _, err := io.ReadFull(nc, h[:]); err != nil {
		t.Fatalf("reading a server frame header: %v", err)
	}
	if h[1]&0x80 != 0 {
		t.Fatalf("server frame %x is masked", h)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(nc, l[:]); err != nil {
			t.Fatalf("reading a server frame length: %v", err)
		}
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(nc, l[:]); err != nil {
			t.Fatalf("reading a server frame length: %v", err)
		}
		n = binary.BigEndian.Uint64(l[:])
	}
	if n > 1<<20 {
		t.Fatalf("server frame of %d bytes", n)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(nc, payload); err != nil {
		t.Fatalf("reading a server frame payload: %v", err)
	}
	return h[0], payload
}

// expectRawPong checks that the next server frame is a pong with payload.
func expectRawPong(t *testing.T, c *websocket.Conn, payload []byte) {
	t.Helper()
	b0, p := readServerFrame(t, c)
	if b0 != finBit|opPong || !bytes.Equal(p, payload) {
		t.Fatalf("server frame %#x %q, want a pong (0x8a) %q", b0, trunc(p), trunc(payload))
	}
}

// expectRawClose checks that the next server frame is a close frame with
// code and no reason.
func expectRawClose(t *testing.T, c *websocket.Conn, code int) {
	t.Helper()
	b0, p := readServerFrame(t, c)
	if b0 != finBit|opClose {
		t.Fatalf("server frame %#x %q, want a close frame with code %d", b0, trunc(p), code)
	}
	if len(p) != 2 {
		t.Fatalf("close payload %q, want the code %d alone", p, code)
	}
	if got := int(binary.BigEndian.Uint16(p)); got != code {
		t.Fatalf("client got close code %d, want %d", got, code)
	}
}

func textPacket(s string) codec.Packet {
	return codec.Packet{Type: codec.PacketMessage, Data: []byte(s)}
}

func expectPacket(t *testing.T, ws *WebSocket, want codec.Packet) {
	t.Helper()
	got, err := readPacketTimeout(t, ws)
	if err != nil {
		t.Fatalf("ReadPacket: %v, want %s", err, wsFormat(want))
	}
	if !wsPacketEqual(got, want) {
		t.Fatalf("ReadPacket = %s, want %s", wsFormat(got), wsFormat(want))
	}
}

// expectReadError checks that ReadPacket fails with want (errors.Is) and
// that the error is not taken for a peer close.
func expectReadError(t *testing.T, ws *WebSocket, want error) {
	t.Helper()
	p, err := readPacketTimeout(t, ws)
	if !errors.Is(err, want) {
		t.Fatalf("ReadPacket = %s, %v; want %v", wsFormat(p), err, want)
	}
	if IsPeerClose(err) {
		t.Errorf("IsPeerClose(%v) = true", err)
	}
}

// readPacketAsync starts ReadPacket, bounded by a deadline, on a goroutine
// of its own, for tests that write while the server reads.
func readPacketAsync(t *testing.T, ws *WebSocket) <-chan packetResult {
	t.Helper()
	if err := ws.SetReadDeadline(time.Now().Add(wsTimeout)); err != nil {
		t.Fatalf("SetReadDeadline: %v", err)
	}
	ch := make(chan packetResult, 1)
	go func() {
		p, err := ws.ReadPacket()
		ch <- packetResult{p, err}
	}()
	return ch
}

type packetResult struct {
	p   codec.Packet
	err error
}

func waitPacket(t *testing.T, ch <-chan packetResult) (codec.Packet, error) {
	t.Helper()
	select {
	case r := <-ch:
		return r.p, r.err
	case <-time.After(2 * wsTimeout): // the read deadline fires first
		t.Fatal("ReadPacket did not return")
		return codec.Packet{}, nil
	}
}

func TestWSReadFrames(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{}, nil)
	text := func(n int) []byte { // "4" and n-1 bytes of text
		return append([]byte("4"), bytes.Repeat([]byte("abcdefghi\n"), n/10+1)[:n-1]...)
	}
	bin := make([]byte, 70000)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	tests := []struct {
		name    string
		b0      byte
		form    lenForm
		payload []byte
		want    codec.Packet
		wantErr error
	}{
		{"text 7-bit length", finBit | opText, len7, []byte("4hello"), textPacket("hello"), nil},
		{"text 125 bytes", finBit | opText, len7, text(125), textPacket(string(text(125)[1:])), nil},
		{"text 126 bytes", finBit | opText, len16, text(126), textPacket(string(text(126)[1:])), nil},
		{"text 200 bytes, 16-bit length", finBit | opText, len16, text(200), textPacket(string(text(200)[1:])), nil},
		{"text 65535 bytes", finBit | opText, len16, text(65535), textPacket(string(text(65535)[1:])), nil},
		{"text 65536 bytes", finBit | opText, len64, text(65536), textPacket(string(text(65536)[1:])), nil},
		{"text 70000 bytes, 64-bit length", finBit | opText, len64, text(70000), textPacket(string(text(70000)[1:])), nil},
		// RFC 6455 asks senders for the minimal length encoding but gives
		// receivers no duty to check it; the reader accepts any.
		{"text, 16-bit length of 6", finBit | opText, len16, []byte("4hello"), textPacket("hello"), nil},
		{"text, 64-bit length of 6", finBit | opText, len64, []byte("4hello"), textPacket("hello"), nil},
		{"multibyte text", finBit | opText, len7, []byte("4héllo 😀"), textPacket("héllo 😀"), nil},
		{"empty message", finBit | opText, len7, []byte("4"), codec.Packet{Type: codec.PacketMessage}, nil},
		{"ping packet", finBit | opText, len7, []byte("2probe"), codec.Packet{Type: codec.PacketPing, Data: []byte("probe")}, nil},
		{"binary", finBit | opBinary, len7, []byte{0, 1, 2, 0xff}, codec.Packet{Type: codec.PacketMessage, Data: []byte{0, 1, 2, 0xff}, Binary: true}, nil},
		{"binary, invalid UTF-8 is fine", finBit | opBinary, len7, []byte{0xc0, 0xaf}, codec.Packet{Type: codec.PacketMessage, Data: []byte{0xc0, 0xaf}, Binary: true}, nil},
		{"binary 70000 bytes, 64-bit length", finBit | opBinary, len64, bin, codec.Packet{Type: codec.PacketMessage, Data: bin, Binary: true}, nil},
		{"binary empty", finBit | opBinary, len7, nil, codec.Packet{Type: codec.PacketMessage, Binary: true}, nil},
		// An empty text frame is valid WebSocket but not an Engine.IO
		// packet: codec.DecodePacket's "empty packet" error. The
		// connection stays usable, as the next cases show.
		{"empty text frame", finBit | opText, len7, nil, codec.Packet{}, codec.ErrInvalidPacket},
		{"empty text frame, 16-bit length", finBit | opText, len16, nil, codec.Packet{}, codec.ErrInvalidPacket},
		{"text after an invalid packet", finBit | opText, len7, []byte("4still here"), textPacket("still here"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := buildFrame(tt.b0, true, tt.form, tt.payload)
			if want := map[lenForm]byte{len7: byte(len(tt.payload)), len16: 126, len64: 127}[tt.form]; frame[1]&0x7f != want {
				t.Fatalf("test bug: length byte %d, want %d", frame[1]&0x7f, want)
			}
			clientRawWrite(t, client, frame)
			if tt.wantErr != nil {
				got, err := readPacketTimeout(t, ws)
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ReadPacket = %s, %v; want an error wrapping %v", wsFormat(got), err, tt.wantErr)
				}
				if err.Error() != "engine.io: invalid packet: empty packet" {
					t.Errorf("err = %q, want the codec's empty packet error", err)
				}
				return
			}
			expectPacket(t, ws, tt.want)
		})
	}
	// No frame was answered: the next server frame is the close frame
	// that a protocol error gets.
	clientRawWrite(t, client, cframe(finBit|0x3, nil))
	expectReadError(t, ws, errProtocol)
	expectRawClose(t, client, CloseProtocolError)
}

// Several frames in one write: the reader serves them from its buffer one
// ReadPacket at a time, and answers the ping among them.
func TestWSReadSeveralFramesOneWrite(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{}, nil)
	clientRawWrite(t, client, concat(
		cframe(finBit|opText, []byte("4one")),
		cframe(finBit|opPing, []byte("p1")),
		cframe(finBit|opBinary, []byte{2}),
		cframe(opText, []byte("4th")),
		cframe(finBit|opContinuation, []byte("ree")),
		cframe(finBit|opText, []byte("4four")),
	))
	expectPacket(t, ws, textPacket("one"))
	expectPacket(t, ws, codec.Packet{Type: codec.PacketMessage, Data: []byte{2}, Binary: true})
	expectPacket(t, ws, textPacket("three"))
	expectPacket(t, ws, textPacket("four"))
	expectRawPong(t, client, []byte("p1"))

	// Frames around the end of the 4 KiB pooled buffer: the first read
	// ends inside the second frame's header, then inside its payload.
	first := cframe(finBit|opText, append([]byte("4"), bytes.Repeat([]byte{'a'}, 4096-3-8-1)...))
	if len(first) != 4096-3 {
		t.Fatalf("test bug: first frame of %d bytes", len(first))
	}
	second := cframe(finBit|opText, append([]byte("4"), bytes.Repeat([]byte{'b'}, 300)...))
	third := cframe(finBit|opText, []byte("4end"))
	clientRawWrite(t, client, concat(first, second, third))
	expectPacket(t, ws, textPacket(strings.Repeat("a", 4096-3-8-1)))
	expectPacket(t, ws, textPacket(strings.Repeat("b", 300)))
	expectPacket(t, ws, textPacket("end"))

	// Many small frames, far more than one buffer.
	var all []byte
	for i := range 1000 {
		all = append(all, cframe(finBit|opText, fmt.Appendf(nil, "4msg %d", i))...)
	}
	clientRawWrite(t, client, all)
	for i := range 1000 {
		expectPacket(t, ws, textPacket(fmt.Sprintf("msg %d", i)))
	}
}

// Frames written one byte per Write while the server reads: the reader
// waits inside the header (2 bytes, extended length, mask) and payload.
func TestWSReadOneByteWrites(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{}, nil)
	long := append([]byte("4"), bytes.Repeat([]byte("xyz"), 100)...)
	tests := []struct {
		name   string
		frames []byte
		want   codec.Packet
		pong   []byte // nil: no ping sent
	}{
		{"7-bit length", cframe(finBit|opText, []byte("4hi")), textPacket("hi"), nil},
		{"16-bit length", buildFrame(finBit|opText, true, len16, long), textPacket(string(long[1:])), nil},
		{"64-bit length", buildFrame(finBit|opBinary, true, len64, []byte{9, 8, 7}), codec.Packet{Type: codec.PacketMessage, Data: []byte{9, 8, 7}, Binary: true}, nil},
		{"fragmented with a ping", concat(
			cframe(opText, []byte("4frag")),
			cframe(finBit|opPing, []byte("ping!")),
			cframe(opContinuation, []byte("men")),
			cframe(finBit|opContinuation, []byte("ted")),
		), textPacket("fragmented"), []byte("ping!")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readPacketAsync(t, ws)
			nc := client.UnderlyingConn()
			nc.SetWriteDeadline(time.Now().Add(wsTimeout))
			for i := range tt.frames {
				if _, err := nc.Write(tt.frames[i : i+1]); err != nil {
					t.Fatalf("client write of byte %d: %v", i, err)
				}
			}
			got, err := waitPacket(t, res)
			if err != nil {
				t.Fatalf("ReadPacket: %v", err)
			}
			if !wsPacketEqual(got, tt.want) {
				t.Fatalf("ReadPacket = %s, want %s", wsFormat(got), wsFormat(tt.want))
			}
			if tt.pong != nil {
				expectRawPong(t, client, tt.pong)
			}
		})
	}
}

// A fragmented message with control frames between its fragments: pings
// are answered at once with the same payload, pongs are not answered, and
// the message comes out whole.
func TestWSReadFragmented(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{}, nil)
	ping125 := bytes.Repeat([]byte{0xa5}, 125)
	clientRawWrite(t, client,
		cframe(opText, []byte("4hel")),
		cframe(finBit|opPing, []byte("are you there")),
		cframe(opContinuation, []byte("lo ")),
		cframe(finBit|opPong, []byte("unsolicited")),
		cframe(finBit|opPing, nil),
		cframe(opContinuation, nil), // an empty fragment
		cframe(finBit|opPing, ping125),
		cframe(finBit|opContinuation, []byte("world")),
	)
	expectPacket(t, ws, textPacket("hello world"))
	expectRawPong(t, client, []byte("are you there"))
	expectRawPong(t, client, nil)
	expectRawPong(t, client, ping125)

	// Binary, starting with an empty fragment, one frame per write.
	clientRawWrite(t, client,
		cframe(opBinary, nil),
		cframe(opContinuation, []byte{1, 2}),
		cframe(opContinuation, []byte{3}),
		cframe(finBit|opContinuation, []byte{4, 5, 6}),
	)
	expectPacket(t, ws, codec.Packet{Type: codec.PacketMessage, Data: []byte{1, 2, 3, 4, 5, 6}, Binary: true})

	// A large message in large fragments (payloads read straight into
	// the message).
	big := bytes.Repeat([]byte("0123456789"), 20000)
	msg := append([]byte("4"), big...)
	clientRawWrite(t, client,
		buildFrame(opText, true, len64, msg[:70000]),
		cframe(finBit|opPing, []byte("mid")),
		cframe(opContinuation, msg[70000:150000]),
		cframe(finBit|opContinuation, msg[150000:]),
	)
	expectPacket(t, ws, codec.Packet{Type: codec.PacketMessage, Data: big})
	expectRawPong(t, client, []byte("mid"))

	// A message after the fragmented ones is read normally, and the
	// unsolicited pong got no answer: the next server frame is the close
	// frame of a protocol error.
	clientRawWrite(t, client, cframe(finBit|opText, []byte("4after")))
	expectPacket(t, ws, textPacket("after"))
	clientRawWrite(t, client, cframe(finBit|opContinuation, []byte("x")))
	expectReadError(t, ws, errProtocol)
	expectRawClose(t, client, CloseProtocolError)
}

// Frames breaking RFC 6455 fail ReadPacket with errProtocol, and the
// server tells the client with close code 1002.
func TestWSReadProtocolErrors(t *testing.T) {
	msb := []byte{finBit | opBinary, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 5}
	msb = append(append(msb, wsTestKey[:]...), 1, 2, 3, 4, 5)
	msbMax := []byte{finBit | opText, 0x80 | 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	msbMax = append(msbMax, wsTestKey[:]...)
	tests := []struct {
		name   string
		frames []byte
	}{
		{"unmasked text", buildFrame(finBit|opText, false, lenMinimal, []byte("4hello"))},
		{"unmasked ping", buildFrame(finBit|opPing, false, lenMinimal, nil)},
		{"unmasked after a valid frame", concat(cframe(opText, []byte("4a")), buildFrame(finBit|opContinuation, false, lenMinimal, []byte("b")))},
		{"RSV1", cframe(finBit|0x40|opText, []byte("4hello"))},
		{"RSV2", cframe(finBit|0x20|opText, []byte("4hello"))},
		{"RSV3", cframe(finBit|0x10|opBinary, []byte{1})},
		{"RSV1 on a ping", cframe(finBit|0x40|opPing, nil)},
		{"reserved data opcode 3", cframe(finBit|0x3, []byte("4hello"))},
		{"reserved data opcode 7", cframe(finBit|0x7, nil)},
		{"reserved control opcode 0xB", cframe(finBit|0xb, nil)},
		{"reserved control opcode 0xF", cframe(finBit|0xf, []byte("x"))},
		{"ping payload 126 bytes", cframe(finBit|opPing, bytes.Repeat([]byte{'p'}, 126))},
		{"pong payload 126 bytes", cframe(finBit|opPong, bytes.Repeat([]byte{'p'}, 126))},
		{"close payload 126 bytes", cframe(finBit|opClose, closePayload(1000, strings.Repeat("r", 124)))},
		{"ping with a 64-bit length of 200", buildFrame(finBit|opPing, true, len64, bytes.Repeat([]byte{'p'}, 200))},
		{"fragmented ping", cframe(opPing, []byte("x"))},
		{"fragmented pong", cframe(opPong, nil)},
		{"fragmented close", cframe(opClose, closePayload(1000, ""))},
		{"continuation with no message started", cframe(finBit|opContinuation, []byte("4x"))},
		{"non-final continuation with no message started", cframe(opContinuation, []byte("4x"))},
		{"continuation after a complete message", concat(cframe(finBit|opText, []byte("4a")), cframe(finBit|opContinuation, []byte("b")))},
		{"text inside a fragmented text message", concat(cframe(opText, []byte("4a")), cframe(finBit|opText, []byte("4b")))},
		{"binary inside a fragmented text message", concat(cframe(opText, []byte("4a")), cframe(finBit|opBinary, []byte{1}))},
		{"text inside a fragmented binary message", concat(cframe(opBinary, []byte{1}), cframe(opContinuation, []byte{2}), cframe(opText, []byte("4b")))},
		{"close payload of 1 byte", cframe(finBit|opClose, []byte{0x03})},
		{"close code 0", cframe(finBit|opClose, closePayload(0, ""))},
		{"close code 999", cframe(finBit|opClose, closePayload(999, ""))},
		{"close code 1004", cframe(finBit|opClose, closePayload(1004, ""))},
		{"close code 1005", cframe(finBit|opClose, closePayload(1005, ""))},
		{"close code 1006", cframe(finBit|opClose, closePayload(1006, "gone"))},
		{"close code 1015", cframe(finBit|opClose, closePayload(1015, ""))},
		{"close code 1016", cframe(finBit|opClose, closePayload(1016, ""))},
		{"close code 2999", cframe(finBit|opClose, closePayload(2999, ""))},
		{"close code 5000", cframe(finBit|opClose, closePayload(5000, ""))},
		{"close code 65535", cframe(finBit|opClose, closePayload(65535, ""))},
		// An invalid UTF-8 close reason fails the connection too (RFC 6455
		// §8.1); the reader reports it as a protocol error.
		{"close reason not UTF-8", cframe(finBit|opClose, closePayload(1000, "bad \xff"))},
		{"64-bit length with the MSB set", msb},
		{"64-bit length of 2^64-1", msbMax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, client := newWSPair(t, WebSocketConfig{}, nil)
			clientRawWrite(t, client, tt.frames)
			if strings.Contains(tt.name, "after a complete message") {
				expectPacket(t, ws, textPacket("a"))
			}
			expectReadError(t, ws, errProtocol)
			expectRawClose(t, client, CloseProtocolError)
		})
	}
}

// The same protocol errors with a MaxPayload set: a frame header is
// judged before its length is compared with the limit.
func TestWSReadProtocolErrorBeforeMaxPayload(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{MaxPayload: 16}, nil)
	msb := []byte{finBit | opBinary, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 0}
	clientRawWrite(t, client, append(msb, wsTestKey[:]...))
	expectReadError(t, ws, errProtocol)
	expectRawClose(t, client, CloseProtocolError)
}

func TestWSReadInvalidUTF8(t *testing.T) {
	tests := []struct {
		name   string
		frames []byte
	}{
		{"invalid byte", cframe(finBit|opText, []byte("4\xff"))},
		{"overlong encoding", cframe(finBit|opText, []byte("4\xc0\xaf"))},
		{"surrogate half", cframe(finBit|opText, []byte("4\xed\xa0\x80"))},
		{"over U+10FFFF", cframe(finBit|opText, []byte("4\xf4\x90\x80\x80"))},
		{"truncated sequence at the end", cframe(finBit|opText, []byte("4abc\xe2\x82"))},
		{"invalid in a 64-bit length frame", buildFrame(finBit|opText, true, len64, append(bytes.Repeat([]byte("4"), 70000), 0xfe))},
		{"invalid split across fragments", concat(
			cframe(opText, []byte("4ab\xf0\x9f")),
			cframe(finBit|opContinuation, []byte("xy")),
		)},
		{"truncated in the first fragment, empty last one", concat(
			cframe(opText, []byte("4ab\xe2\x82")),
			cframe(finBit|opContinuation, nil),
		)},
		{"invalid in a later fragment, after a ping", concat(
			cframe(opText, []byte("4ok")),
			cframe(opContinuation, []byte("still ok")),
			cframe(finBit|opPing, nil),
			cframe(finBit|opContinuation, []byte("\x80")),
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, client := newWSPair(t, WebSocketConfig{}, nil)
			clientRawWrite(t, client, tt.frames)
			expectReadError(t, ws, errInvalidUTF8)
			if strings.Contains(tt.name, "ping") {
				expectRawPong(t, client, nil)
			}
			expectRawClose(t, client, websocket.CloseInvalidFramePayloadData)
		})
	}
}

// Valid UTF-8 split anywhere between fragments, even inside a character,
// is accepted: only the whole message must be valid.
func TestWSReadUTF8SplitAcrossFragments(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{}, nil)
	clientRawWrite(t, client, concat(cframe(opText, []byte("4€\xe2")), cframe(finBit|opContinuation, []byte("\x82\xac"))))
	expectPacket(t, ws, textPacket("€€"))

	emoji := []byte("4😀") // 4 bytes of UTF-8 after the type
	clientRawWrite(t, client,
		cframe(opText, emoji[:2]),
		cframe(opContinuation, emoji[2:3]),
		cframe(finBit|opPing, []byte("x")),
		cframe(finBit|opContinuation, emoji[3:]),
	)
	expectPacket(t, ws, textPacket("😀"))
	expectRawPong(t, client, []byte("x"))

	// Every split point of a mixed string, over two fragments.
	s := []byte("4aé€😀z")
	for i := 0; i <= len(s); i++ {
		clientRawWrite(t, client, concat(cframe(opText, s[:i]), cframe(finBit|opContinuation, s[i:])))
		expectPacket(t, ws, textPacket(string(s[1:])))
	}
}

// MaxPayload bounds the whole message, not each fragment.
func TestWSReadMaxPayloadFragments(t *testing.T) {
	const max = 16
	cfg := WebSocketConfig{MaxPayload: max}
	t.Run("fragments up to the limit", func(t *testing.T) {
		ws, client := newWSPair(t, cfg, nil)
		clientRawWrite(t, client, cframe(opText, []byte("4abcdefg")), cframe(finBit|opContinuation, []byte("hijklmno")))
		expectPacket(t, ws, textPacket("abcdefghijklmno"))
		// Control frames do not count towards the message.
		clientRawWrite(t, client,
			cframe(opBinary, bytes.Repeat([]byte{1}, 8)),
			cframe(finBit|opPing, bytes.Repeat([]byte{'p'}, 125)),
			cframe(finBit|opContinuation, bytes.Repeat([]byte{2}, 8)),
		)
		expectPacket(t, ws, codec.Packet{Type: codec.PacketMessage, Data: append(bytes.Repeat([]byte{1}, 8), bytes.Repeat([]byte{2}, 8)...), Binary: true})
		expectRawPong(t, client, bytes.Repeat([]byte{'p'}, 125))
		// The limit applies to each message afresh.
		clientRawWrite(t, client, cframe(finBit|opBinary, bytes.Repeat([]byte{3}, max)))
		expectPacket(t, ws, codec.Packet{Type: codec.PacketMessage, Data: bytes.Repeat([]byte{3}, max), Binary: true})
	})
	over := []struct {
		name   string
		frames [][]byte
	}{
		{"two fragments of 10", [][]byte{cframe(opText, []byte("4abcdefghi")), cframe(finBit|opContinuation, []byte("jklmnopqrs"))}},
		{"three fragments of 6", [][]byte{cframe(opBinary, make([]byte, 6)), cframe(opContinuation, make([]byte, 6)), cframe(finBit|opContinuation, make([]byte, 6))}},
		{"one byte over, non-final fragment", [][]byte{cframe(opBinary, make([]byte, 16)), cframe(opContinuation, make([]byte, 1))}},
		{"over after a ping", [][]byte{cframe(opText, []byte("4abcdefghi")), cframe(finBit|opPing, nil), cframe(finBit|opContinuation, []byte("jklmnopqrs"))}},
		{"single frame over", [][]byte{cframe(finBit|opText, bytes.Repeat([]byte{'4'}, max+1))}},
		{"huge 64-bit length", [][]byte{concat([]byte{finBit | opBinary, 0x80 | 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, wsTestKey[:])}},
	}
	for _, tt := range over {
		t.Run(tt.name, func(t *testing.T) {
			ws, client := newWSPair(t, cfg, nil)
			clientRawWrite(t, client, tt.frames...)
			expectReadError(t, ws, ErrMessageTooBig)
			if strings.Contains(tt.name, "ping") {
				expectRawPong(t, client, nil)
			}
			expectRawClose(t, client, CloseTooBig)
		})
	}
}

func TestWSReadPeerCloseFrame(t *testing.T) {
	tests := []struct {
		name     string
		frames   []byte
		wantCode int
		wantText string
		peer     bool
	}{
		{"1000 with a reason", cframe(finBit|opClose, closePayload(1000, "bye now")), 1000, "bye now", true},
		{"1001", cframe(finBit|opClose, closePayload(1001, "")), 1001, "", true},
		{"empty payload", cframe(finBit|opClose, nil), websocket.CloseNoStatusReceived, "", true},
		{"1000 with a 123-byte reason", cframe(finBit|opClose, closePayload(1000, strings.Repeat("é", 61)+"x")), 1000, strings.Repeat("é", 61) + "x", true},
		{"1002", cframe(finBit|opClose, closePayload(1002, "")), 1002, "", false},
		{"1003", cframe(finBit|opClose, closePayload(1003, "")), 1003, "", false},
		{"1007", cframe(finBit|opClose, closePayload(1007, "")), 1007, "", false},
		{"1008", cframe(finBit|opClose, closePayload(1008, "policy")), 1008, "policy", false},
		{"1009", cframe(finBit|opClose, closePayload(1009, "")), 1009, "", false},
		{"1010", cframe(finBit|opClose, closePayload(1010, "")), 1010, "", false},
		{"1011", cframe(finBit|opClose, closePayload(1011, "")), 1011, "", false},
		{"3000", cframe(finBit|opClose, closePayload(3000, "app")), 3000, "app", false},
		{"4999", cframe(finBit|opClose, closePayload(4999, "")), 4999, "", false},
		{"between fragments", concat(cframe(opText, []byte("4part")), cframe(finBit|opClose, closePayload(1000, "mid"))), 1000, "mid", true},
		{"after a message", concat(cframe(finBit|opText, []byte("4last")), cframe(finBit|opClose, closePayload(1001, "away"))), 1001, "away", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, client := newWSPair(t, WebSocketConfig{}, nil)
			clientRawWrite(t, client, tt.frames)
			if strings.HasPrefix(tt.name, "after a message") {
				expectPacket(t, ws, textPacket("last"))
			}
			p, err := readPacketTimeout(t, ws)
			var ce *websocket.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("ReadPacket = %s, %v; want a *websocket.CloseError", wsFormat(p), err)
			}
			if ce.Code != tt.wantCode || ce.Text != tt.wantText {
				t.Fatalf("close error code %d text %q, want %d %q", ce.Code, ce.Text, tt.wantCode, tt.wantText)
			}
			if got := IsPeerClose(err); got != tt.peer {
				t.Errorf("IsPeerClose(%v) = %v, want %v", err, got, tt.peer)
			}
			// ReadPacket answered nothing: the reply is the caller's,
			// and the client gets that one.
			ws.Close(CloseNormal, "")
			expectRawClose(t, client, CloseNormal)
		})
	}
}

// The TCP connection ending anywhere before a close frame reads as code
// 1006, which counts as the peer going away.
func TestWSReadPeerEOF(t *testing.T) {
	full := buildFrame(finBit|opText, true, len16, append([]byte("4"), bytes.Repeat([]byte{'z'}, 299)...))
	tests := []struct {
		name string
		sent []byte
	}{
		{"nothing sent", nil},
		{"1 header byte", full[:1]},
		{"inside the extended length", full[:3]},
		{"inside the mask", full[:6]},
		{"header only", full[:8]},
		{"inside the payload", full[:100]},
		{"one byte short", full[:len(full)-1]},
		{"inside a 64-bit length", buildFrame(finBit|opBinary, true, len64, []byte{1})[:7]},
		{"message unfinished", cframe(opText, []byte("4started"))},
		{"message unfinished, inside a ping", concat(cframe(opText, []byte("4started")), cframe(finBit|opPing, []byte("ping"))[:7])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, client := newWSPair(t, WebSocketConfig{}, nil)
			if len(tt.sent) > 0 {
				clientRawWrite(t, client, tt.sent)
			}
			res := readPacketAsync(t, ws)
			client.UnderlyingConn().Close()
			p, err := waitPacket(t, res)
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.CloseAbnormalClosure {
				t.Fatalf("ReadPacket = %s, %v; want a close error with code 1006", wsFormat(p), err)
			}
			if !IsPeerClose(err) {
				t.Errorf("IsPeerClose(%v) = false", err)
			}
		})
	}
}

// An idle reader on a plain socket holds no buffer: it takes one from the
// pool when bytes arrive and gives it back once they are all consumed.
func TestWSReadBufferRelease(t *testing.T) {
	if !rawReadSupported {
		t.Skip("no raw reads on this platform")
	}
	ws, client := newWSPair(t, WebSocketConfig{}, nil)
	fr := ws.fr
	if fr.own == nil {
		t.Fatal("fr.own = nil on a plain TCP connection")
	}
	if fr.buf != nil {
		t.Fatal("a new reader holds a buffer")
	}

	clientRawWrite(t, client, cframe(finBit|opText, []byte("4one")))
	expectPacket(t, ws, textPacket("one"))
	if fr.buf != nil {
		t.Fatalf("after a message with nothing else buffered, fr.buf is held (r=%d w=%d)", fr.r, fr.w)
	}

	// Two frames in one write: the buffer is held while the second is
	// pending, released once it is consumed.
	clientRawWrite(t, client, concat(cframe(finBit|opText, []byte("4two")), cframe(finBit|opBinary, []byte{3})))
	expectPacket(t, ws, textPacket("two"))
	if fr.buf == nil || fr.w-fr.r != 7 {
		t.Fatalf("after the first of two frames: buf held %v, %d bytes pending; want held, 7", fr.buf != nil, fr.w-fr.r)
	}
	expectPacket(t, ws, codec.Packet{Type: codec.PacketMessage, Data: []byte{3}, Binary: true})
	if fr.buf != nil {
		t.Fatalf("after the second of two frames, fr.buf is held (r=%d w=%d)", fr.r, fr.w)
	}

	// A large message, read mostly straight into the message, and a
	// fragmented one with a ping.
	big := append([]byte("4"), bytes.Repeat([]byte{'q'}, 70000)...)
	clientRawWrite(t, client, buildFrame(finBit|opText, true, len64, big))
	expectPacket(t, ws, textPacket(string(big[1:])))
	if fr.buf != nil {
		t.Fatal("after a 70000-byte message, fr.buf is held")
	}
	clientRawWrite(t, client, cframe(opText, []byte("4a")), cframe(finBit|opPing, nil), cframe(finBit|opContinuation, []byte("b")))
	expectPacket(t, ws, textPacket("ab"))
	expectRawPong(t, client, nil)
	if fr.buf != nil {
		t.Fatal("after a fragmented message, fr.buf is held")
	}

	// An invalid packet consumes its frame like any other.
	clientRawWrite(t, client, cframe(finBit|opText, nil))
	expectReadError(t, ws, codec.ErrInvalidPacket)
	if fr.buf != nil {
		t.Fatal("after an empty text frame, fr.buf is held")
	}
}

// Over TLS the reader cannot wait in the poller: it reads through
// conn.Read into a buffer of its own, kept for the connection's life.
func TestWSReadTLS(t *testing.T) {
	for _, rbs := range []int{0, 1, 100} {
		t.Run(fmt.Sprintf("ReadBufferSize=%d", rbs), func(t *testing.T) {
			ws, client := newWSPairTLS(t, WebSocketConfig{ReadBufferSize: rbs})
			fr := ws.fr
			if fr.own != nil {
				t.Fatal("fr.own set on a TLS connection")
			}
			wantSize := map[int]int{0: 512, 1: 2 + 8 + 4, 100: 100}[rbs]
			if fr.buf == nil || len(*fr.buf) != wantSize || !fr.ownBuf {
				t.Fatalf("TLS reader buffer: %v, own %v; want its own buffer of %d bytes", fr.buf != nil, fr.ownBuf, wantSize)
			}
			own := fr.buf

			clientWrite(t, client, websocket.TextMessage, []byte("4hello"))
			expectPacket(t, ws, textPacket("hello"))
			big := bytes.Repeat([]byte{0xee}, 70000)
			clientWrite(t, client, websocket.BinaryMessage, big)
			expectPacket(t, ws, codec.Packet{Type: codec.PacketMessage, Data: big, Binary: true})

			// Raw frames on the TLS connection: several in one write,
			// fragments and a ping.
			clientRawWrite(t, client, concat(
				cframe(finBit|opText, []byte("4one")),
				cframe(opText, []byte("4t")),
				cframe(finBit|opPing, []byte("tls ping")),
				cframe(finBit|opContinuation, []byte("wo")),
				buildFrame(finBit|opText, true, len16, append([]byte("4"), bytes.Repeat([]byte{'3'}, 300)...)),
			))
			expectPacket(t, ws, textPacket("one"))
			expectPacket(t, ws, textPacket("two"))
			expectPacket(t, ws, textPacket(strings.Repeat("3", 300)))
			expectRawPong(t, client, []byte("tls ping"))
			if fr.buf != own {
				t.Fatal("the TLS reader's buffer changed")
			}

			clientRawWrite(t, client, buildFrame(finBit|opText, false, lenMinimal, []byte("4x")))
			expectReadError(t, ws, errProtocol)
			expectRawClose(t, client, CloseProtocolError)
		})
	}
}

func TestMaskBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 40; n++ {
		for off := 0; off < 8; off++ { // misaligned slices too
			for range 8 {
				var key [4]byte
				binary.LittleEndian.PutUint32(key[:], rng.Uint32())
				buf := make([]byte, off+n+8)
				for i := range buf {
					buf[i] = byte(rng.Uint32())
				}
				want := bytes.Clone(buf)
				for i := 0; i < n; i++ {
					want[off+i] ^= key[i%4]
				}
				maskBytes(key, buf[off:off+n])
				if !bytes.Equal(buf, want) {
					t.Fatalf("maskBytes(%x, %d bytes at offset %d) = %x, want %x", key, n, off, buf[off:off+n], want[off:off+n])
				}
				maskBytes(key, buf[off:off+n])
				for i := 0; i < n; i++ {
					want[off+i] ^= key[i%4]
				}
				if !bytes.Equal(buf, want) {
					t.Fatalf("masking twice with %x did not restore %d bytes", key, n)
				}
			}
		}
	}
}

// The frame reader on a connection without raw reads (conn.Read into its
// own buffer), fed in chunks of every small size and with buffers down to
// the smallest: the same messages, control frames and final error.
func TestFrameReaderChunked(t *testing.T) {
	big := bytes.Repeat([]byte("big!"), 5000)
	stream := concat(
		cframe(finBit|opText, []byte("4hello")),
		cframe(finBit|opPing, []byte("p")),
		buildFrame(finBit|opBinary, true, len64, big),
		cframe(opText, []byte("4a€\xe2")),
		cframe(finBit|opPong, []byte("q")),
		cframe(opContinuation, []byte("\x82")),
		cframe(finBit|opContinuation, []byte("\xacb")),
		cframe(finBit|opText, nil),
		buildFrame(finBit|opText, true, len16, []byte("4x")),
		cframe(finBit|opClose, closePayload(1001, "bye")),
		cframe(finBit|opText, []byte("4never read")),
	)
	type event struct {
		op   byte
		data string
	}
	want := []event{
		{opText, "4hello"},
		{opPing, "p"},
		{opBinary, string(big)},
		{opPong, "q"},
		{opText, "4a€€b"},
		{opText, ""},
		{opText, "4x"},
	}
	for _, bufSize := range []int{0, 14, 15, 100, 4096} {
		for _, chunk := range []int{1, 2, 3, 5, 13, 64, 1 << 20} {
			t.Run(fmt.Sprintf("buf=%d/chunk=%d", bufSize, chunk), func(t *testing.T) {
				conn := &chunkConn{data: stream, maxChunk: chunk, fixed: true}
				var got []event
				fr := newFrameReader(conn, 1<<16, bufSize, func(op byte, p []byte) error {
					got = append(got, event{op, string(p)})
					return nil
				})
				if fr.own != nil {
					t.Fatal("raw reads on a chunkConn")
				}
				var err error
				for range 100 {
					var op byte
					var msg []byte
					if op, msg, err = fr.next(); err != nil {
						break
					}
					got = append(got, event{op, string(msg)})
				}
				if len(got) != len(want) {
					t.Fatalf("got %d events, want %d", len(got), len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("event %d = %d %q, want %d %q", i, got[i].op, trunc([]byte(got[i].data)), want[i].op, trunc([]byte(want[i].data)))
					}
				}
				var ce *websocket.CloseError
				if !errors.As(err, &ce) || ce.Code != 1001 || ce.Text != "bye" {
					t.Fatalf("final error %v, want close 1001 \"bye\"", err)
				}
			})
		}
	}
}
