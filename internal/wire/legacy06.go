package wire

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The Socket.IO 0.6 wire format (the seed's protocol). Every message is
// framed as "~m~" <length> "~m~" <text>, where length counts the text in
// UTF-16 code units, as the 0.6 JavaScript client and server count a
// string's length; a payload is one or more frames back to back. Inside a
// frame, "~h~" starts a heartbeat and "~j~" a JSON message; anything else
// is plain text.

// Prefixes of 0.6 message kinds.
const (
	Legacy06Heartbeat = "~h~"
	Legacy06JSON      = "~j~"
	legacy06Frame     = "~m~"
)

// ErrInvalidLegacy06 is wrapped by every 0.6 decoding error.
var ErrInvalidLegacy06 = errors.New("socket.io 0.6: invalid frame")

type legacy06Error struct{ msg string }

func (e *legacy06Error) Error() string { return "socket.io 0.6: invalid frame: " + e.msg }
func (e *legacy06Error) Unwrap() error { return ErrInvalidLegacy06 }

// legacy06MaxLengthDigits bounds a frame's length field: a 0.6 message of a
// billion code units is beyond any MaxPayload, and the bound keeps the
// number exact in an int.
const legacy06MaxLengthDigits = 9

// UTF16Len returns the length of s in UTF-16 code units: what a JavaScript
// string of the same text reports as its length. Each ill-formed byte
// counts as one unit (it would be one U+FFFD).
func UTF16Len(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// AppendLegacy06 appends msg framed as one 0.6 message to dst. msg should
// be valid UTF-8 (the length is what the client will count).
func AppendLegacy06(dst []byte, msg string) []byte {
	dst = append(dst, legacy06Frame...)
	dst = strconv.AppendInt(dst, int64(UTF16Len(msg)), 10)
	dst = append(dst, legacy06Frame...)
	return append(dst, msg...)
}

// EncodeLegacy06 frames msgs as one 0.6 payload.
func EncodeLegacy06(msgs ...string) string {
	var b []byte
	for _, m := range msgs {
		b = AppendLegacy06(b, m)
	}
	return string(b)
}

// DecodeLegacy06 splits a 0.6 payload into its messages. data must be
// valid UTF-8 and made only of well-formed frames: the 0.6 reference
// decoder silently stopped at the first bad frame, this one reports it
// (wrapping ErrInvalidLegacy06) and returns nothing. An empty payload
// holds no message. A frame's length may not end inside a character that
// takes two UTF-16 units.
func DecodeLegacy06(data string) ([]string, error) {
	if !utf8.ValidString(data) {
		return nil, &legacy06Error{"not valid UTF-8"}
	}
	var msgs []string
	for len(data) > 0 {
		if !strings.HasPrefix(data, legacy06Frame) {
			return nil, &legacy06Error{"missing ~m~"}
		}
		data = data[len(legacy06Frame):]
		i := 0
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		if i == 0 || i > legacy06MaxLengthDigits {
			return nil, &legacy06Error{"bad length"}
		}
		n, _ := strconv.Atoi(data[:i])
		data = data[i:]
		if !strings.HasPrefix(data, legacy06Frame) {
			return nil, &legacy06Error{"missing ~m~ after length"}
		}
		data = data[len(legacy06Frame):]
		end, ok := utf16Offset(data, n)
		if !ok {
			return nil, &legacy06Error{"length past the end of the payload"}
		}
		msgs = append(msgs, data[:end])
		data = data[end:]
	}
	return msgs, nil
}

// utf16Offset returns the byte offset in s (valid UTF-8) after n UTF-16
// code units; false if s is shorter or n ends inside a surrogate pair.
func utf16Offset(s string, n int) (int, bool) {
	i := 0
	for n > 0 {
		if i >= len(s) {
			return 0, false
		}
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			n--
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		units := 1
		if r >= 0x10000 {
			units = 2
		}
		if units > n {
			return 0, false
		}
		i += size
		n -= units
	}
	return i, true
}
