package redis

import "encoding/binary"

// maxMsgpackDepth bounds the nesting of a message from Redis.
const maxMsgpackDepth = 64

// validMsgpack reports whether b holds exactly one well-formed msgpack
// value whose every declared length fits in b, nested at most
// maxMsgpackDepth deep. Anyone who can publish on the Redis can send a
// message, and the msgpack library allocates a decoded array at its
// declared length: 5 bytes declaring 4 billion elements would take the
// process down. This walk allocates nothing.
func validMsgpack(b []byte) bool {
	end, ok := skipMsgpack(b, 0, 0)
	return ok && end == len(b)
}

// skipMsgpack returns the offset just past the value at i.
func skipMsgpack(b []byte, i, depth int) (int, bool) {
	if i >= len(b) || depth > maxMsgpackDepth {
		return 0, false
	}
	c := b[i]
	i++
	// n reads an unsigned big-endian length of size bytes at i.
	n := func(size int) (int, bool) {
		if len(b)-i < size {
			return 0, false
		}
		var v uint64
		switch size {
		case 1:
			v = uint64(b[i])
		case 2:
			v = uint64(binary.BigEndian.Uint16(b[i:]))
		case 4:
			v = uint64(binary.BigEndian.Uint32(b[i:]))
		}
		i += size
		if v > uint64(len(b)) {
			return 0, false
		}
		return int(v), true
	}
	bytesOf := func(size int) (int, bool) { // a length, then that many bytes
		l, ok := n(size)
		if !ok || len(b)-i < l {
			return 0, false
		}
		return i + l, true
	}
	fixed := func(size int) (int, bool) {
		if len(b)-i < size {
			return 0, false
		}
		return i + size, true
	}
	elems := func(count int) (int, bool) {
		if count > len(b)-i { // every element takes at least one byte
			return 0, false
		}
		for range count {
			var ok bool
			if i, ok = skipMsgpack(b, i, depth+1); !ok {
				return 0, false
			}
		}
		return i, true
	}
	switch {
	case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		return i, true
	case c >= 0x80 && c <= 0x8f:
		return elems(2 * int(c&0x0f))
	case c >= 0x90 && c <= 0x9f:
		return elems(int(c & 0x0f))
	case c >= 0xa0 && c <= 0xbf:
		return fixed(int(c & 0x1f))
	}
	switch c {
	case 0xc4, 0xd9:
		return bytesOf(1)
	case 0xc5, 0xda:
		return bytesOf(2)
	case 0xc6, 0xdb:
		return bytesOf(4)
	case 0xc7, 0xc8, 0xc9: // ext: length, type, data
		size := map[byte]int{0xc7: 1, 0xc8: 2, 0xc9: 4}[c]
		l, ok := n(size)
		if !ok || len(b)-i < 1+l {
			return 0, false
		}
		return i + 1 + l, true
	case 0xca, 0xce, 0xd2:
		return fixed(4)
	case 0xcb, 0xcf, 0xd3:
		return fixed(8)
	case 0xcc, 0xd0:
		return fixed(1)
	case 0xcd, 0xd1:
		return fixed(2)
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext: type, then 1, 2, 4, 8, 16 bytes
		return fixed(1 + 1<<(c-0xd4))
	case 0xdc, 0xdd:
		size := 2
		if c == 0xdd {
			size = 4
		}
		count, ok := n(size)
		if !ok {
			return 0, false
		}
		return elems(count)
	case 0xde, 0xdf:
		size := 2
		if c == 0xdf {
			size = 4
		}
		count, ok := n(size)
		if !ok {
			return 0, false
		}
		return elems(2 * count)
	}
	return 0, false // 0xc1: never used
}
