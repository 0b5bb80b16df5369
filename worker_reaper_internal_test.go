package socketio

import (
	"testing"
	"time"
)

// awaitWorker waits until cond holds for c (checked under qmu), or fails.
func awaitWorker(t *testing.T, c *client, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.qmu.Lock()
		ok := cond()
		c.qmu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func liveWorkers() (n int, reaping bool) {
	workers.mu.Lock()
	defer workers.mu.Unlock()
	return len(workers.live), workers.reaping
}

// TestWorkerRetires: a worker that has nothing to do exits after lingering
// at least minScanGap, and the reaper stops once no worker is left.
func TestWorkerRetires(t *testing.T) {
	c := &client{srv: NewServer(nil)}
	start := time.Now()
	c.enqueue(nil, 0) // an end-of-connection item: no socket to disconnect
	awaitWorker(t, c, "the worker to start", func() bool { return c.running })
	awaitWorker(t, c, "the idle worker to exit", func() bool { return !c.running })
	if took := time.Since(start); took < minScanGap {
		t.Errorf("the worker exited %v after its last packet, before lingering %v", took, minScanGap)
	}
	c.qmu.Lock()
	if c.wake != nil || c.pending != nil {
		t.Errorf("an exited worker left wake=%v pending=%v", c.wake, c.pending)
	}
	c.qmu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, reaping := liveWorkers()
		if n == 0 && !reaping {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d workers registered, reaper running %v, after the only worker exited", n, reaping)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWorkerLingersWhileBusy: packets coming more often than workerLinger
// keep the same worker (same wake channel) instead of one per packet.
func TestWorkerLingersWhileBusy(t *testing.T) {
	c := &client{srv: NewServer(nil)}
	var first chan struct{}
	tick := time.NewTicker(workerLinger / 10)
	defer tick.Stop()
	for i := range 40 { // eight lingers
		c.enqueue(nil, 0)
		c.qmu.Lock()
		wake := c.wake
		c.qmu.Unlock()
		if i == 0 {
			first = wake
		} else if wake != first {
			t.Fatalf("packet %d: a new worker started while packets kept coming every %v", i, workerLinger/10)
		}
		<-tick.C
	}
	awaitWorker(t, c, "the worker to exit once idle", func() bool { return !c.running })
}
