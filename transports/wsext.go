package transports

// Sec-WebSocket-Extensions offers (RFC 6455 §9.1) and the choice among
// them of a permessage-deflate configuration we can honour (RFC 7692 §7).
//
//	extension-list  = 1#extension
//	extension       = token *( OWS ";" OWS extension-param )
//	extension-param = token [ OWS "=" OWS ( token / quoted-string ) ]
//
// A quoted value must be a token once unescaped. Lists follow RFC 9110
// §5.6.1: elements are separated by commas with optional whitespace, and
// empty elements are ignored.

// extension is one offer: an extension's name and its parameters, in the
// order the client wrote them.
type extension struct {
	name   string
	params []extParam
}

// extParam is one parameter of an offer; hasValue tells "p" from "p=x".
type extParam struct {
	name, value string
	hasValue    bool
}

// parseExtensions parses the values of every Sec-WebSocket-Extensions
// header of a request, in order. ok is false when one of them is not a
// valid extension list: then nothing it offers can be trusted.
func parseExtensions(values []string) (exts []extension, ok bool) {
	for _, v := range values {
		if exts, ok = appendExtensions(exts, v); !ok {
			return nil, false
		}
	}
	return exts, true
}

// appendExtensions appends the offers of one header value to exts.
func appendExtensions(exts []extension, s string) ([]extension, bool) {
	sc := extScanner{s: s}
	for {
		sc.skipOWS()
		if sc.done() {
			return exts, true
		}
		if sc.peek() == ',' { // an empty list element
			sc.i++
			continue
		}
		name, ok := sc.token()
		if !ok {
			return nil, false
		}
		ext := extension{name: name}
		for {
			sc.skipOWS()
			if sc.done() || sc.peek() == ',' {
				break
			}
			if sc.peek() != ';' {
				return nil, false
			}
			sc.i++
			sc.skipOWS()
			var p extParam
			if p.name, ok = sc.token(); !ok {
				return nil, false
			}
			sc.skipOWS()
			if !sc.done() && sc.peek() == '=' {
				sc.i++
				sc.skipOWS()
				if !sc.done() && sc.peek() == '"' {
					p.value, ok = sc.quoted()
					ok = ok && isToken(p.value)
				} else {
					p.value, ok = sc.token()
				}
				if !ok {
					return nil, false
				}
				p.hasValue = true
			}
			ext.params = append(ext.params, p)
		}
		exts = append(exts, ext)
		if !sc.done() {
			sc.i++ // the comma
		}
	}
}

// extScanner walks a header value.
type extScanner struct {
	s string
	i int
}

func (sc *extScanner) done() bool { return sc.i >= len(sc.s) }
func (sc *extScanner) peek() byte { return sc.s[sc.i] }

func (sc *extScanner) skipOWS() {
	for sc.i < len(sc.s) && (sc.s[sc.i] == ' ' || sc.s[sc.i] == '\t') {
		sc.i++
	}
}

// token reads a non-empty token.
func (sc *extScanner) token() (string, bool) {
	start := sc.i
	for sc.i < len(sc.s) && isTokenChar(sc.s[sc.i]) {
		sc.i++
	}
	return sc.s[start:sc.i], sc.i > start
}

// quoted reads a quoted-string (RFC 9110 §5.6.4) starting at its opening
// quote and returns its unescaped content.
func (sc *extScanner) quoted() (string, bool) {
	sc.i++ // the opening quote
	var b []byte
	start := sc.i
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		switch {
		case c == '"':
			sc.i++
			if b == nil {
				return sc.s[start : sc.i-1], true
			}
			return string(b), true
		case c == '\\':
			if sc.i+1 >= len(sc.s) || !isQuotedPairChar(sc.s[sc.i+1]) {
				return "", false
			}
			if b == nil {
				b = append([]byte{}, sc.s[start:sc.i]...)
			}
			b = append(b, sc.s[sc.i+1])
			sc.i += 2
		case isQDText(c):
			if b != nil {
				b = append(b, c)
			}
			sc.i++
		default:
			return "", false
		}
	}
	return "", false // no closing quote
}

// isTokenChar reports whether c is a tchar (RFC 9110 §5.6.2).
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

// isQDText: HTAB, SP, VCHAR but '"' and '\', obs-text.
func isQDText(c byte) bool {
	return c == '\t' || c == ' ' || c == 0x21 || (0x23 <= c && c <= 0x5b) || (0x5d <= c && c <= 0x7e) || c >= 0x80
}

// isQuotedPairChar: what may follow a backslash (HTAB, SP, VCHAR, obs-text).
func isQuotedPairChar(c byte) bool {
	return c == '\t' || (0x20 <= c && c <= 0x7e) || c >= 0x80
}

// negotiateDeflate reports whether the request's offers (the values of its
// Sec-WebSocket-Extensions headers) include a permessage-deflate offer the
// server can accept with the answer deflateResponse. Offers are tried in
// the client's order of preference; one that cannot be accepted is
// declined, not an error, and a header that does not parse declines them
// all: the connection then goes on uncompressed.
func negotiateDeflate(values []string) bool {
	if len(values) == 0 {
		return false
	}
	exts, ok := parseExtensions(values)
	if !ok {
		return false
	}
	for _, e := range exts {
		if e.name == "permessage-deflate" && acceptableDeflate(e.params) {
			return true
		}
	}
	return false
}

// acceptableDeflate reports whether a permessage-deflate offer with these
// parameters (RFC 7692 §7.1) can be accepted. Each may appear once:
//
//   - server_no_context_takeover, client_no_context_takeover: no value;
//     we answer both whatever the offer says (§7.1.1.1 and §7.1.1.2 allow
//     the server to), so that neither side keeps a compression context
//     between messages.
//   - server_max_window_bits: a value from 8 to 15 is required, and only
//     15 is acceptable: compress/flate always uses a 32 KiB window, and a
//     client asking for a smaller one could not inflate our messages.
//   - client_max_window_bits: no value, or 8 to 15; any is fine, since we
//     inflate with the largest window, and we do not answer it (§7.1.2.2
//     makes that optional).
//
// Any other parameter, a parameter given twice, or a value that breaks
// these rules declines the offer, as §7.1 requires of a server.
func acceptableDeflate(params []extParam) bool {
	var seen uint8
	for _, p := range params {
		var bit uint8
		switch p.name {
		case "server_no_context_takeover":
			bit = 1
			if p.hasValue {
				return false
			}
		case "client_no_context_takeover":
			bit = 2
			if p.hasValue {
				return false
			}
		case "server_max_window_bits":
			bit = 4
			if !p.hasValue || p.value != "15" {
				return false
			}
		case "client_max_window_bits":
			bit = 8
			if p.hasValue && !validWindowBits(p.value) {
				return false
			}
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
	}
	return true
}

// validWindowBits reports whether v is a window size of RFC 7692: a
// decimal integer from 8 to 15 without leading zeros.
func validWindowBits(v string) bool {
	switch v {
	case "8", "9", "10", "11", "12", "13", "14", "15":
		return true
	}
	return false
}
