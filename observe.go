package socketio

import "slices"

// Observation hooks: what a tool watching the whole server (the admin UI
// of package admin, a debugger) needs and a namespace's own handlers do
// not give: every namespace, every socket of every namespace as it
// connects, and room memberships as they change.

// observers are the server-wide hooks. The slices are never changed once
// published: adding a hook publishes a new observers value.
type observers struct {
	connect []func(*Socket)
	join    []func(*Socket, string)
	leave   []func(*Socket, string)
}

// addObserver publishes a copy of the hooks changed by add; the server's
// mu serialises the copies.
func (s *Server) addObserver(add func(o *observers)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := &observers{}
	if old := s.obs.Load(); old != nil {
		next.connect = slices.Clip(old.connect)
		next.join = slices.Clip(old.join)
		next.leave = slices.Clip(old.leave)
	}
	add(next)
	s.obs.Store(next)
}

// Namespaces returns the namespaces the server has now: those made by Of
// (the main namespace "/" included) and the children of OfRegexp and
// OfFunc namespaces that exist now, in no particular order. The
// OfRegexp/OfFunc declarations themselves have no sockets and are not
// listed.
func (s *Server) Namespaces() []*Namespace {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*Namespace, 0, len(s.nsps))
	for _, n := range s.nsps {
		out = append(out, n)
	}
	return out
}

// OnAnyConnection adds a handler called for each socket that connects to
// any namespace of the server (children of dynamic namespaces included,
// and sockets restored by connection state recovery), before the
// namespace's own connection handlers, on the same goroutine: the
// socket's events are handled only after it has returned, so listeners it
// adds (OnAny, OnDisconnect) miss nothing. Sockets connected before the
// call are not reported (Namespaces and Namespace.Sockets list them).
func (s *Server) OnAnyConnection(fn func(*Socket)) {
	if fn == nil {
		return
	}
	s.addObserver(func(o *observers) { o.connect = append(o.connect, fn) })
}

// OnRoomJoin adds a handler called after a socket of this node has joined
// a room it was not in: Socket.Join, and the broadcast operators'
// SocketsJoin (from any node) reaching it. A socket's own id room, which
// it is in from its connection on, is not reported. fn runs on the
// goroutine that made the change, with no lock held: it must return
// promptly.
func (s *Server) OnRoomJoin(fn func(s *Socket, room string)) {
	if fn == nil {
		return
	}
	s.addObserver(func(o *observers) { o.join = append(o.join, fn) })
}

// OnRoomLeave adds a handler called after a socket of this node has left
// a room it was in: Socket.Leave, SocketsLeave reaching it, and, when the
// socket disconnects, every room it was in, its own id room last. fn runs
// on the goroutine that made the change, with no lock held: it must
// return promptly.
func (s *Server) OnRoomLeave(fn func(s *Socket, room string)) {
	if fn == nil {
		return
	}
	s.addObserver(func(o *observers) { o.leave = append(o.leave, fn) })
}

// observeConnect runs the OnAnyConnection handlers for a socket just
// connected (Namespace.connected calls it first).
func (s *Server) observeConnect(sock *Socket) {
	o := s.obs.Load()
	if o == nil {
		return
	}
	for _, fn := range o.connect {
		s.safeCall("connection", func() { fn(sock) })
	}
}

// roomsBefore returns the socket's rooms when room changes are observed
// (Join and Leave compare with them afterwards), and whether they are.
func (s *Socket) roomsBefore(leave bool) ([]string, bool) {
	o := s.nsp.srv.obs.Load()
	if o == nil || (leave && len(o.leave) == 0) || (!leave && len(o.join) == 0) {
		return nil, false
	}
	return s.nsp.adapter.SocketRooms(s.id), true
}

// observeJoin reports the rooms of rooms that were not in before.
func (s *Socket) observeJoin(before, rooms []string) {
	o := s.nsp.srv.obs.Load()
	for i, r := range rooms {
		if r == s.id || slices.Contains(before, r) || slices.Contains(rooms[:i], r) {
			continue
		}
		for _, fn := range o.join {
			s.nsp.srv.safeCall("join", func() { fn(s, r) })
		}
	}
}

// observeLeave reports the rooms of rooms that were in before, in order.
func (s *Socket) observeLeave(before, rooms []string) {
	o := s.nsp.srv.obs.Load()
	for i, r := range rooms {
		if !slices.Contains(before, r) || slices.Contains(rooms[:i], r) {
			continue
		}
		for _, fn := range o.leave {
			s.nsp.srv.safeCall("leave", func() { fn(s, r) })
		}
	}
}

// observeLeaveAll reports, for a socket that has left every room on
// disconnection, the rooms it was in (its own id room last).
func (s *Socket) observeLeaveAll(before []string) {
	rooms := make([]string, 0, len(before))
	for _, r := range before {
		if r != s.id {
			rooms = append(rooms, r)
		}
	}
	rooms = append(rooms, s.id)
	s.observeLeave(append(before, s.id), rooms)
}
