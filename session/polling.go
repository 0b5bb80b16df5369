package session

import (
	"errors"
	"net/http"
	"time"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/httpx"
	"github.com/gosio/socketio/internal/wire"
	"github.com/gosio/socketio/transports"
)

// upgradeNoopDelay is how long a GET that arrives during an upgrade is held
// before a noop releases it (the reference server checks every 100ms).
const upgradeNoopDelay = 100 * time.Millisecond

// servePolling handles a GET (poll) or POST (data) for a polling session.
func (s *Session) servePolling(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	mismatch := s.transport != transports.NamePolling
	s.mu.Unlock()
	if mismatch {
		// Polling after an upgrade, or on a WebSocket session.
		writeError(w, http.StatusBadRequest, CodeBadRequest, "")
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.poll(w, r)
	case http.MethodPost:
		s.receive(w, r)
	default:
		writeError(w, http.StatusBadRequest, CodeBadRequest, "")
	}
}

// poll holds a GET until there is something to send, then sends all of it.
// A second GET while one is pending is a protocol violation: it gets 400
// and the session closes (the pending one receives a close packet).
func (s *Session) poll(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.getActive {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, CodeBadRequest, "")
		s.closeNow(ReasonTransportError, errPollOverlap, true)
		return
	}
	s.getActive = true
	if s.getArrived != nil {
		close(s.getArrived)
		s.getArrived = nil
	}
	// A GET that arrives while an upgrade is under way was either sent
	// before the client saw "3probe" (then a noop must release it soon) or
	// after it sent "5" (a protocol violation, refused once the upgrade
	// packet is read). Like the reference server, hold it briefly to tell
	// the two apart; a GET already pending when the probe arrives is
	// released at once.
	var grace <-chan time.Time
	if s.upgrading {
		t := time.NewTimer(upgradeNoopDelay)
		defer t.Stop()
		grace = t.C
	}
	var batch []codec.Packet
	for {
		if s.state == stateClosed {
			batch = append(batch[:0], codec.Packet{Type: s.finalPoll, NoCompress: true})
			break
		}
		if s.transport != transports.NamePolling {
			s.getActive = false
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, CodeBadRequest, "")
			return
		}
		if batch = s.takeLocked(batch); len(batch) > 0 {
			break
		}
		if s.state == stateClosing {
			// The close packet travels alone, after everything queued: the
			// client acts on a close at once but on the packets before it
			// a tick later, so sharing a response would lose them.
			batch = append(batch, codec.Packet{Type: codec.PacketClose, NoCompress: true})
			break
		}
		if s.upgrading && grace == nil {
			// The client pauses polling to finish the upgrade; a noop
			// releases its last GET.
			batch = append(batch, codec.Packet{Type: codec.PacketNoop, NoCompress: true})
			break
		}
		s.mu.Unlock()
		select {
		case <-s.wake:
			s.mu.Lock()
		case <-grace:
			s.mu.Lock()
			grace = nil
		case <-r.Context().Done():
			s.mu.Lock()
			s.getActive = false
			s.mu.Unlock()
			s.closeNow(ReasonTransportError, errPollAborted, true)
			return
		}
	}
	s.getActive = false
	// The close packet of a graceful close is the last thing the client
	// gets: once written, the session is done.
	closing := s.state == stateClosing && len(batch) == 1 && batch[0].Type == codec.PacketClose
	reason := s.closeReason
	s.mu.Unlock()

	var err error
	s.srv.counters.sent(batch)
	// Encoding, and compressing, happen outside the lock.
	hc := s.srv.cfg.httpCompression
	switch {
	case !s.v3:
		err = httpx.WritePayload(w, r, batch, hc)
	case s.jsonp:
		err = httpx.WriteJSONP(w, r, batch, s.jsonpIndex, hc)
	default:
		err = httpx.WritePayloadV3(w, r, batch, !s.b64, hc)
	}
	clear(batch)
	if closing {
		s.closeNow(reason, nil, true)
	} else if err != nil {
		s.closeNow(ReasonTransportError, err, true)
	}
}

// receive handles a POST: decode the payload, act on each packet in order,
// answer "ok". A bad body gets 400 (413 when over MaxPayload) and closes
// the session; only this session is affected.
func (s *Session) receive(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.postActive {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, CodeBadRequest, "")
		s.closeNow(ReasonTransportError, errPollOverlap, true)
		return
	}
	s.postActive = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.postActive = false
		s.mu.Unlock()
	}()

	var body []byte
	var err error
	if s.v3 {
		body, err = httpx.ReadBodyWithin(w, r, s.maxPayload, s.srv.cfg.pollingBodyTimeout)
	} else {
		body, err = httpx.ReadPayloadWithin(w, r, s.maxPayload, s.srv.cfg.pollingBodyTimeout)
	}
	if err != nil {
		switch {
		case errors.Is(err, httpx.ErrBodyTooLarge):
			writeError(w, http.StatusRequestEntityTooLarge, CodeBadRequest, "Payload too large")
		case errors.Is(err, httpx.ErrBodyTimeout):
			// The connection's reading side is spent: do not keep it.
			w.Header().Set("Connection", "close")
			writeError(w, http.StatusRequestTimeout, CodeBadRequest, "")
		default:
			writeError(w, http.StatusBadRequest, CodeBadRequest, "")
		}
		s.closeNow(ReasonTransportError, err, true)
		return
	}
	onPacket := func(p codec.Packet) error {
		if p.Type == codec.PacketClose {
			s.closeFromPoll()
			return nil
		}
		s.onPacket(p)
		return nil
	}
	if s.v3 {
		err = s.decodeV3(r, body, onPacket)
	} else {
		// The reference server reads a polling body as a JS string:
		// ill-formed UTF-8 becomes U+FFFD. Doing the same here keeps what
		// handlers get, and any text frame it is later written in, valid
		// UTF-8 (a WebSocket client would fail the connection on an
		// invalid text frame).
		body = wire.ToValidUTF8(body)
		err = codec.DecodePayload(body, onPacket)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "")
		s.closeNow(ReasonParseError, err, true)
		return
	}
	httpx.WriteOK(w)
}

// decodeV3 decodes the body of a v3 POST: a JSONP form, a binary payload
// (application/octet-stream, from XHR2 clients) or a text payload.
func (s *Session) decodeV3(r *http.Request, body []byte, fn func(codec.Packet) error) error {
	switch {
	case s.jsonp:
		d, err := wire.DecodeJSONPForm(body)
		if err != nil {
			return err
		}
		return wire.DecodePayloadV3(wire.ToValidUTF8(d), fn)
	case httpx.IsBinaryBody(r):
		return wire.DecodeBinaryPayloadV3(body, fn)
	}
	return wire.DecodePayloadV3(wire.ToValidUTF8(body), fn)
}

// pollCloseTimeout bounds how long a graceful close on polling waits for
// the client's next poll (PingTimeout if shorter).
const pollCloseTimeout = 3 * time.Second

// closeLinger bounds how long a POSTed close packet waits for the client's
// GET to arrive when none is pending.
const closeLinger = 100 * time.Millisecond

// closeFromPoll handles a close packet POSTed by the client. The client
// still expects its pending GET to complete with a noop, but that GET and
// this POST travel on different connections and may arrive in either
// order; if the GET is not here yet, wait briefly for it, so that it is
// answered rather than refused.
func (s *Session) closeFromPoll() {
	s.mu.Lock()
	var arrived chan struct{}
	if !s.getActive && s.state == stateOpen {
		arrived = make(chan struct{})
		s.getArrived = arrived
	}
	s.mu.Unlock()
	if arrived != nil {
		t := time.NewTimer(closeLinger)
		select {
		case <-arrived:
		case <-t.C:
		}
		t.Stop()
	}
	s.closeNow(ReasonTransportClose, nil, false)
}
