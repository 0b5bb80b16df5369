package socketio

import (
	"slices"
	"testing"
)

// On replaces an event's handler in place and Off removes it.
func TestSocketHandlersReplaceAndOff(t *testing.T) {
	s := &Socket{}
	var got []string
	s.On("a", func() { got = append(got, "a1") })
	s.On("b", func() { got = append(got, "b") })
	s.On("a", func() { got = append(got, "a2") })
	if len(s.handlers) != 2 {
		t.Fatalf("%d handlers, want 2", len(s.handlers))
	}
	for _, e := range []string{"a", "b"} {
		i := s.handlerIndexLocked(e)
		if i < 0 {
			t.Fatalf("no handler for %q", e)
		}
		s.handlers[i].fn.Call(nil)
	}
	if !slices.Equal(got, []string{"a2", "b"}) {
		t.Fatalf("called %v", got)
	}
	if s.handlers[0].handlerType != s.handlers[1].handlerType {
		t.Fatal("handlers of one func type do not share their analysis")
	}
	s.Off("a")
	s.Off("zzz")
	if s.handlerIndexLocked("a") >= 0 || s.handlerIndexLocked("b") < 0 {
		t.Fatal("Off removed the wrong handler")
	}
	s.Off("b")
	if s.handlers != nil {
		t.Fatal("handlers not released when empty")
	}
}
