package client

import "sync"

// tracker counts the goroutines of a Manager (engine readers and writers,
// open attempts, timers' work) so that Close can wait for them. Unlike a
// sync.WaitGroup it may be reused after a wait: a Manager can be opened
// again after Close. Safe for concurrent use.
type tracker struct {
	mu   sync.Mutex
	n    int        // guarded by mu
	idle *sync.Cond // signalled when n drops to 0
}

// Go runs fn on a new goroutine, counted until fn returns.
func (t *tracker) Go(fn func()) {
	t.mu.Lock()
	t.n++
	t.mu.Unlock()
	go func() {
		defer t.done()
		fn()
	}()
}

func (t *tracker) done() {
	t.mu.Lock()
	t.n--
	if t.n == 0 && t.idle != nil {
		t.idle.Broadcast()
	}
	t.mu.Unlock()
}

// Wait returns once no counted goroutine runs.
func (t *tracker) Wait() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.idle == nil {
		t.idle = sync.NewCond(&t.mu)
	}
	for t.n > 0 {
		t.idle.Wait()
	}
}
