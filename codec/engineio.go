// Package codec holds the wire encodings: Engine.IO v4 packets and
// long-polling payloads (this file and payload.go) and, above them, the
// Socket.IO packet parsers: the Parser interface, which another parser
// (the msgpack module's, say) implements, the default JSONParser, and
// the SocketPacket and Args they exchange with the server and with
// cluster adapters. The encodings of the older protocols the server also
// speaks (Engine.IO 3 for socket.io-client 2.x, Socket.IO 0.6) are
// internal to this module.
//
// Everything here is a pure function over bytes: no I/O, no goroutines, no
// shared state. Decoders never panic on any input (they are fuzzed) and
// report malformed input with an error wrapping ErrInvalidPacket.
package codec

import (
	"encoding/base64"
	"errors"
	"strconv"
)

// PacketType is an Engine.IO packet type. On the wire it is a single ASCII
// digit ('0' + type) in front of the packet data.
type PacketType byte

// Engine.IO v4 packet types.
const (
	PacketOpen    PacketType = 0 // server → client: handshake JSON
	PacketClose   PacketType = 1 // either way: close the session
	PacketPing    PacketType = 2 // server → client heartbeat; "2probe" from the client during upgrade
	PacketPong    PacketType = 3 // client → server heartbeat reply; "3probe" from the server
	PacketMessage PacketType = 4 // application data, text or binary
	PacketUpgrade PacketType = 5 // client → server: upgrade complete
	PacketNoop    PacketType = 6 // server → client: releases a pending poll
)

func (t PacketType) String() string {
	switch t {
	case PacketOpen:
		return "open"
	case PacketClose:
		return "close"
	case PacketPing:
		return "ping"
	case PacketPong:
		return "pong"
	case PacketMessage:
		return "message"
	case PacketUpgrade:
		return "upgrade"
	case PacketNoop:
		return "noop"
	}
	return "PacketType(" + strconv.Itoa(int(t)) + ")"
}

// Packet is one Engine.IO packet.
//
// Data is the packet body without the type digit. When Binary is true the
// packet is a binary message and Data holds the raw bytes; only
// PacketMessage packets can be binary.
//
// NoCompress asks the transports to send the packet as it is: no
// per-message deflate on a WebSocket, and on polling the packet does not
// ask for the response to be compressed (Compress(false) in the Socket.IO
// API; the zero value lets the transport compress, as Node's does by
// default).
//
// Memo, when non-nil, is shared by the copies of a packet queued on many
// connections (a broadcast): what a transport derives from Data for the
// wire, such as its compressed frame, is computed by the first connection
// that needs it and reused by the others. Nil means each connection works
// on its own.
//
// Packets are values; Data is shared, never copied, by the encoders and the
// session queues, so it must not be modified once handed over.
type Packet struct {
	Type       PacketType
	Data       []byte
	Binary     bool
	NoCompress bool
	Memo       *Memo
}

// ErrInvalidPacket is wrapped by every decoding error.
var ErrInvalidPacket = errors.New("engine.io: invalid packet")

var (
	errEmptyPacket   = wrap("empty packet")
	errUnknownType   = wrap("unknown packet type")
	errInvalidBase64 = wrap("invalid base64 in binary packet")
)

type packetError struct{ msg string }

func (e *packetError) Error() string { return "engine.io: invalid packet: " + e.msg }
func (e *packetError) Unwrap() error { return ErrInvalidPacket }

func wrap(msg string) error { return &packetError{msg} }

// DecodePacket decodes the text form of one packet: a WebSocket text frame
// or one segment of a polling payload. A leading 'b' marks a base64-encoded
// binary message ("bAQID"), as used by polling and by clients that cannot
// send binary frames.
//
// For text packets Data aliases b; for base64 packets Data is newly
// allocated.
func DecodePacket(b []byte) (Packet, error) {
	if len(b) == 0 {
		return Packet{}, errEmptyPacket
	}
	if b[0] == 'b' {
		data := make([]byte, base64.StdEncoding.DecodedLen(len(b)-1))
		n, err := base64.StdEncoding.Decode(data, b[1:])
		if err != nil {
			return Packet{}, errInvalidBase64
		}
		return Packet{Type: PacketMessage, Data: data[:n], Binary: true}, nil
	}
	t := PacketType(b[0] - '0')
	if b[0] < '0' || t > PacketNoop {
		return Packet{}, errUnknownType
	}
	return Packet{Type: t, Data: b[1:]}, nil
}

// DecodeBinaryFrame wraps the contents of a WebSocket binary frame. In
// Engine.IO v4 a binary frame is always a message and carries no type byte.
func DecodeBinaryFrame(b []byte) Packet {
	return Packet{Type: PacketMessage, Data: b, Binary: true}
}

// AppendPacket appends the text form of p to dst: the type digit followed
// by the data, or 'b' and the base64 of the data for a binary message.
// This is the polling encoding and the WebSocket encoding for text packets.
func AppendPacket(dst []byte, p Packet) []byte {
	if p.Binary {
		dst = append(dst, 'b')
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	dst = append(dst, '0'+byte(p.Type))
	return append(dst, p.Data...)
}

// EncodedLen is the length of AppendPacket's output for p.
func EncodedLen(p Packet) int {
	if p.Binary {
		return 1 + base64.StdEncoding.EncodedLen(len(p.Data))
	}
	return 1 + len(p.Data)
}
