package wire

import "unicode/utf8"

// ToValidUTF8 returns b with every ill-formed sequence replaced by U+FFFD
// the way a WHATWG UTF-8 decoder (TextDecoder, Node's Buffer.toString)
// does: one replacement per maximal subpart, so a truncated three-byte
// sequence becomes one U+FFFD, not one per byte as utf8.DecodeRune counts.
// That is what the reference server does to a polling body when it turns
// it into a string, and what keeps a text WebSocket frame written later
// valid. Valid input is returned as is, without allocating.
func ToValidUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+8)
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		need, lo, hi := 0, byte(0x80), byte(0xBF)
		switch {
		case c >= 0xC2 && c <= 0xDF:
			need = 1
		case c >= 0xE0 && c <= 0xEF:
			need = 2
			if c == 0xE0 {
				lo = 0xA0
			} else if c == 0xED {
				hi = 0x9F // no surrogates
			}
		case c >= 0xF0 && c <= 0xF4:
			need = 3
			if c == 0xF0 {
				lo = 0x90
			} else if c == 0xF4 {
				hi = 0x8F // nothing past U+10FFFF
			}
		default: // a continuation byte, C0, C1 or F5..FF: never a lead
			out = utf8.AppendRune(out, utf8.RuneError)
			i++
			continue
		}
		j := i + 1
		for k := 0; k < need; k++ {
			if j >= len(b) || b[j] < lo || b[j] > hi {
				break
			}
			lo, hi = 0x80, 0xBF // only the second byte has special bounds
			j++
		}
		if j-i == need+1 {
			out = append(out, b[i:j]...)
		} else {
			// The maximal subpart b[i:j] is replaced; b[j] starts afresh.
			out = utf8.AppendRune(out, utf8.RuneError)
		}
		i = j
	}
	return out
}
