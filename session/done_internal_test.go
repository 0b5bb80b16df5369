package session

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A session's Done channel is made by the first Done call (an idle
// session nobody asks keeps none), is the same on every call, and is
// closed once the session closes; asked for only after the close, it is
// closed already.
func TestDoneMadeOnDemand(t *testing.T) {
	srv := NewServer(nil)
	r := httptest.NewRequest(http.MethodGet, "/engine.io/?EIO=4&transport=websocket", nil)

	s := newSession(srv, "a", r, "websocket", nil)
	if s.done != nil {
		t.Fatal("the Done channel was made with the session")
	}
	d := s.Done()
	if s.Done() != d {
		t.Fatal("a second Done call returned another channel")
	}
	select {
	case <-d:
		t.Fatal("Done is closed before the session is")
	default:
	}
	s.closeNow(ReasonForcedClose, nil, true)
	select {
	case <-d:
	default:
		t.Fatal("Done is not closed after the session closed")
	}

	late := newSession(srv, "b", r, "websocket", nil)
	late.closeNow(ReasonForcedClose, nil, true)
	if late.done != nil {
		t.Fatal("closing made a Done channel nobody asked for")
	}
	select {
	case <-late.Done():
	default:
		t.Fatal("Done asked for after the close is not closed")
	}
}
