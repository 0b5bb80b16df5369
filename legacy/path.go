package legacy

import "strings"

// route is what a 0.6 URL says: /<resource>/<transport>[/<sid>][/<timestamp>][/<index>|/send].
type route struct {
	transport string
	sid       string // "" for a new connection
	index     string // jsonp-polling: the client's io.JSONP index
}

func isTransport(s string) bool {
	for _, t := range allTransports {
		if s == t {
			return true
		}
	}
	return false
}

func isNumber(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Match reports whether path has the shape of a Socket.IO 0.6 request
// after whatever prefix the server is mounted under: a transport name
// followed by at most a session id, a timestamp and a JSONP index (or
// "send"). The Socket.IO server uses it, with the absence of an EIO
// query parameter, to tell 0.6 clients from Engine.IO ones.
func Match(path string) bool {
	_, ok := parsePath(path)
	return ok
}

// parsePath reads a 0.6 URL. Empty segments are skipped: the client asks
// for /socket.io/xhr-polling//<timestamp> before it has a session id, and
// routers that clean paths (http.ServeMux) redirect that to
// /socket.io/xhr-polling/<timestamp>. Session ids are never all digits,
// which tells them from timestamps and indexes.
func parsePath(path string) (route, bool) {
	segs := strings.Split(path, "/")
	at := -1
	for i := len(segs) - 1; i >= 0 && len(segs)-1-i <= 5; i-- {
		if isTransport(segs[i]) {
			at = i
			break
		}
	}
	if at < 0 {
		return route{}, false
	}
	rt := route{transport: segs[at]}
	var rest []string
	for _, s := range segs[at+1:] {
		if s != "" {
			rest = append(rest, s)
		}
	}
	if n := len(rest); n > 0 && rest[n-1] == "send" {
		rest = rest[:n-1]
	}
	if rt.transport == JSONPPolling && len(rest) > 0 && isNumber(rest[len(rest)-1]) && (len(rest) > 1 && isNumber(rest[len(rest)-2])) {
		rt.index = rest[len(rest)-1]
		rest = rest[:len(rest)-1]
	}
	if n := len(rest); n > 0 && isNumber(rest[n-1]) {
		rest = rest[:n-1] // the timestamp
	}
	switch len(rest) {
	case 0:
	case 1:
		if isNumber(rest[0]) {
			return route{}, false
		}
		rt.sid = rest[0]
	default:
		return route{}, false
	}
	return rt, true
}
