package codec

import (
	"fmt"
	"sync"
	"testing"
)

// A name comes back equal to its bytes whatever the table holds: hit,
// miss, a slot taken over by another name, a name too long to intern,
// the empty name; and the returned string does not alias b.
func TestInternName(t *testing.T) {
	b := []byte("ping")
	first := internName(b)
	b[0] = 'P' // the caller's buffer is reused: the name must not change
	if first != "ping" {
		t.Fatalf("interned name changed with its buffer: %q", first)
	}
	if got := internName([]byte("ping")); got != "ping" {
		t.Fatalf("hit: %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = internName([]byte("ping")) }); n != 0 {
		t.Errorf("a name in the table: %v allocations, want 0", n)
	}
	// More names than slots: every one still comes back right, those
	// that displaced others included.
	for round := 0; round < 2; round++ {
		for i := 0; i < 4*internSlots; i++ {
			want := fmt.Sprintf("event-%d", i)
			if got := internName([]byte(want)); got != want {
				t.Fatalf("internName(%q) = %q", want, got)
			}
		}
	}
	long := make([]byte, internMaxName+1)
	for i := range long {
		long[i] = 'a'
	}
	if got := internName(long); got != string(long) {
		t.Fatalf("long name: %q", got)
	}
	if got := internName(nil); got != "" {
		t.Fatalf("empty name: %q", got)
	}
}

// Connections decode on their own goroutines and share the table: names
// read and replaced at once stay right (run with -race).
func TestInternNameConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				want := fmt.Sprintf("n%d", (i*7+g)%600)
				if got := internName([]byte(want)); got != want {
					t.Errorf("internName(%q) = %q", want, got)
					return
				}
			}
		}()
	}
	wg.Wait()
}
