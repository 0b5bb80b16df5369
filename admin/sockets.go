package admin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
)

// Development mode: every socket of the other namespaces is watched from
// its connection on (or from Attach): its events in and out, its
// disconnection, and its transport (an upgrade is seen at the next tick).

// onSocketConnection is the server-wide connection hook.
func (a *Admin) onSocketConnection(s *socketio.Socket) {
	if s.Namespace() == a.nsp || a.closed.Load() {
		return
	}
	if !a.watch(s) {
		return
	}
	a.notify(note{event: "socket_connected", args: []any{a.serialize(s), stamp()}})
}

// watch adds the listeners to s, once; it reports whether it did.
func (a *Admin) watch(s *socketio.Socket) bool {
	a.mu.Lock()
	if _, seen := a.watched[s]; seen || a.watched == nil {
		a.mu.Unlock()
		return false
	}
	a.watched[s] = transportOf(s)
	a.mu.Unlock()

	nsp := s.Namespace().Name()
	s.OnAny(func(event string, args codec.Args) {
		if a.listeners.Load() == 0 {
			return
		}
		a.notify(note{event: "event_received", args: []any{nsp, s.ID(), eventArgs(event, args), stamp()}})
	})
	s.OnAnyOutgoing(func(event string, args []any) {
		if a.listeners.Load() == 0 {
			return
		}
		a.notify(note{event: "event_sent", args: []any{nsp, s.ID(), outgoingArgs(event, args), stamp()}})
	})
	s.OnDisconnect(func(reason string) {
		a.mu.Lock()
		if a.watched != nil {
			delete(a.watched, s)
		}
		a.mu.Unlock()
		a.notify(note{event: "socket_disconnected", args: []any{nsp, s.ID(), reason, stamp()}})
	})
	return true
}

// onRoom reports a room change of a watched socket.
func (a *Admin) onRoom(s *socketio.Socket, room, event string) {
	if s.Namespace() == a.nsp {
		return
	}
	a.notify(note{event: event, args: []any{s.Namespace().Name(), room, s.ID(), stamp()}})
}

// upgrades returns the socket_updated payloads of the watched sockets
// whose transport changed since it was last reported.
func (a *Admin) upgrades() []map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []map[string]any
	for s, was := range a.watched {
		if now := transportOf(s); now != was {
			a.watched[s] = now
			out = append(out, map[string]any{"id": s.ID(), "nsp": s.Namespace().Name(), "transport": now})
		}
	}
	return out
}

// allSockets lists the sockets of every namespace but the admin one.
func (a *Admin) allSockets() []any {
	out := []any{}
	for _, n := range a.io.Namespaces() {
		if n == a.nsp {
			continue
		}
		for _, s := range n.Sockets() {
			out = append(out, a.serialize(s))
		}
	}
	return out
}

// serialize describes a socket as the UI expects it (Node's
// SerializedSocket). The handshake leaves out the CONNECT payload (auth),
// as Node does: it may hold a token.
func (a *Admin) serialize(s *socketio.Socket) map[string]any {
	hs := *s.Handshake()
	hs.Auth = nil
	handshake, _ := plain(&hs).(map[string]any)
	if handshake != nil {
		delete(handshake, "auth")
	}
	data := plain(s.Data())
	if data == nil {
		data = map[string]any{}
	}
	return map[string]any{
		"id":        s.ID(),
		"clientId":  a.clientID(s),
		"transport": transportOf(s),
		"nsp":       s.Namespace().Name(),
		"data":      data,
		"handshake": handshake,
		"rooms":     s.Rooms(),
	}
}

// clientID names the connection carrying s: the same for the sockets
// sharing it. Node shows the first 12 characters of the Engine.IO session
// id, which the UI then displays; here it is a keyed hash of it, so the
// UI never sees any part of a session id (which lets whoever has it poll
// as that client).
func (a *Admin) clientID(s *socketio.Socket) string {
	var id string
	if sess := s.Session(); sess != nil {
		id = sess.ID()
	} else if lc := s.LegacyConn(); lc != nil {
		id = lc.ID()
	}
	m := hmac.New(sha256.New, a.clientIDKey[:])
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil)[:6])
}

// transportOf returns the name of the transport carrying s now.
func transportOf(s *socketio.Socket) string {
	if sess := s.Session(); sess != nil {
		return sess.Transport()
	}
	if lc := s.LegacyConn(); lc != nil {
		return lc.Transport()
	}
	return ""
}

// stamp is the time now as JavaScript's Date#toISOString writes it (what
// a Date argument becomes in Node's JSON).
func stamp() string {
	return time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
}

// plain returns v as encoding/json sees it (maps, slices, strings,
// float64, bool, nil), or nil when v does not encode. Values the UI gets
// are plain, so the encoder never meets a type of the user's, and nothing
// refers to the user's values once the note is queued.
func plain(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]any{"error": "not JSON-encodable: " + reflect.TypeOf(v).String()}
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// eventArgs is [event, args...] of an incoming event, decoded (binary
// attachments stay []byte, which the admin socket receives as binary).
func eventArgs(event string, args codec.Args) []any {
	out := make([]any, 1, 1+args.Len())
	out[0] = event
	for i := 0; i < args.Len(); i++ {
		var v any
		if err := args.Decode(i, &v); err != nil {
			v = nil
		}
		out = append(out, v)
	}
	return out
}

// outgoingArgs is [event, args...] of an outgoing event, copied: the
// caller may reuse its values (a []byte buffer) once its emit returned.
func outgoingArgs(event string, args []any) []any {
	decoded, err := codec.ArgsOf(args...)
	if err != nil {
		return []any{event}
	}
	out := eventArgs(event, decoded)
	for i := range out[1:] {
		out[1+i] = cloneBinary(out[1+i])
	}
	return out
}

// cloneBinary copies the []byte values inside v (a decoded tree).
func cloneBinary(v any) any {
	switch t := v.(type) {
	case []byte:
		return append([]byte(nil), t...)
	case []any:
		for i := range t {
			t[i] = cloneBinary(t[i])
		}
	case map[string]any:
		for k, x := range t {
			t[k] = cloneBinary(x)
		}
	}
	return v
}
