package session_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// stallPost sends the headers of a POST declaring a 1,000,000-byte body (MaxPayload) to sid's
// session, and one byte of it; the caller reads the answer from the
// returned connection.
func stallPost(tb testing.TB, base, sid string) net.Conn {
	tb.Helper()
	u, err := url.Parse(eiotest.URL(base, "polling", sid))
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, wait)
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	req := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: %d\r\n\r\n4", u.RequestURI(), u.Host, 1_000_000)
	if _, err := conn.Write([]byte(req)); err != nil {
		tb.Fatalf("write: %v", err)
	}
	return conn
}

// heapAndStacks is the memory live objects and goroutine stacks take,
// after a collection.
func heapAndStacks() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

func vmRSS() uint64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// The stalled-POST attack: 1,000 polling sessions each get a POST that
// declares a body of MaxPayload (1 MB) and sends 1 byte. While they stall, the server
// holds a few KiB each (it allocated the declared length before); after
// PollingBodyTimeout each POST is answered 408 with Connection: close and
// its session is closed ("transport error").
func TestPollingStalledBodies(t *testing.T) {
	const n = 1000
	// Long enough for 1,000 POSTs to be opened on a loaded machine before
	// the first is cut (measured: 1.5 s under -race beside another test run).
	const timeout = 8 * time.Second
	e := newEnv(t, envConfig{opts: &session.Options{PollingBodyTimeout: timeout}})
	var posts atomic.Int32
	allIn := make(chan struct{})
	e.onRequest(func(r *http.Request) {
		if r.Method == http.MethodPost && posts.Add(1) == n {
			close(allIn)
		}
	})
	sids := make([]string, n)
	for i := range sids {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		_, h, _, err := eiotest.HandshakePolling(ctx, e.httpClient(), e.base)
		cancel()
		if err != nil {
			t.Fatalf("handshake %d: %v", i, err)
		}
		sids[i] = h.SID
	}
	base, baseRSS := heapAndStacks(), vmRSS()
	start := time.Now()
	conns := make([]net.Conn, n)
	for i, sid := range sids {
		conns[i] = stallPost(t, e.base, sid)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	select {
	case <-allIn:
	case <-time.After(wait):
		t.Fatalf("only %d of %d POSTs reached the server", posts.Load(), n)
	}
	if since := time.Since(start); since > timeout*3/4 {
		t.Fatalf("opening the POSTs took %v, too close to the %v timeout to measure them all stalled", since, timeout)
	}
	held, heldRSS := heapAndStacks(), vmRSS()
	t.Logf("%d stalled POSTs: heap+stacks +%.1f MiB, RSS +%.1f MiB (test client included)", n,
		float64(int64(held)-int64(base))/(1<<20), float64(int64(heldRSS)-int64(baseRSS))/(1<<20))
	if held > base+64<<20 {
		t.Errorf("stalled POSTs hold %.1f MiB of heap and stacks, want under 64 MiB", float64(held-base)/(1<<20))
	}

	// Every POST is cut: 408, then the connection ends.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(time.Now().Add(timeout + wait))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestTimeout || !resp.Close {
				errs <- fmt.Errorf("status %d, close %v; want 408 and Connection: close", resp.StatusCode, resp.Close)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, sid := range sids {
		e.session(t, sid).waitClosed(t, session.ReasonTransportError)
	}
}
