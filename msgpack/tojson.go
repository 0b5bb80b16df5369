package msgpack

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// msgpack to JSON text, for decoding into typed targets with
// encoding/json: the JSON a JavaScript client would have sent with the
// default parser for the same value, except that binary data becomes a
// base64 string (what encoding/json decodes into a []byte).
//
//	bin, ext type 0       base64 string
//	Date, timestamp       string, as Date.prototype.toJSON writes it
//	                      (RFC 3339 with nanoseconds when there are some)
//	undefined             null
//	NaN, ±Infinity        null (as JSON.stringify writes them)
//	other extensions      [type, base64 string]

// appendAsJSON appends the JSON text of the value at the start of b
// (checked by skipValue) and returns what follows it. special reports
// whether the value holds binary data or a time, which an any target
// gets as []byte or time.Time rather than as the JSON string.
func appendAsJSON(dst, b []byte, depth int) (out, rest []byte, special bool, err error) {
	if depth > maxDepth {
		return dst, b, false, errDeep
	}
	tok, rest, err := readToken(b)
	if err != nil {
		return dst, b, false, err
	}
	switch tok.kind {
	case kindNil, kindUndefined:
		return append(dst, "null"...), rest, false, nil
	case kindBool:
		return strconv.AppendBool(dst, tok.b), rest, false, nil
	case kindInt:
		return strconv.AppendInt(dst, tok.i, 10), rest, false, nil
	case kindUint:
		return strconv.AppendUint(dst, tok.u, 10), rest, false, nil
	case kindFloat:
		return appendJSONFloat(dst, tok.f), rest, false, nil
	case kindStr:
		return appendJSONString(dst, tok.data), rest, false, nil
	case kindBin:
		return appendBase64(dst, tok.data), rest, true, nil
	case kindTime:
		return appendJSONTime(dst, tok.time()), rest, true, nil
	case kindExt:
		dst = append(dst, '[')
		dst = strconv.AppendInt(dst, int64(tok.ext), 10)
		dst = append(dst, ',')
		return append(appendBase64(dst, tok.data), ']'), rest, true, nil
	case kindArray:
		dst = append(dst, '[')
		for i := range tok.n {
			if i > 0 {
				dst = append(dst, ',')
			}
			var sp bool
			if dst, rest, sp, err = appendAsJSON(dst, rest, depth+1); err != nil {
				return dst, b, false, err
			}
			special = special || sp
		}
		return append(dst, ']'), rest, special, nil
	}
	// kindMap
	dst = append(dst, '{')
	for i := range tok.n {
		if i > 0 {
			dst = append(dst, ',')
		}
		if key, after, _ := readToken(rest); key.kind == kindStr || key.kind == kindBin {
			dst, rest = appendJSONString(dst, key.data), after
		} else {
			var k string
			if k, rest, err = readKey(rest); err != nil {
				return dst, b, false, err
			}
			dst = appendJSONString(dst, []byte(k))
		}
		dst = append(dst, ':')
		var sp bool
		if dst, rest, sp, err = appendAsJSON(dst, rest, depth+1); err != nil {
			return dst, b, false, err
		}
		special = special || sp
	}
	return append(dst, '}'), rest, special, nil
}

func appendJSONFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

func appendBase64(dst, data []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, data)
	return append(dst, '"')
}

// appendJSONString writes s as a JSON string; invalid UTF-8 becomes
// U+FFFD byte by byte, as encoding/json reads it.
func appendJSONString(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for len(s) > 0 {
		c := s[0]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			s = s[1:]
			continue
		}
		r, size := utf8.DecodeRune(s)
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, s[:size]...)
		}
		s = s[size:]
	}
	return append(dst, '"')
}

// maxJSDate is the largest absolute time a JavaScript Date holds, in ms.
const maxJSDate = 8_640_000_000_000_000

// appendJSONTime writes t as Date.prototype.toJSON does (millisecond
// precision, UTC, "Z"; null for a time JavaScript cannot hold), or in
// RFC 3339 with nanoseconds when t has a fraction of a millisecond (a
// msgpack timestamp from another Go program keeps its precision).
func appendJSONTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	if ms := t.UnixMilli(); ms > maxJSDate || ms < -maxJSDate {
		return append(dst, "null"...)
	}
	if t.Nanosecond()%int(time.Millisecond) != 0 {
		dst = append(dst, '"')
		dst = t.AppendFormat(dst, time.RFC3339Nano)
		return append(dst, '"')
	}
	y := t.Year()
	dst = append(dst, '"')
	if y >= 0 && y <= 9999 {
		dst = fmt.Appendf(dst, "%04d", y)
	} else if y < 0 {
		dst = fmt.Appendf(dst, "-%06d", -y)
	} else {
		dst = fmt.Appendf(dst, "+%06d", y)
	}
	dst = t.AppendFormat(dst, "-01-02T15:04:05.000Z")
	return append(dst, '"')
}
