package wire

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"

	"github.com/gosio/socketio/codec"
)

// Engine.IO protocol 3, spoken by socket.io-client 2.x and engine.io-client
// 3.x. The packet types are those of v4; what differs is the framing:
//
//   - a binary message carries its type: "b4<base64>" as text, and a
//     leading type byte (4) in a WebSocket binary frame or in a binary
//     payload;
//   - a text polling payload is "<length>:<packet>" repeated, the length
//     counted in UTF-16 code units (JavaScript's string length), not bytes:
//     "6:4hello2:4€";
//   - a client with XHR2 (every browser today) sends, and is sent, a binary
//     payload when a packet is binary (EncodeBinaryPayloadV3).
//
// The v3 functions live beside the v4 ones rather than behind a mode flag,
// so the v4 paths are not slowed by a branch they never take.

var (
	errV3Length       = wrap("invalid length in v3 payload")
	errV3Truncated    = wrap("v3 payload shorter than its length")
	errV3Surrogate    = wrap("v3 payload length splits a character")
	errV3EmptyPayload = wrap("empty v3 payload")
	errV3BinaryType   = wrap("binary packet is not a message")
	errV3PartKind     = wrap("v3 binary payload part is neither string (0) nor binary (1)")
	errV3InvalidUTF8  = wrap("invalid UTF-8 in v3 binary payload string")
)

// maxV3LengthDigits bounds the digits of a length: 10 digits exceed any
// body a server accepts.
const maxV3LengthDigits = 10

// DecodePacketV3 decodes the text form of one v3 packet: a WebSocket text
// frame or one packet of a polling payload. "b4" followed by base64 is a
// binary message; any other binary type is refused.
//
// For text packets Data aliases b; for base64 packets Data is newly
// allocated.
func DecodePacketV3(b []byte) (codec.Packet, error) {
	if len(b) == 0 {
		return codec.Packet{}, errEmptyPacket
	}
	if b[0] == 'b' {
		if len(b) < 2 {
			return codec.Packet{}, errUnknownType
		}
		if b[1] != '0'+byte(codec.PacketMessage) {
			return codec.Packet{}, errV3BinaryType
		}
		data := make([]byte, base64.StdEncoding.DecodedLen(len(b)-2))
		n, err := base64.StdEncoding.Decode(data, b[2:])
		if err != nil {
			return codec.Packet{}, errInvalidBase64
		}
		return codec.Packet{Type: codec.PacketMessage, Data: data[:n], Binary: true}, nil
	}
	t := codec.PacketType(b[0] - '0')
	if b[0] < '0' || t > codec.PacketNoop {
		return codec.Packet{}, errUnknownType
	}
	return codec.Packet{Type: t, Data: b[1:]}, nil
}

// DecodeBinaryFrameV3 decodes a v3 WebSocket binary frame, or a binary
// part of a binary payload: a type byte, then the data. Only messages can
// be binary. Data aliases b.
func DecodeBinaryFrameV3(b []byte) (codec.Packet, error) {
	if len(b) == 0 {
		return codec.Packet{}, errEmptyPacket
	}
	if codec.PacketType(b[0]) != codec.PacketMessage {
		return codec.Packet{}, errV3BinaryType
	}
	return codec.Packet{Type: codec.PacketMessage, Data: b[1:], Binary: true}, nil
}

// AppendPacketV3 appends the text form of p: the type digit and the data,
// or "b4" and the base64 of the data for a binary message.
func AppendPacketV3(dst []byte, p codec.Packet) []byte {
	if p.Binary {
		dst = append(dst, 'b', '0'+byte(codec.PacketMessage))
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}

// EncodedLenV3 is the length of AppendPacketV3's output for p.
func EncodedLenV3(p codec.Packet) int {
	if p.Binary {
		return 2 + base64.StdEncoding.EncodedLen(len(p.Data))
	}
	return 1 + len(p.Data)
}

// utf16Len is the length of the UTF-8 text b as a JavaScript string: one
// unit per character, two for characters outside the Basic Multilingual
// Plane (a surrogate pair). b must be valid UTF-8.
func utf16Len(b []byte) int {
	n := 0
	for _, c := range b {
		switch {
		case c < 0x80 || c >= 0xc0 && c < 0xf0:
			n++
		case c >= 0xf0:
			n += 2
		}
		// continuation bytes (0x80–0xbf) add nothing
	}
	return n
}

// AppendPayloadV3 appends the v3 text payload of pkts to dst: each packet's
// text form (binary messages in base64) preceded by its length in UTF-16
// code units and a colon. No packets give "0:", as in the reference
// server. Text packet data must be valid UTF-8.
func AppendPayloadV3(dst []byte, pkts []codec.Packet) []byte {
	if len(pkts) == 0 {
		return append(dst, '0', ':')
	}
	for _, p := range pkts {
		var n int
		if p.Binary {
			n = EncodedLenV3(p) // ASCII
		} else {
			n = 1 + utf16Len(p.Data)
		}
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = append(dst, ':')
		dst = AppendPacketV3(dst, p)
	}
	return dst
}

// PayloadLenV3 is an upper bound of AppendPayloadV3's output for pkts (the
// exact length, unless text holds characters outside ASCII).
func PayloadLenV3(pkts []codec.Packet) int {
	n := 2
	for _, p := range pkts {
		l := EncodedLenV3(p)
		n += l + len(strconv.Itoa(l)) + 1
	}
	return n
}

// DecodePayloadV3 decodes a v3 text payload (valid UTF-8: the server
// replaces invalid bytes first, as reading the body into a JS string does)
// and calls fn for each packet in order. A zero length ("0:") is skipped.
// It stops at the first malformed length or packet and returns its error,
// or at the first error fn returns; packets before it have been passed to
// fn, as in the reference parser. An empty body is not a valid payload.
// Text packet Data aliases b.
func DecodePayloadV3(b []byte, fn func(codec.Packet) error) error {
	if len(b) == 0 {
		return errV3EmptyPayload
	}
	for len(b) > 0 {
		n, i := 0, 0
		for ; i < len(b) && b[i] != ':'; i++ {
			c := b[i]
			if !isDigit(c) || i == maxV3LengthDigits {
				return errV3Length
			}
			n = n*10 + int(c-'0')
		}
		if i == 0 || i == len(b) {
			return errV3Length // no digits, or no colon
		}
		b = b[i+1:]
		if n > len(b) { // a unit takes at least one byte
			return errV3Truncated
		}
		// Walk n UTF-16 units.
		end, units := 0, 0
		for units < n && end < len(b) {
			c := b[end]
			switch {
			case c < 0x80:
				end, units = end+1, units+1
			case c >= 0xf0:
				end, units = end+4, units+2
			case c >= 0xe0:
				end, units = end+3, units+1
			case c >= 0xc0:
				end, units = end+2, units+1
			default:
				end, units = end+1, units+1
			}
		}
		switch {
		case units < n || end > len(b):
			return errV3Truncated
		case units > n:
			return errV3Surrogate
		}
		seg := b[:end]
		b = b[end:]
		if len(seg) == 0 {
			continue
		}
		p, err := DecodePacketV3(seg)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// HasBinary reports whether any of pkts is a binary message.
func HasBinary(pkts []codec.Packet) bool {
	for _, p := range pkts {
		if p.Binary {
			return true
		}
	}
	return false
}

// AppendBinaryPayloadV3 appends the v3 binary payload of pkts (the XHR2
// form, sent as application/octet-stream): per packet a kind byte (0
// string, 1 binary), the decimal digits of its length as bytes 0–9, 255,
// then the packet: the UTF-8 text form, or the type byte and the data.
func AppendBinaryPayloadV3(dst []byte, pkts []codec.Packet) []byte {
	for _, p := range pkts {
		if p.Binary {
			dst = append(dst, 1)
			dst = appendDigitBytes(dst, 1+len(p.Data))
			dst = append(dst, 0xff, byte(codec.PacketMessage))
			dst = append(dst, p.Data...)
			continue
		}
		dst = append(dst, 0)
		dst = appendDigitBytes(dst, 1+len(p.Data))
		dst = append(dst, 0xff, '0'+byte(p.Type))
		dst = append(dst, p.Data...)
	}
	return dst
}

// BinaryPayloadLenV3 is the length of AppendBinaryPayloadV3's output.
func BinaryPayloadLenV3(pkts []codec.Packet) int {
	n := 0
	for _, p := range pkts {
		l := 1 + len(p.Data)
		n += 2 + len(strconv.Itoa(l)) + l
	}
	return n
}

func appendDigitBytes(dst []byte, n int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], int64(n), 10)
	for _, c := range s {
		dst = append(dst, c-'0')
	}
	return dst
}

// DecodeBinaryPayloadV3 decodes a v3 binary payload and calls fn for each
// packet in order, stopping at the first malformed part or fn error.
// String parts must be valid UTF-8. Data aliases b for text and binary
// parts alike (base64 text packets excepted). An empty body holds no
// packets.
func DecodeBinaryPayloadV3(b []byte, fn func(codec.Packet) error) error {
	for len(b) > 0 {
		kind := b[0]
		if kind > 1 {
			return errV3PartKind
		}
		n, i := 0, 1
		for ; i < len(b) && b[i] != 0xff; i++ {
			if b[i] > 9 || i > maxV3LengthDigits {
				return errV3Length
			}
			n = n*10 + int(b[i])
		}
		if i == 1 || i == len(b) {
			return errV3Length
		}
		b = b[i+1:]
		if n > len(b) {
			return errV3Truncated
		}
		part := b[:n]
		b = b[n:]
		var (
			p   codec.Packet
			err error
		)
		if kind == 0 {
			if !utf8.Valid(part) {
				return errV3InvalidUTF8
			}
			p, err = DecodePacketV3(part)
		} else {
			p, err = DecodeBinaryFrameV3(part)
		}
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}
