package redis

import (
	"errors"
	"net"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// A Redis that accepts connections and never answers: publishing still
// never waits. The queue takes messages up to its bound, then refuses
// them with ErrPublishQueueFull at once; Close gives up after its flush
// timeout and reports what it dropped.
func TestPublisherNeverWaitsForRedis(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var conns []net.Conn
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c) // held open, never answered
		}
	}()
	rdb := goredis.NewClient(&goredis.Options{Addr: l.Addr().String(), MaxRetries: -1,
		ReadTimeout: time.Hour, WriteTimeout: time.Hour, ContextTimeoutEnabled: true})
	defer rdb.Close()
	reports := make(chan error, 16)
	p := newPublisher(rdb, false, 4, func(err error) { reports <- err })
	// The sender takes what is queued when it wakes (one message, or up
	// to four on a busy machine: it may wake late) and then hangs on
	// Redis; four more fill the queue; the rest are refused without
	// waiting.
	var full int
	for range 20 {
		if err := p.publish("ch", []byte("m")); errors.Is(err, ErrPublishQueueFull) {
			full++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if full < 20-4-4 {
		t.Fatalf("%d of 20 refused, want at least 12 (4 queued, at most 4 being sent)", full)
	}
	p.close() // bounded by closeFlushTimeout
	l.Close()
	<-accepted
	for _, c := range conns {
		c.Close()
	}
	select {
	case err := <-reports:
		t.Logf("reported: %v", err)
	default:
		t.Fatal("nothing reported for the dropped messages")
	}
}
