// Package mpack is the load generator's minimal msgpack: exactly the
// Socket.IO packets of the benchmarks under the socket.io-msgpack-parser
// 3.0.x wire format, where each Socket.IO packet is one binary Engine.IO
// message holding a msgpack map {type, nsp, data?, id?} (key order not
// significant; see docs/protocol notes §7). It writes
//
//	{type:0, nsp:"/"}                                  CONNECT
//	{type:2, nsp:"/", data:["ping", <str>], id:<n>}   the ack scenario's emit
//	{type:2, nsp:"/", data:["bdone", <n>]}            a broadcast credit
//
// and reads any packet's type, namespace and id, and the two numbers after
// an event's name (the broadcast's send time and sequence number), in any
// msgpack integer or float form. It is not a general msgpack library.
package mpack

import (
	"encoding/binary"
	"errors"
	"math"
)

// Socket.IO packet types.
const (
	Connect      = 0
	Disconnect   = 1
	Event        = 2
	Ack          = 3
	ConnectError = 4
)

var (
	ErrShort = errors.New("mpack: truncated")
	ErrType  = errors.New("mpack: unexpected type")
)

// ---- writing ----------------------------------------------------------------

// AppendStr appends a msgpack string (fixstr, str8, str16 or str32).
func AppendStr(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= math.MaxUint8:
		b = append(b, 0xd9, byte(n))
	case n <= math.MaxUint16:
		b = append(b, 0xda, byte(n>>8), byte(n))
	default:
		b = append(b, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, s...)
}

// AppendUint appends v in its smallest msgpack form, as notepack.io does.
func AppendUint(b []byte, v uint64) []byte {
	switch {
	case v < 128:
		return append(b, byte(v))
	case v <= math.MaxUint8:
		return append(b, 0xcc, byte(v))
	case v <= math.MaxUint16:
		return append(b, 0xcd, byte(v>>8), byte(v))
	case v <= math.MaxUint32:
		return append(b, 0xce, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	b = append(b, 0xcf)
	return binary.BigEndian.AppendUint64(b, v)
}

// The keys, as fixstr.
var (
	keyType = []byte{0xa4, 't', 'y', 'p', 'e'}
	keyNsp  = []byte{0xa3, 'n', 's', 'p', 0xa1, '/'} // with its value "/"
	keyData = []byte{0xa4, 'd', 'a', 't', 'a'}
	keyID   = []byte{0xa2, 'i', 'd'}
)

// AppendConnect appends {type:0, nsp:"/"}, the CONNECT to the main
// namespace (no auth).
func AppendConnect(b []byte) []byte {
	b = append(b, 0x82)
	b = append(b, keyType...)
	b = append(b, Connect)
	return append(b, keyNsp...)
}

// AppendEvent appends {type:2, nsp:"/", data:[name, args…]} with id when
// withID; args are strings, ints (int, int64, uint64) or float64. The key
// order is the one of socket.io-msgpack-parser's README example.
func AppendEvent(b []byte, withID bool, id uint64, name string, args ...any) []byte {
	b = appendEventHead(b, withID, 1+len(args), name)
	for _, a := range args {
		switch v := a.(type) {
		case string:
			b = AppendStr(b, v)
		case int:
			b = appendInt(b, int64(v))
		case int64:
			b = appendInt(b, v)
		case uint64:
			b = AppendUint(b, v)
		case float64:
			b = append(b, 0xcb)
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(v))
		default:
			panic("mpack: unsupported argument type")
		}
	}
	if withID {
		b = append(b, keyID...)
		b = AppendUint(b, id)
	}
	return b
}

func appendEventHead(b []byte, withID bool, elems int, name string) []byte {
	if withID {
		b = append(b, 0x84)
	} else {
		b = append(b, 0x83)
	}
	b = append(b, keyType...)
	b = append(b, Event)
	b = append(b, keyNsp...)
	b = append(b, keyData...)
	b = append(b, 0x90|byte(elems)) // fixarray: at most 15 elements here
	return AppendStr(b, name)
}

func appendInt(b []byte, v int64) []byte {
	switch {
	case v >= 0:
		return AppendUint(b, uint64(v))
	case v >= -32:
		return append(b, byte(v))
	case v >= math.MinInt8:
		return append(b, 0xd0, byte(v))
	case v >= math.MinInt16:
		return append(b, 0xd1, byte(v>>8), byte(v))
	case v >= math.MinInt32:
		return append(b, 0xd2, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	b = append(b, 0xd3)
	return binary.BigEndian.AppendUint64(b, uint64(v))
}

// AppendPing appends {type:2, nsp:"/", data:["ping", payload], id:id}
// without going through AppendEvent's interface arguments.
func AppendPing(b []byte, id uint64, payload string) []byte {
	b = appendEventHead(b, true, 2, "ping")
	b = AppendStr(b, payload)
	b = append(b, keyID...)
	return AppendUint(b, id)
}

// AppendCredit appends {type:2, nsp:"/", data:["bdone", n]}.
func AppendCredit(b []byte, n int) []byte {
	b = appendEventHead(b, false, 2, "bdone")
	return appendInt(b, int64(n))
}

// ---- reading ----------------------------------------------------------------

// Packet is what the load generator needs of a received Socket.IO packet.
// Nsp and Data alias the decoded buffer.
type Packet struct {
	Type  int
	Nsp   []byte
	HasID bool
	ID    uint64
	Data  []byte // the msgpack encoding of data; nil when absent
}

// DecodePacket reads a packet map; unknown keys are skipped. It does not
// check the packet further than the load generator needs.
func DecodePacket(b []byte) (Packet, error) {
	var p Packet
	n, i, err := mapLen(b, 0)
	if err != nil {
		return p, err
	}
	p.Type = -1
	for range n {
		var key []byte
		if key, i, err = str(b, i); err != nil {
			return p, err
		}
		switch string(key) {
		case "type":
			var v int64
			if v, i, err = Int(b, i); err != nil {
				return p, err
			}
			p.Type = int(v)
		case "nsp":
			if p.Nsp, i, err = str(b, i); err != nil {
				return p, err
			}
		case "id":
			if i < len(b) && (b[i] == 0xc0 || b[i] == 0xd4) { // nil, or notepack 2's undefined (d4 00 00)
				if i, err = Skip(b, i); err != nil {
					return p, err
				}
				continue
			}
			var v int64
			if v, i, err = Int(b, i); err != nil {
				return p, err
			}
			p.HasID, p.ID = true, uint64(v)
		case "data":
			start := i
			if i, err = Skip(b, i); err != nil {
				return p, err
			}
			p.Data = b[start:i]
		default:
			if i, err = Skip(b, i); err != nil {
				return p, err
			}
		}
	}
	if p.Type < 0 {
		return p, errors.New("mpack: packet without a type")
	}
	return p, nil
}

// EventInts reads an event's data [name, a, c, …]: it reports whether the
// first element is the string name, followed by two numbers (any integer
// form, or a float with an integral value).
func EventInts(data []byte, name string) (a, c int64, ok bool) {
	n, i, err := arrayLen(data, 0)
	if err != nil || n < 3 {
		return 0, 0, false
	}
	s, i, err := str(data, i)
	if err != nil || string(s) != name {
		return 0, 0, false
	}
	if a, i, err = Int(data, i); err != nil {
		return 0, 0, false
	}
	if c, _, err = Int(data, i); err != nil {
		return 0, 0, false
	}
	return a, c, true
}

func need(b []byte, i, n int) error {
	if i+n > len(b) {
		return ErrShort
	}
	return nil
}

func be(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

// Int reads a number at b[i]: any integer form, or float32/float64 (the
// value truncated toward zero); it returns the index after it.
func Int(b []byte, i int) (int64, int, error) {
	if err := need(b, i, 1); err != nil {
		return 0, i, err
	}
	t := b[i]
	switch {
	case t <= 0x7f:
		return int64(t), i + 1, nil
	case t >= 0xe0:
		return int64(int8(t)), i + 1, nil
	}
	var size int
	switch t {
	case 0xcc, 0xd0:
		size = 1
	case 0xcd, 0xd1:
		size = 2
	case 0xce, 0xd2, 0xca:
		size = 4
	case 0xcf, 0xd3, 0xcb:
		size = 8
	default:
		return 0, i, ErrType
	}
	if err := need(b, i+1, size); err != nil {
		return 0, i, err
	}
	u := be(b[i+1 : i+1+size])
	next := i + 1 + size
	switch t {
	case 0xcc, 0xcd, 0xce, 0xcf:
		return int64(u), next, nil
	case 0xd0:
		return int64(int8(u)), next, nil
	case 0xd1:
		return int64(int16(u)), next, nil
	case 0xd2:
		return int64(int32(u)), next, nil
	case 0xd3:
		return int64(u), next, nil
	case 0xca:
		return int64(math.Float32frombits(uint32(u))), next, nil
	default: // 0xcb
		return int64(math.Float64frombits(u)), next, nil
	}
}

func str(b []byte, i int) ([]byte, int, error) {
	if err := need(b, i, 1); err != nil {
		return nil, i, err
	}
	var n, h int
	switch t := b[i]; {
	case t&0xe0 == 0xa0:
		n, h = int(t&0x1f), 1
	case t == 0xd9 || t == 0xda || t == 0xdb:
		w := 1 << (t - 0xd9)
		if err := need(b, i+1, w); err != nil {
			return nil, i, err
		}
		n, h = int(be(b[i+1:i+1+w])), 1+w
	default:
		return nil, i, ErrType
	}
	if err := need(b, i+h, n); err != nil {
		return nil, i, err
	}
	return b[i+h : i+h+n], i + h + n, nil
}

func mapLen(b []byte, i int) (int, int, error) {
	if err := need(b, i, 1); err != nil {
		return 0, i, err
	}
	switch t := b[i]; {
	case t&0xf0 == 0x80:
		return int(t & 0x0f), i + 1, nil
	case t == 0xde || t == 0xdf:
		w := 2 << (t - 0xde)
		if err := need(b, i+1, w); err != nil {
			return 0, i, err
		}
		return int(be(b[i+1 : i+1+w])), i + 1 + w, nil
	}
	return 0, i, ErrType
}

func arrayLen(b []byte, i int) (int, int, error) {
	if err := need(b, i, 1); err != nil {
		return 0, i, err
	}
	switch t := b[i]; {
	case t&0xf0 == 0x90:
		return int(t & 0x0f), i + 1, nil
	case t == 0xdc || t == 0xdd:
		w := 2 << (t - 0xdc)
		if err := need(b, i+1, w); err != nil {
			return 0, i, err
		}
		return int(be(b[i+1 : i+1+w])), i + 1 + w, nil
	}
	return 0, i, ErrType
}

// Skip returns the index after the value at b[i].
func Skip(b []byte, i int) (int, error) {
	if err := need(b, i, 1); err != nil {
		return i, err
	}
	t := b[i]
	switch {
	case t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3:
		return i + 1, nil
	case t&0xe0 == 0xa0, t == 0xd9, t == 0xda, t == 0xdb:
		_, next, err := str(b, i)
		return next, err
	case t&0xf0 == 0x80, t == 0xde, t == 0xdf:
		n, next, err := mapLen(b, i)
		if err != nil {
			return i, err
		}
		for range 2 * n {
			if next, err = Skip(b, next); err != nil {
				return i, err
			}
		}
		return next, nil
	case t&0xf0 == 0x90, t == 0xdc, t == 0xdd:
		n, next, err := arrayLen(b, i)
		if err != nil {
			return i, err
		}
		for range n {
			if next, err = Skip(b, next); err != nil {
				return i, err
			}
		}
		return next, nil
	}
	var head, n int // header bytes after the type byte, payload bytes
	switch t {
	case 0xcc, 0xd0:
		n = 1
	case 0xcd, 0xd1:
		n = 2
	case 0xce, 0xd2, 0xca:
		n = 4
	case 0xcf, 0xd3, 0xcb:
		n = 8
	case 0xc4, 0xc5, 0xc6: // bin 8/16/32
		head = 1 << (t - 0xc4)
	case 0xc7, 0xc8, 0xc9: // ext 8/16/32: length, then a type byte
		head = 1 << (t - 0xc7)
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1/2/4/8/16: a type byte, then the data
		n = 1 + 1<<(t-0xd4)
	default:
		return i, ErrType
	}
	if head > 0 {
		if err := need(b, i+1, head); err != nil {
			return i, err
		}
		n = int(be(b[i+1 : i+1+head]))
		if t >= 0xc7 {
			n++ // the ext type byte
		}
	}
	if err := need(b, i+1+head, n); err != nil {
		return i, err
	}
	return i + 1 + head + n, nil
}
