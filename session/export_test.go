package session

import (
	"runtime"
	"time"
)

// Hooks into the flushers for the tests of Enqueue (package session_test).

// HoldFlusher keeps s's flusher from running until release is called,
// which runs it; deferred packets stay queued meanwhile.
func HoldFlusher(s *Session) (release func()) {
	f := s.fl
	for {
		f.mu.Lock()
		if !f.running {
			f.running = true
			f.mu.Unlock()
			return func() { go f.run() }
		}
		f.mu.Unlock()
		runtime.Gosched() // a pass of an earlier test's packets is ending
	}
}

// ShareFlusher makes dst use src's flusher; call it before either
// enqueues anything.
func ShareFlusher(dst, src *Session) {
	dst.mu.Lock()
	dst.fl = src.fl
	dst.mu.Unlock()
}

// DeferredState reports whether s waits for its flusher and how many
// packets it has queued.
func DeferredState(s *Session) (deferred bool, queued int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deferred, len(s.queue)
}

// AssistAt is assistAt, for the tests.
const AssistAt = assistAt

// WaitWriterGone waits (bounded) until s has no writer goroutine and no
// write in progress: Enqueue then lists s with its flusher. A writer
// lingers writerLinger after its last packet (the open packet, say).
func WaitWriterGone(tb interface{ Fatalf(string, ...any) }, s *Session) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		busy := s.flushing || s.writing || s.wsRest
		s.mu.Unlock()
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("session %s: writer still running after 5s", s.id)
		}
		time.Sleep(time.Millisecond)
	}
}

// WaitWriterGoneWake is WaitWriterGone; it also reports whether s still
// holds a writer's wake channel once the writer is gone.
func WaitWriterGoneWake(tb interface{ Fatalf(string, ...any) }, s *Session) (wakeHeld bool) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		busy := s.flushing || s.writing || s.wsRest
		held := s.flushWake != nil
		s.mu.Unlock()
		if !busy {
			return held
		}
		if time.Now().After(deadline) {
			tb.Fatalf("session %s: writer still running after 5s", s.id)
		}
		time.Sleep(time.Millisecond)
	}
}

// WaitProbeGone waits (bounded) until s has no WebSocket probing an
// upgrade: a client that closed its probe has no event telling it when
// the server let go of it, and a new upgrade before then is refused as a
// second probe (1008).
func WaitProbeGone(tb interface{ Fatalf(string, ...any) }, s *Session) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		probing := s.probe != nil
		s.mu.Unlock()
		if !probing {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("session %s: upgrade probe still held after 5s", s.id)
		}
		time.Sleep(time.Millisecond)
	}
}

// BusyAfter is how many messages a reader delivers before it reads from
// below its stack floor (readBusy).
const BusyAfter = busyAfter
