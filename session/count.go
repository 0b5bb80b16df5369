package session

import "github.com/gosio/socketio/transports"

// CountByTransport returns how many open sessions long-polling and
// WebSocket carry now; a session being upgraded counts as polling until
// its upgrade completes. It visits every session (the session list is
// copied first, so no session's lock is taken under the server's): call
// it every few seconds, not per packet.
func (s *Server) CountByTransport() (polling, websocket int) {
	s.mu.RLock()
	all := make([]*Session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		all = append(all, sess)
	}
	s.mu.RUnlock()
	for _, sess := range all {
		if sess.Transport() == transports.NameWebSocket {
			websocket++
		} else {
			polling++
		}
	}
	return polling, websocket
}
