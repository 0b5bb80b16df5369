package msgpack

import (
	"fmt"
	"math"
	"sync"

	"github.com/tinylib/msgp/msgp"

	"github.com/gosio/socketio/codec"
)

// Parser is the Socket.IO parser of socket.io-msgpack-parser 3.0.x: each
// Socket.IO packet is one binary Engine.IO message holding a msgpack map
// {type, nsp, data, id}. Use it as socketio.Options.Parser; every client
// must use the same parser.
//
// The zero value is ready to use; a Parser is stateless and safe for
// concurrent use. Its decoders hold no state between messages either.
type Parser struct{}

var _ codec.Parser = Parser{}

// scratch buffers for encoding: a packet is encoded into one of them, then
// copied into a message of its exact size (the message is shared by the
// sessions it goes to, so it cannot be a pooled buffer).
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// maxPooled is the largest scratch buffer put back in the pool.
const maxPooled = 64 << 10

// Encode implements codec.Parser. p.Data is encoded as encoding/json would
// encode it (json tags, json.Marshaler, encoding.TextMarshaler), except
// that []byte values are msgpack bin and integral numbers are integers.
// BINARY_EVENT and BINARY_ACK are written as EVENT and ACK: msgpack
// carries binary data inline.
func (Parser) Encode(dst []codec.Packet, p *codec.SocketPacket) ([]codec.Packet, error) {
	typ := p.Type
	switch typ {
	case codec.BinaryEvent:
		typ = codec.Event
	case codec.BinaryAck:
		typ = codec.Ack
	case codec.Connect, codec.Disconnect, codec.Event, codec.Ack, codec.ConnectError:
	default:
		return dst, fmt.Errorf("msgpack: cannot encode packet type %v", p.Type)
	}
	nsp := p.Nsp
	if nsp == "" {
		nsp = "/"
	}
	data := p.Data
	hasData := data != nil
	if typ == codec.Event || typ == codec.Ack {
		hasData = true // always an array, empty for none
	}
	n := uint32(2)
	if hasData {
		n++
	}
	if p.HasID {
		n++
	}
	bp := scratch.Get().(*[]byte)
	b := (*bp)[:0]
	// Keys in the order of the reference's README example.
	b = msgp.AppendMapHeader(b, n)
	b = msgp.AppendString(b, "type")
	b = msgp.AppendUint64(b, uint64(typ))
	b = msgp.AppendString(b, "nsp")
	b = msgp.AppendString(b, nsp)
	var err error
	if hasData {
		b = msgp.AppendString(b, "data")
		if (typ == codec.Event || typ == codec.Ack) && isNilValue(data) {
			b = msgp.AppendArrayHeader(b, 0)
		} else {
			b, err = appendValue(b, data, 0)
		}
	}
	if p.HasID {
		b = msgp.AppendString(b, "id")
		b = msgp.AppendUint64(b, p.ID)
	}
	var msg []byte
	if err == nil {
		msg = make([]byte, len(b))
		copy(msg, b)
	}
	if cap(b) <= maxPooled {
		*bp = b[:0]
		scratch.Put(bp)
	}
	if err != nil {
		return dst, err
	}
	return append(dst, codec.Packet{Type: codec.PacketMessage, Data: msg, Binary: true}), nil
}

// isNilValue reports whether data is nil or a nil []any.
func isNilValue(data any) bool {
	if data == nil {
		return true
	}
	l, ok := data.([]any)
	return ok && l == nil
}

// NewDecoder implements codec.Parser. The limits do not apply: msgpack
// packets have no attachments.
func (Parser) NewDecoder(codec.DecoderLimits) codec.Decoder { return decoder{} }

type decoder struct{}

// Add decodes one message: a complete packet, or an error wrapping
// codec.ErrInvalidSocketPacket. It checks what the reference decoder
// checks (type 0 to 4, nsp a string, the data of each type, id an
// integer) and a little more: nsp must start with "/", the id must be a
// non-negative integer of at most 2^53-1, the event name (the first element of an EVENT) a
// string that is not reserved, and the message one well-formed msgpack
// value with nothing after it.
func (decoder) Add(msg codec.Packet) (*codec.SocketPacket, error) {
	if !msg.Binary {
		return nil, invalidMsg("text message (the msgpack parser expects binary messages)")
	}
	tok, b, err := readToken(msg.Data)
	if err != nil {
		return nil, invalid(err)
	}
	if tok.kind != kindMap {
		return nil, invalidMsg("not a map")
	}
	var typ, nsp, data, id []byte // the raw values; nil when absent
	for range tok.n {
		if len(b) == 0 {
			return nil, invalid(errShort)
		}
		if !isKey(b[0]) {
			return nil, invalid(errBadKey)
		}
		// A key takes no more than the value that follows: skipValue
		// reads both, and the key's token only when it is a string.
		kb := b
		if b, err = skipValue(b, 1); err != nil {
			return nil, invalid(err)
		}
		key := kb[:len(kb)-len(b)]
		start := b
		if b, err = skipValue(b, 1); err != nil {
			return nil, invalid(err)
		}
		val := start[:len(start)-len(b)]
		var name []byte
		if k, _, _ := readToken(key); k.kind == kindStr || k.kind == kindBin {
			name = k.data
		}
		switch string(name) { // the last of repeated keys wins, as in JavaScript
		case "type":
			typ = val
		case "nsp":
			nsp = val
		case "data":
			data = val
		case "id":
			id = val
		}
	}
	if len(b) > 0 {
		return nil, invalidMsg("trailing bytes")
	}
	pk := &packet{}
	p := &pk.p
	t, ok := integer(typ)
	if !ok || t < 0 || t > int64(codec.ConnectError) {
		return nil, invalidMsg("invalid packet type")
	}
	p.Type = codec.SocketPacketType(t)
	ntok, _, err := readToken(nsp)
	// The reference takes any string; every client sends a path, and the
	// server relies on it (as the JSON parser guarantees).
	if err != nil || ntok.kind != kindStr || len(ntok.data) == 0 || ntok.data[0] != '/' {
		return nil, invalidMsg("invalid namespace")
	}
	p.Nsp = validString(ntok.data)
	if err := pk.setPayload(data); err != nil {
		return nil, err
	}
	if !undefined(id) {
		n, ok := integer(id)
		if !ok || n < 0 || n > 1<<53-1 {
			return nil, invalidMsg("invalid packet id")
		}
		p.ID, p.HasID = uint64(n), true
	}
	return p, nil
}

// packet is a decoded packet with its arguments, in one allocation.
type packet struct {
	p     codec.SocketPacket
	args  args
	small [3][]byte // the raw arguments of a packet with few
}

// setPayload checks data (nil when absent) for the packet's type, as the
// reference's isDataValid, and fills Event and Args.
func (pk *packet) setPayload(data []byte) error {
	p := &pk.p
	var tok token
	rest := data
	if !undefined(data) {
		tok, rest, _ = readToken(data)
	}
	switch p.Type {
	case codec.Connect:
		if undefined(data) {
			p.Args = &pk.args
			return nil
		}
		if tok.kind != kindMap {
			return invalidMsg("invalid CONNECT payload")
		}
		pk.args.raw = append(pk.small[:0], data)
		p.Args = &pk.args
		return nil
	case codec.Disconnect:
		if !undefined(data) {
			return invalidMsg("invalid DISCONNECT payload")
		}
		return nil
	case codec.ConnectError:
		if undefined(data) || tok.kind != kindStr && tok.kind != kindMap {
			return invalidMsg("invalid CONNECT_ERROR payload")
		}
		pk.args.raw = append(pk.small[:0], data)
		p.Args = &pk.args
		return nil
	}
	if undefined(data) || tok.kind != kindArray {
		return invalidMsg("invalid " + p.Type.String() + " payload")
	}
	raw := pk.small[:0]
	if tok.n > len(pk.small) {
		raw = make([][]byte, 0, tok.n)
	}
	raw = raw[:tok.n]
	for i := range raw {
		next, err := skipValue(rest, 1)
		if err != nil {
			return invalid(err)
		}
		raw[i] = rest[: len(rest)-len(next) : len(rest)-len(next)]
		rest = next
	}
	if p.Type == codec.Event {
		if len(raw) == 0 {
			return invalidMsg("empty EVENT payload")
		}
		name, _, _ := readToken(raw[0])
		if name.kind != kindStr {
			return invalidMsg("invalid event name")
		}
		p.Event = validString(name.data)
		if codec.IsReservedEvent(p.Event) {
			return invalidMsg("reserved event name")
		}
		raw = raw[1:]
	}
	pk.args.raw = raw
	p.Args = &pk.args
	return nil
}

// undefined reports whether a raw value is absent or notepack's undefined.
func undefined(raw []byte) bool {
	if raw == nil {
		return true
	}
	tok, _, err := readToken(raw)
	return err == nil && tok.kind == kindUndefined
}

// integer reads a raw value that is an integer, as Number.isInteger
// sees it: an integer, or a float without a fraction.
func integer(raw []byte) (int64, bool) {
	if raw == nil {
		return 0, false
	}
	tok, _, err := readToken(raw)
	if err != nil {
		return 0, false
	}
	switch tok.kind {
	case kindInt:
		return tok.i, true
	case kindFloat:
		if tok.f == math.Trunc(tok.f) && math.Abs(tok.f) < 1<<62 {
			return int64(tok.f), true
		}
	case kindUint:
		return math.MaxInt64, true // an integer, too large for any use here
	}
	return 0, false
}

type packetError struct{ msg string }

func (e *packetError) Error() string { return "socket.io: invalid packet: msgpack: " + e.msg }
func (e *packetError) Unwrap() error { return codec.ErrInvalidSocketPacket }

func invalidMsg(msg string) error { return &packetError{msg} }
func invalid(err error) error     { return &packetError{err.Error()} }
