package session

import "time"

// The heartbeat is one time.AfterFunc timer per session, so an idle
// session costs no goroutine. The timer alternates between two waits:
// PingInterval until the next ping, then PingTimeout for its pong. A
// graceful close on polling reuses it as the deadline for the client to
// collect the close packet.

func (s *Session) startHeartbeat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateOpen || s.timer != nil {
		return
	}
	d := s.srv.cfg.pingInterval
	if s.v3 {
		// v3: the client pings; the session waits for its pings the way a
		// v4 session waits for pongs (see onClientPing).
		s.awaitingPong = true
		d = s.heartbeatWindow()
	}
	s.timerAt = time.Now().Add(d)
	s.timer = time.AfterFunc(d, s.onTimer)
}

// heartbeatWindow is how long the client has to answer (v4: a pong within
// PingTimeout) or to ping (v3: PingInterval + PingTimeout after its last
// ping, as in the reference server).
func (s *Session) heartbeatWindow() time.Duration {
	if s.v3 {
		return s.srv.cfg.pingInterval + s.srv.cfg.pingTimeout
	}
	return s.srv.cfg.pingTimeout
}

// onClientPing handles a v3 client's ping: a pong goes out ahead of the
// queue and the client has another heartbeat window for its next ping.
func (s *Session) onClientPing() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateOpen {
		return
	}
	s.armTimerLocked(s.heartbeatWindow())
	s.pingDue = true
	s.kickLocked()
}

// armTimerLocked (re)starts the timer to fire after d.
func (s *Session) armTimerLocked(d time.Duration) {
	s.timerAt = time.Now().Add(d)
	if s.timer == nil {
		s.timer = time.AfterFunc(d, s.onTimer)
		return
	}
	s.timer.Reset(d)
}

func (s *Session) onTimer() {
	s.mu.Lock()
	if s.state == stateClosed {
		s.mu.Unlock()
		return
	}
	// A firing from before the last re-arm that raced with it: wait on.
	if wait := time.Until(s.timerAt); wait > 0 {
		s.timer.Reset(wait)
		s.mu.Unlock()
		return
	}
	switch {
	case s.state == stateClosing:
		reason := s.closeReason
		s.mu.Unlock()
		s.closeNow(reason, nil, true)
	case s.awaitingPong && s.readHeld > 0:
		// The pong may be waiting, unread, behind messages our consumer
		// has no room for: not the client's fault. Check again later;
		// releasing the hold restarts the pong window.
		s.timerAt = time.Now().Add(s.heartbeatWindow())
		s.timer.Reset(s.heartbeatWindow())
		s.mu.Unlock()
	case s.awaitingPong:
		s.mu.Unlock()
		s.closeNow(ReasonPingTimeout, nil, true)
	default:
		s.awaitingPong = true
		s.pingDue = true
		// The pong deadline counts from when the ping was due, so timer
		// latency does not stretch the heartbeat cycle; but a ping sent
		// very late (an overloaded machine) still leaves the client at
		// least half the window to answer.
		timeout := s.srv.cfg.pingTimeout
		s.timerAt = s.timerAt.Add(timeout)
		if floor := time.Now().Add(timeout / 2); s.timerAt.Before(floor) {
			s.timerAt = floor
		}
		s.timer.Reset(time.Until(s.timerAt))
		s.kickLocked()
		s.mu.Unlock()
	}
}

// onPong handles the client's heartbeat reply: the next ping is due
// PingInterval from now. Only a pong resets the heartbeat, as in the
// reference server; other traffic does not.
func (s *Session) onPong() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateOpen || !s.awaitingPong {
		return
	}
	s.awaitingPong = false
	s.armTimerLocked(s.srv.cfg.pingInterval)
}

// pongOverdue reports whether the pong deadline has passed even though the
// timer has not fired yet (it may run late on a loaded machine). Requests
// check it so a timed-out session is never served.
func (s *Session) pongOverdue() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state != stateClosed && s.awaitingPong && s.readHeld == 0 && !time.Now().Before(s.timerAt)
}

// HoldReading tells the session that the consumer of its messages is
// holding its reading back: OnMessage is blocked waiting for room (the
// Socket.IO layer's pending list is full). A pong cannot be read
// meanwhile, so the pong deadline is not enforced until the returned
// release is called, which gives the client a whole PingTimeout from then
// to answer. Holds may nest; release must be called exactly once.
//
// Without it a client whose handlers run slowly would be dropped with
// "ping timeout" although it answered every ping in time.
func (s *Session) HoldReading() (release func()) {
	s.mu.Lock()
	s.readHeld++
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.readHeld--
		if s.readHeld == 0 && s.state == stateOpen && s.awaitingPong {
			s.armTimerLocked(s.heartbeatWindow())
		}
	}
}
