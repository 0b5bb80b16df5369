package msgpack

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/tinylib/msgp/msgp"
)

// Reading msgpack as notepack.io 2.x (the library of
// socket.io-msgpack-parser 3.0.x) reads it, with the extensions it and
// notepack 3.x write:
//
//	fixext 1 (d4), type 0      undefined (nil here)
//	fixext 8 (d7), type 0      a Date: int64 milliseconds since the epoch
//	ext 8/16/32, type 0        an ArrayBuffer (bytes, as bin)
//	any ext, type -1           a msgpack timestamp (notepack 3's Date)
//	                           (a time beyond a JavaScript Date's range,
//	                           ±8.64e15 ms, is nil: an Invalid Date)
//	any other ext              the pair [type, bytes], as notepack 2 reads it
//
// Every length is checked against the input before it is used, so nothing
// is allocated for a length the input does not hold.

type kind uint8

const (
	kindNil kind = iota
	kindUndefined
	kindBool
	kindInt   // tok.i
	kindUint  // tok.u, above MaxInt64
	kindFloat // tok.f
	kindStr   // tok.data
	kindBin   // tok.data
	kindArray // tok.n elements follow
	kindMap   // tok.n key/value pairs follow
	kindTime  // tok.time(): tok.i seconds, tok.n nanoseconds
	kindExt   // tok.ext, tok.data
)

// token is one msgpack item: a scalar, or the header of an array or map.
// It is kept small (no time.Time): every item of every message is read
// into one.
type token struct {
	kind kind
	b    bool
	ext  int8
	i    int64
	u    uint64
	f    float64
	n    int
	data []byte // aliases the input
}

// time returns the time of a kindTime token, in UTC.
func (t *token) time() time.Time { return time.Unix(t.i, int64(t.n)).UTC() }

func timeToken(t time.Time) token {
	return token{kind: kindTime, i: t.Unix(), n: t.Nanosecond()}
}

var (
	errShort       = errors.New("truncated msgpack")
	errBadPrefix   = errors.New("invalid msgpack byte")
	errBadKey      = errors.New("map key neither string nor integer")
	errDeep        = errors.New("msgpack nested too deeply")
	errBadTime     = errors.New("invalid timestamp")
	errLongElement = errors.New("msgpack length past the end of the input")
)

// readToken reads the item at the start of b.
func readToken(b []byte) (token, []byte, error) {
	if len(b) == 0 {
		return token{}, b, errShort
	}
	c := b[0]
	switch {
	case c <= 0x7f || c >= 0xe0 || (c >= 0xcc && c <= 0xd3):
		if c == 0xcf {
			if len(b) < 9 {
				return token{}, b, errShort
			}
			if u := binary.BigEndian.Uint64(b[1:]); u > 1<<63-1 {
				return token{kind: kindUint, u: u}, b[9:], nil
			}
		}
		i, rest, err := msgp.ReadInt64Bytes(b)
		if err != nil {
			return token{}, b, errShort
		}
		return token{kind: kindInt, i: i}, rest, nil
	case c >= 0x80 && c <= 0x8f || c == 0xde || c == 0xdf:
		n, rest, err := msgp.ReadMapHeaderBytes(b)
		if err != nil {
			return token{}, b, errShort
		}
		// A key and a value take at least one byte each.
		if uint64(n)*2 > uint64(len(rest)) {
			return token{}, b, errLongElement
		}
		return token{kind: kindMap, n: int(n)}, rest, nil
	case c >= 0x90 && c <= 0x9f || c == 0xdc || c == 0xdd:
		n, rest, err := msgp.ReadArrayHeaderBytes(b)
		if err != nil {
			return token{}, b, errShort
		}
		if uint64(n) > uint64(len(rest)) {
			return token{}, b, errLongElement
		}
		return token{kind: kindArray, n: int(n)}, rest, nil
	case c >= 0xa0 && c <= 0xbf || c == 0xd9 || c == 0xda || c == 0xdb:
		s, rest, err := msgp.ReadStringZC(b)
		if err != nil {
			return token{}, b, errShort
		}
		return token{kind: kindStr, data: s[:len(s):len(s)]}, rest, nil
	}
	switch c {
	case 0xc0:
		return token{kind: kindNil}, b[1:], nil
	case 0xc2, 0xc3:
		return token{kind: kindBool, b: c == 0xc3}, b[1:], nil
	case 0xc4, 0xc5, 0xc6:
		d, rest, err := msgp.ReadBytesZC(b)
		if err != nil {
			return token{}, b, errShort
		}
		return token{kind: kindBin, data: d[:len(d):len(d)]}, rest, nil
	case 0xca, 0xcb:
		f, rest, err := msgp.ReadFloat64Bytes(b)
		if err != nil {
			return token{}, b, errShort
		}
		return token{kind: kindFloat, f: f}, rest, nil
	case 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		return readExt(b)
	}
	return token{}, b, errBadPrefix // 0xc1
}

// readExt reads an extension (b[0] is an ext or fixext prefix).
func readExt(b []byte) (token, []byte, error) {
	c := b[0]
	var n, hdr int
	switch c {
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		n, hdr = 1<<(c-0xd4), 2
	case 0xc7:
		if len(b) < 2 {
			return token{}, b, errShort
		}
		n, hdr = int(b[1]), 3
	case 0xc8:
		if len(b) < 3 {
			return token{}, b, errShort
		}
		n, hdr = int(binary.BigEndian.Uint16(b[1:])), 4
	case 0xc9:
		if len(b) < 5 {
			return token{}, b, errShort
		}
		n, hdr = int(binary.BigEndian.Uint32(b[1:])), 6
	}
	if len(b) < hdr || len(b)-hdr < n {
		return token{}, b, errShort
	}
	typ := int8(b[hdr-1])
	data := b[hdr : hdr+n : hdr+n]
	rest := b[hdr+n:]
	fixed := c >= 0xd4
	switch {
	case typ == 0 && c == 0xd4:
		return token{kind: kindUndefined}, rest, nil
	case typ == 0 && c == 0xd7:
		ms := int64(binary.BigEndian.Uint64(data))
		if ms > maxJSDate || ms < -maxJSDate {
			return token{kind: kindNil}, rest, nil // an Invalid Date, null in JSON
		}
		return timeToken(time.UnixMilli(ms)), rest, nil
	case typ == 0 && !fixed:
		return token{kind: kindBin, data: data}, rest, nil
	case typ == -1:
		t, _, err := msgp.ReadTimeBytes(b[:hdr+n])
		if err != nil {
			return token{}, b, errBadTime
		}
		if ms := t.UnixMilli(); ms > maxJSDate || ms < -maxJSDate {
			return token{kind: kindNil}, rest, nil // beyond a JavaScript Date
		}
		return timeToken(t), rest, nil
	}
	return token{kind: kindExt, ext: typ, data: data}, rest, nil
}

// skipValue returns what follows the value at the start of b, checking
// that it is well formed: lengths within b, nesting at most maxDepth,
// map keys strings (str or bin) or integers. It reads lengths itself
// rather than through readToken: it runs over every byte of every
// message.
func skipValue(b []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return b, errDeep
	}
	if len(b) == 0 {
		return b, errShort
	}
	c := b[0]
	var count int // elements of an array, or keys and values of a map
	switch {
	case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		return b[1:], nil
	case c >= 0xa0 && c <= 0xbf:
		return sized(b, 1, int(c&0x1f))
	case c >= 0x90 && c <= 0x9f:
		count, b = int(c&0x0f), b[1:]
	case c >= 0x80 && c <= 0x8f:
		count, b = 2*int(c&0x0f), b[1:]
	default:
		switch c {
		case 0xcc, 0xd0:
			return sized(b, 1, 1)
		case 0xcd, 0xd1:
			return sized(b, 1, 2)
		case 0xca, 0xce, 0xd2:
			return sized(b, 1, 4)
		case 0xcb, 0xcf, 0xd3:
			return sized(b, 1, 8)
		case 0xc4, 0xd9:
			if len(b) < 2 {
				return b, errShort
			}
			return sized(b, 2, int(b[1]))
		case 0xc5, 0xda:
			if len(b) < 3 {
				return b, errShort
			}
			return sized(b, 3, int(binary.BigEndian.Uint16(b[1:])))
		case 0xc6, 0xdb:
			if len(b) < 5 {
				return b, errShort
			}
			return sized(b, 5, int(binary.BigEndian.Uint32(b[1:])))
		case 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
			_, rest, err := readExt(b) // checks timestamps too
			return rest, err
		case 0xdc, 0xde:
			if len(b) < 3 {
				return b, errShort
			}
			count, b = int(binary.BigEndian.Uint16(b[1:])), b[3:]
		case 0xdd, 0xdf:
			if len(b) < 5 {
				return b, errShort
			}
			count, b = int(binary.BigEndian.Uint32(b[1:])), b[5:]
		default:
			return b, errBadPrefix // 0xc1
		}
		if c == 0xde || c == 0xdf {
			count *= 2
		}
	}
	// Every element takes at least one byte.
	if count > len(b) {
		return b, errLongElement
	}
	isMap := c >= 0x80 && c <= 0x8f || c == 0xde || c == 0xdf
	var err error
	for i := range count {
		if isMap && i%2 == 0 && len(b) > 0 && !isKey(b[0]) {
			return b, errBadKey
		}
		if b, err = skipValue(b, depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

// sized returns what follows a value of a hdr-byte header and n bytes.
func sized(b []byte, hdr, n int) ([]byte, error) {
	if len(b) < hdr || len(b)-hdr < n {
		return b, errShort
	}
	return b[hdr+n:], nil
}

// isKey reports whether a map key starting with c is one we read: a
// string (str or bin) or an integer (notepack makes any key a string;
// those are the ones that stay meaningful).
func isKey(c byte) bool {
	return c <= 0x7f || c >= 0xe0 || // fixint
		c >= 0xa0 && c <= 0xbf || // fixstr
		c >= 0xc4 && c <= 0xc6 || // bin
		c >= 0xcc && c <= 0xd3 || // integers
		c >= 0xd9 && c <= 0xdb // str
}
