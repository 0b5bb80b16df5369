package socketio

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The wire form of a Handshake is the one a Node.js node sends and reads
// in a cluster's fetch-sockets answers: headers with lower-case names (host
// included, which net/http keeps in Request.Host) and
// string values (repeated headers joined with ", ", cookies with "; ",
// set-cookie as an array), the query as a flat object (a repeated key as
// an array), time as JavaScript's Date.toString.

type handshakeWire struct {
	Headers map[string]any `json:"headers"`
	Time    string         `json:"time"`
	Address string         `json:"address"`
	XDomain bool           `json:"xdomain"`
	Secure  bool           `json:"secure"`
	Issued  int64          `json:"issued"`
	URL     string         `json:"url"`
	Query   map[string]any `json:"query"`
	Auth    map[string]any `json:"auth"`
}

// MarshalJSON writes the handshake as the reference server serialises it.
func (h *Handshake) MarshalJSON() ([]byte, error) {
	w := handshakeWire{
		Headers: make(map[string]any, len(h.Headers)),
		Time:    h.Time,
		Address: h.Address,
		XDomain: h.XDomain,
		Secure:  h.Secure,
		Issued:  h.Issued,
		URL:     h.URL,
		Query:   make(map[string]any, len(h.Query)),
		Auth:    h.Auth,
	}
	for k, vs := range h.Headers {
		name := strings.ToLower(k)
		switch {
		case len(vs) == 0:
		case name == "set-cookie":
			w.Headers[name] = vs
		case name == "cookie":
			w.Headers[name] = strings.Join(vs, "; ")
		default:
			w.Headers[name] = strings.Join(vs, ", ")
		}
	}
	if _, ok := w.Headers["host"]; !ok && h.host != "" {
		w.Headers["host"] = h.host
	}
	for k, vs := range h.Query {
		if len(vs) == 1 {
			w.Query[k] = vs[0]
		} else {
			w.Query[k] = vs
		}
	}
	if w.Auth == nil {
		w.Auth = map[string]any{}
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads the reference server's form (what MarshalJSON
// writes), as a cluster adapter receives it from a Node.js node.
func (h *Handshake) UnmarshalJSON(b []byte) error {
	var w handshakeWire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*h = Handshake{
		Headers: make(http.Header, len(w.Headers)),
		Time:    w.Time,
		Address: w.Address,
		XDomain: w.XDomain,
		Secure:  w.Secure,
		Issued:  w.Issued,
		URL:     w.URL,
		Query:   make(url.Values, len(w.Query)),
		Auth:    w.Auth,
	}
	for k, v := range w.Headers {
		h.Headers[http.CanonicalHeaderKey(k)] = stringList(v)
	}
	h.host = h.Headers.Get("Host")
	for k, v := range w.Query {
		h.Query[k] = stringList(v)
	}
	if h.Auth == nil {
		h.Auth = map[string]any{}
	}
	return nil
}

// stringList reads a JSON string or array of strings; other values are
// kept as their JSON text.
func stringList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			out = append(out, stringList(e)...)
		}
		return out
	case nil:
		return nil
	}
	b, _ := json.Marshal(v)
	return []string{string(b)}
}

// jsDateString formats t as JavaScript's Date.prototype.toString does,
// e.g. "Fri Dec 04 2026 03:09:48 GMT+0000 (Coordinated Universal Time)".
// JavaScript prints the zone's long name, which Go does not know: UTC is
// spelled out, other zones give their abbreviation.
func jsDateString(t time.Time) string {
	zone, _ := t.Zone()
	if zone == "UTC" {
		zone = "Coordinated Universal Time"
	}
	return t.Format("Mon Jan 02 2006 15:04:05 GMT-0700") + " (" + zone + ")"
}
