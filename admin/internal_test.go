package admin

import (
	"encoding/json"
	"testing"
	"time"
)

// TestNotifyBounded: notifications never wait: past the queue's capacity
// they are dropped, so memory does not grow with events.
func TestNotifyBounded(t *testing.T) {
	a := &Admin{queue: make(chan note, queueSize)}
	a.listeners.Store(1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 3 * queueSize {
			a.notify(note{event: "event_received"})
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("notify blocked on a full queue")
	}
	if n := len(a.queue); n != queueSize {
		t.Fatalf("%d notes queued, want the capacity %d", n, queueSize)
	}
	// Without a UI connected nothing is queued at all.
	b := &Admin{queue: make(chan note, queueSize)}
	b.notify(note{event: "event_received"})
	if len(b.queue) != 0 {
		t.Fatal("a note was queued with no UI connected")
	}
}

// TestSessionExpiry: a session id is valid until its expiry.
func TestSessionExpiry(t *testing.T) {
	a := &Admin{}
	id, err := a.newSession()
	if err != nil {
		t.Fatal(err)
	}
	if !a.validSession(id) {
		t.Fatal("a new session is not valid")
	}
	if exp := a.sessions.ids[id]; exp.Before(time.Now().Add(sessionTTL-time.Minute)) || exp.After(time.Now().Add(sessionTTL)) {
		t.Fatalf("expiry %v, want in %v", exp, sessionTTL)
	}
	a.sessions.ids[id] = time.Now().Add(-time.Second)
	if a.validSession(id) {
		t.Fatal("an expired session is still valid")
	}
}

// TestPlain: what the UI is sent is plain JSON data; a value that does not
// encode is named, not sent.
func TestPlain(t *testing.T) {
	if got := plain(map[string]any{"n": 1, "s": []int{2}}); asJSONString(got) != `{"n":1,"s":[2]}` {
		t.Fatalf("plain: %v", got)
	}
	if got := plain(map[string]any{"c": make(chan int)}); asJSONString(got) != `{"error":"not JSON-encodable: map[string]interface {}"}` {
		t.Fatalf("plain of a channel: %v", got)
	}
	if plain(nil) != nil {
		t.Fatal("plain(nil)")
	}
}

func asJSONString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
