package socketio

import (
	"strings"
	"unicode/utf8"

	"github.com/gosio/socketio/codec"
)

// Socket.IO protocol 4, spoken by socket.io-client 2.x over Engine.IO 3
// (EngineOptions.AllowEIO3). The packet grammar is that of protocol 5;
// what differs is handled here and at a few branches on client.v3, as the
// reference server branches on conn.protocol === 3:
//
//   - the connection joins "/" without a CONNECT (client.go);
//   - a CONNECT carries its auth as a query in the namespace field,
//     "0/admin?token=1,", and no payload (v3Namespace);
//   - the CONNECT reply has no payload, and a middleware's refusal is a
//     bare value (v3ConnectError);
//   - socket ids are the Engine.IO id for "/" and "<nsp>#<id>" for other
//     namespaces (v3SocketID);
//   - connection state recovery does not apply (the client has none).

// v3Namespace splits a protocol 4 namespace field into the namespace
// (the URL path) and, for a CONNECT, the auth (the query's parameters as
// strings; {} without a query), as the reference server reads it with new
// URL(nsp). A payload a client sent with its CONNECT is ignored, as there.
func v3Namespace(p *codec.SocketPacket) {
	nsp, query, hasQuery := strings.Cut(p.Nsp, "?")
	if !hasQuery {
		nsp, _, _ = strings.Cut(nsp, "#")
	} else {
		query, _, _ = strings.Cut(query, "#")
	}
	if nsp == "" {
		nsp = "/"
	}
	p.Nsp = nsp
	if p.Type != codec.Connect {
		return
	}
	p.Args = nil
	if !hasQuery {
		return
	}
	auth := v3Query(query)
	if len(auth) == 0 {
		return
	}
	if args, err := codec.ArgsOf(auth); err == nil {
		p.Args = args
	}
}

// v3Query parses a query string as URLSearchParams does: '&'-separated
// pairs split at the first '=', '+' as a space, percent escapes decoded
// (invalid ones kept as they are, invalid UTF-8 replaced); a key given
// twice keeps its last value, as Object.fromEntries does.
func v3Query(q string) map[string]any {
	out := map[string]any{}
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		out[unescapeQuery(k)] = unescapeQuery(v)
	}
	return out
}

func unescapeQuery(s string) string {
	if !strings.ContainsAny(s, "+%") && utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]):
			b = append(b, fromHex(s[i+1])<<4|fromHex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func fromHex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// v3SocketID is the id of a protocol 4 socket, as the reference server
// makes it: the Engine.IO id for "/", "<nsp>#<engine id>" otherwise.
func v3SocketID(nsp, engineID string) string {
	if nsp == "/" {
		return engineID
	}
	return nsp + "#" + engineID
}

// v3ConnectError is the CONNECT_ERROR payload of a middleware refusal for
// a protocol 4 client: the error's data if it has some (in the JavaScript
// sense: not null, false, 0 or ""), its message otherwise, as the
// reference server sends err.data || err.message. socket.io-client 2.x
// emits it as the socket's "error" event.
func v3ConnectError(p connectErrorPayload) any {
	switch d := p.Data.(type) {
	case nil, bool, string, float64, int, int64, uint64:
		if d == nil || d == false || d == "" || d == 0.0 || d == 0 || d == int64(0) || d == uint64(0) {
			return p.Message
		}
	}
	return p.Data
}
