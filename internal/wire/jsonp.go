package wire

import "bytes"

// JSONP polling (Engine.IO v3, for browsers without CORS XHR): the client
// polls by loading a <script> whose body calls ___eio[<index>] with the
// payload as a JavaScript string, and sends by submitting a hidden form
// whose field d holds the payload (application/x-www-form-urlencoded).

var (
	errJSONPNoData = wrap("JSONP body without exactly one d field")
)

// JSONPIndex keeps the decimal digits of the j query parameter, as the
// reference server does before writing it into the script.
func JSONPIndex(j string) string {
	for i := 0; i < len(j); i++ {
		if !isDigit(j[i]) {
			out := make([]byte, 0, len(j))
			for k := 0; k < len(j); k++ {
				if isDigit(j[k]) {
					out = append(out, j[k])
				}
			}
			return string(out)
		}
	}
	return j
}

const hexDigits = "0123456789abcdef"

// AppendJSONP appends the script answering a JSONP poll:
// ___eio[index]("<payload>"); where the payload is written as
// JSON.stringify writes a string, then with U+2028 and U+2029 escaped
// (they end a line in JavaScript source before ES2019). payload must be
// valid UTF-8; index must hold digits only (JSONPIndex).
func AppendJSONP(dst []byte, index string, payload []byte) []byte {
	dst = append(dst, "___eio["...)
	dst = append(dst, index...)
	dst = append(dst, `]("`...)
	start := 0
	for i := 0; i < len(payload); i++ {
		c := payload[i]
		var esc string
		switch {
		case c == '"':
			esc = `\"`
		case c == '\\':
			esc = `\\`
		case c == '\n':
			esc = `\n`
		case c == '\r':
			esc = `\r`
		case c == '\t':
			esc = `\t`
		case c == '\b':
			esc = `\b`
		case c == '\f':
			esc = `\f`
		case c < 0x20:
			dst = append(dst, payload[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			start = i + 1
			continue
		case c == 0xe2 && i+2 < len(payload) && payload[i+1] == 0x80 && (payload[i+2] == 0xa8 || payload[i+2] == 0xa9):
			// U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR
			dst = append(dst, payload[start:i]...)
			if payload[i+2] == 0xa8 {
				dst = append(dst, `\u2028`...)
			} else {
				dst = append(dst, `\u2029`...)
			}
			i += 2
			start = i + 1
			continue
		default:
			continue
		}
		dst = append(dst, payload[start:i]...)
		dst = append(dst, esc...)
		start = i + 1
	}
	dst = append(dst, payload[start:]...)
	return append(dst, `");`...)
}

// DecodeJSONPForm returns the payload a JSONP client posted: the d field of
// the form-encoded body (decoded as Node's querystring does: '+' is a
// space, valid %XX escapes are decoded, others kept), with the client's
// newline escaping undone as the reference server undoes it: "\n" (a
// backslash and n) becomes a newline, and "\\n" becomes "\n". A body
// without exactly one d field is an error. The result is a new slice; it
// may hold invalid UTF-8 (the caller replaces it, as for any body).
func DecodeJSONPForm(body []byte) ([]byte, error) {
	var d []byte
	found := 0
	for len(body) > 0 {
		pair := body
		if i := bytes.IndexByte(body, '&'); i >= 0 {
			pair, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		key, val := pair, []byte(nil)
		if i := bytes.IndexByte(pair, '='); i >= 0 {
			key, val = pair[:i], pair[i+1:]
		}
		if string(unescapeForm(nil, key)) != "d" {
			continue
		}
		found++
		d = unescapeForm(nil, val)
	}
	if found != 1 {
		return nil, errJSONPNoData
	}
	return unescapeJSONPNewlines(d), nil
}

// unescapeForm appends the form-decoded s to dst.
func unescapeForm(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			dst = append(dst, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			dst = append(dst, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func isHex(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// unescapeJSONPNewlines undoes engine.io-client's escaping of newlines in
// two passes, exactly as the reference server's two regular expressions
// do: first /(\\)?\\n/ (a lone \n becomes a newline, \\n is kept), then
// /\\\\n/ (\\n becomes \n).
func unescapeJSONPNewlines(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			if i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'n' {
				out = append(out, '\\', '\\', 'n')
				i += 2
				continue
			}
			if i+1 < len(s) && s[i+1] == 'n' {
				out = append(out, '\n')
				i++
				continue
			}
		}
		out = append(out, s[i])
	}
	w := 0
	for i := 0; i < len(out); i++ {
		if out[i] == '\\' && i+2 < len(out) && out[i+1] == '\\' && out[i+2] == 'n' {
			out[w], out[w+1] = '\\', 'n'
			w += 2
			i += 2
			continue
		}
		out[w] = out[i]
		w++
	}
	return out[:w]
}
