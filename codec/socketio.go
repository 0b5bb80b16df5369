package codec

import (
	"errors"
	"strconv"
)

// SocketPacketType is a Socket.IO v5 packet type.
type SocketPacketType byte

// Socket.IO v5 packet types.
const (
	Connect      SocketPacketType = 0
	Disconnect   SocketPacketType = 1
	Event        SocketPacketType = 2
	Ack          SocketPacketType = 3
	ConnectError SocketPacketType = 4
	BinaryEvent  SocketPacketType = 5
	BinaryAck    SocketPacketType = 6
)

func (t SocketPacketType) String() string {
	switch t {
	case Connect:
		return "CONNECT"
	case Disconnect:
		return "DISCONNECT"
	case Event:
		return "EVENT"
	case Ack:
		return "ACK"
	case ConnectError:
		return "CONNECT_ERROR"
	case BinaryEvent:
		return "BINARY_EVENT"
	case BinaryAck:
		return "BINARY_ACK"
	}
	return "SocketPacketType(" + strconv.Itoa(int(t)) + ")"
}

// SocketPacket is one Socket.IO packet.
//
// When encoding, Data holds Go values: for EVENT the event name followed
// by the arguments, for ACK the arguments (both as []any), for CONNECT and
// CONNECT_ERROR the payload object, nil for none. []byte values anywhere in
// Data travel as binary attachments; the parser then uses the BINARY_
// packet types by itself.
//
// When decoding, Event is the event name of an EVENT, Args holds the
// arguments of an EVENT (after the name) or ACK, or the payload of a
// CONNECT (one argument, or none), and Attachments the binary attachments.
type SocketPacket struct {
	Type  SocketPacketType
	Nsp   string // "/" when absent on the wire
	ID    uint64 // ack id, meaningful when HasID
	HasID bool

	Data any // encoding only

	Event       string   // decoding only
	Args        Args     // decoding only
	Attachments [][]byte // decoding only
}

// Parser turns Socket.IO packets into Engine.IO messages and back. The
// default is JSON (the socket.io-parser wire format); others (msgpack) plug
// in here without changing the server API.
//
// A Parser is stateless and safe for concurrent use; a Decoder holds the
// state of one connection (partially received binary packets) and is used
// by one goroutine.
type Parser interface {
	// Encode appends to dst the Engine.IO messages of p: the packet and then
	// its attachments. The messages' data is freshly allocated and may be
	// shared by many sessions.
	Encode(dst []Packet, p *SocketPacket) ([]Packet, error)
	// NewDecoder returns a decoder for one connection.
	NewDecoder(limits DecoderLimits) Decoder
}

// DecoderLimits bound what one connection's decoder accepts.
type DecoderLimits struct {
	// MaxAttachments is the largest number of binary attachments a packet
	// may announce. Zero means 10, as in the reference parser.
	MaxAttachments int
}

// Decoder decodes the Engine.IO messages of one connection.
type Decoder interface {
	// Add feeds one Engine.IO message. It returns a complete packet, or nil
	// while attachments are still expected. After an error the connection
	// must be closed.
	Add(msg Packet) (*SocketPacket, error)
}

// A Recycler is a Decoder that can reuse the memory of packets it
// returned. Recycle(p) promises that nothing refers any longer to p, to
// its Args or to anything reached from them (values decoded from them are
// copies); the memory may then hold a packet decoded later, on any
// connection. Packets it cannot reuse are ignored. The root package
// recycles a text EVENT once an inline handler whose parameters are all
// copies (strings, numbers, maps, any) has returned and nothing else has
// seen its Args. Recycle is safe for concurrent use.
type Recycler interface {
	Recycle(p *SocketPacket)
}

// Args gives access to the decoded arguments of an EVENT (without the
// event name) or ACK packet, independently of the parser.
type Args interface {
	// Len is the number of arguments.
	Len() int
	// Decode decodes argument i into v (a non-nil pointer), the way
	// encoding/json would; binary attachments decode into []byte (or into
	// any as []byte).
	Decode(i int, v any) error
}

// ErrInvalidSocketPacket is wrapped by every Socket.IO decoding error.
var ErrInvalidSocketPacket = errors.New("socket.io: invalid packet")

type socketPacketError struct{ msg string }

func (e *socketPacketError) Error() string { return "socket.io: invalid packet: " + e.msg }
func (e *socketPacketError) Unwrap() error { return ErrInvalidSocketPacket }

func socketErr(msg string) error { return &socketPacketError{msg} }

// IsReservedEvent reports whether name is reserved by Socket.IO: the event
// names a client may not send and the server may not emit (the reference
// parser's list).
//
// A switch, not a map: it runs for every event decoded, and a map lookup
// touches the map's memory, often not in cache when a connection wakes
// (the 1,000-client ack profile in docs/architecture.md).
func IsReservedEvent(name string) bool {
	switch name {
	case "connect", "connect_error", "disconnect",
		"disconnecting", "newListener", "removeListener":
		return true
	}
	return false
}
