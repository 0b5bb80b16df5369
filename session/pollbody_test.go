package session_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
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

// memInuse returns the memory live objects and goroutine stacks take,
// after a collection.
func memInuse() (heap, stacks uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse, m.StackInuse
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
	baseHeap, baseStacks := memInuse()
	baseRSS := vmRSS()
	start := time.Now()
	conns := make([]net.Conn, n)
	sent := make([]time.Time, n)
	for i, sid := range sids {
		sent[i] = time.Now()
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
	opened := time.Since(start)
	if opened > timeout*3/4 {
		t.Fatalf("opening the POSTs took %v, too close to the %v timeout to measure them all stalled", opened, timeout)
	}
	heap, stacks := memInuse()
	heldRSS := vmRSS()
	mib := func(after, before uint64) float64 { return float64(int64(after)-int64(before)) / (1 << 20) }
	t.Logf("%d stalled POSTs (opened in %v): HeapInuse %+.1f MiB, StackInuse %+.1f MiB, RSS %+.1f MiB (test client included)",
		n, opened.Round(time.Millisecond), mib(heap, baseHeap), mib(stacks, baseStacks), mib(heldRSS, baseRSS))
	if grown := mib(heap+stacks, baseHeap+baseStacks); grown > 64 {
		t.Errorf("stalled POSTs hold %.1f MiB of heap and stacks, want under 64 MiB", grown)
	}

	// Every POST is cut, not before the timeout: 408 with Connection:
	// close, then the server closes the connection.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(time.Now().Add(timeout + wait))
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				errs <- err
				return
			}
			took := time.Since(sent[i])
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				errs <- fmt.Errorf("408 body: %v", err)
				return
			}
			if resp.StatusCode != http.StatusRequestTimeout || !resp.Close {
				errs <- fmt.Errorf("status %d, close %v; want 408 and Connection: close", resp.StatusCode, resp.Close)
				return
			}
			if took < timeout {
				errs <- fmt.Errorf("cut after %v, before the %v timeout", took, timeout)
				return
			}
			if _, err := br.ReadByte(); err != io.EOF {
				errs <- fmt.Errorf("after the 408: %v, want the connection closed (EOF)", err)
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
