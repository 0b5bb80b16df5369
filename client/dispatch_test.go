package client

import (
	"testing"
	"time"
)

// pushResultOf runs pushRemote on a goroutine and returns its result
// channel; holds counts the hold calls.
func pushAsync(d *dispatcher, done chan struct{}, fn func(), holds *int) <-chan pushResult {
	ch := make(chan pushResult, 1)
	go func() {
		ch <- d.pushRemote(done, 1, fn, func() { *holds++ }, func() {})
	}()
	return ch
}

func TestDispatcherBackPressure(t *testing.T) {
	var gor tracker
	d := newDispatcher(&gor, &config{maxPending: 2, hardPending: 4, maxPendingB: 1 << 20, hardPendingB: 4 << 20})
	block := make(chan struct{})
	ran := make(chan int, 16)
	done := make(chan struct{})
	// The first task blocks the dispatcher; two more fill the queue.
	started := make(chan struct{})
	if r := d.pushRemote(done, 1, func() { close(started); <-block; ran <- 0 }, nil, nil); r != pushed {
		t.Fatal(r)
	}
	<-started
	for i := 1; i <= 2; i++ {
		if r := d.pushRemote(done, 1, func() { ran <- i }, nil, nil); r != pushed {
			t.Fatal(r)
		}
	}
	// The next one waits for room.
	holds := 0
	res := pushAsync(d, done, func() { ran <- 3 }, &holds)
	select {
	case r := <-res:
		t.Fatalf("pushed past the soft limit: %v", r)
	case <-time.After(50 * time.Millisecond):
	}
	close(block)
	if r := <-res; r != pushed {
		t.Fatal(r)
	}
	if holds != 1 {
		t.Fatalf("hold called %d times", holds)
	}
	for want := range 4 {
		if got := <-ran; got != want {
			t.Fatalf("ran %d, want %d", got, want)
		}
	}
	gor.Wait()
}

func TestDispatcherAwaitingAndStop(t *testing.T) {
	var gor tracker
	d := newDispatcher(&gor, &config{maxPending: 1, hardPending: 3})
	block := make(chan struct{})
	done := make(chan struct{})
	started := make(chan struct{})
	d.pushRemote(done, 1, func() { close(started); <-block }, nil, nil)
	<-started                                  // running
	d.pushRemote(done, 1, func() {}, nil, nil) // queued: the soft limit
	holds := 0
	res := pushAsync(d, done, func() {}, &holds)
	// An EmitWithAck starts waiting (whether the push above waits already
	// or not): the reader goes on up to the hard limit.
	d.await(1)
	if r := <-res; r != pushed {
		t.Fatal(r)
	}
	if r := d.pushRemote(done, 1, func() {}, nil, nil); r != pushed {
		t.Fatalf("below the hard limit: %v", r)
	}
	if r := d.pushRemote(done, 1, func() {}, nil, nil); r != overflow {
		t.Fatalf("past the hard limit: %v", r)
	}
	// Without awaited acks it waits again; closing done stops it.
	d.await(-1)
	res = pushAsync(d, done, func() { t.Error("a stopped task ran") }, &holds)
	close(done)
	if r := <-res; r != stopped {
		t.Fatal(r)
	}
	// Local tasks never wait.
	local := make(chan struct{})
	d.push(func() { close(local) })
	close(block)
	<-local
	gor.Wait()
}
