package redis

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// ErrPublishQueueFull is returned by an operation that could not be
// queued for Redis because MaxPendingPublishes messages are already
// waiting (Redis slow or unreachable). Local delivery has happened.
var ErrPublishQueueFull = errors.New("redis adapter: publish queue full")

// publisher sends an adapter's messages to Redis from a goroutine of its
// own, in order, many PUBLISH commands per round trip. Whoever publishes
// (a broadcaster, a handler) never waits for Redis: when Redis is slow or
// down, messages queue up to a bound, past which they are refused with
// ErrPublishQueueFull; a batch that fails is reported to the ErrorHandler.
type publisher struct {
	rdb     goredis.UniversalClient
	sharded bool // SPUBLISH (Redis 7 sharded Pub/Sub) instead of PUBLISH
	max     int
	report  func(error)

	ctx    context.Context // cancelled when close gives up on flushing
	cancel context.CancelFunc

	mu     sync.Mutex
	queue  []pubMsg      // guarded by mu
	closed bool          // guarded by mu
	wake   chan struct{} // capacity 1
	done   chan struct{} // closed when the goroutine has exited
}

type pubMsg struct {
	channel string
	payload []byte
}

// maxBatch bounds the PUBLISH commands of one round trip.
const maxBatch = 512

func newPublisher(rdb goredis.UniversalClient, sharded bool, max int, report func(error)) *publisher {
	p := &publisher{rdb: rdb, sharded: sharded, max: max, report: report, wake: make(chan struct{}, 1), done: make(chan struct{})}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	go p.run()
	return p
}

func (p *publisher) publish(channel string, payload []byte) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errors.New("redis adapter: closed")
	}
	if len(p.queue) >= p.max {
		p.mu.Unlock()
		return ErrPublishQueueFull
	}
	p.queue = append(p.queue, pubMsg{channel, payload})
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return nil
}

func (p *publisher) run() {
	defer close(p.done)
	var batch []pubMsg
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.closed {
			p.mu.Unlock()
			<-p.wake
			p.mu.Lock()
		}
		if p.closed && (len(p.queue) == 0 || p.ctx.Err() != nil) {
			if n := len(p.queue); n > 0 {
				p.report(fmt.Errorf("redis adapter: closed with %d messages not published", n))
			}
			p.queue = nil
			p.mu.Unlock()
			return
		}
		n := min(len(p.queue), maxBatch)
		batch = append(batch[:0], p.queue[:n]...)
		clear(p.queue[:n])
		p.queue = p.queue[n:]
		if len(p.queue) == 0 {
			p.queue = nil // let the array go once drained
		}
		p.mu.Unlock()
		p.send(batch)
		clear(batch)
	}
}

// send publishes a batch in one round trip. A failure loses the batch
// (Redis Pub/Sub keeps nothing for later either): it is reported.
func (p *publisher) send(batch []pubMsg) {
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	publish := func(c goredis.Cmdable, m pubMsg) *goredis.IntCmd {
		if p.sharded {
			return c.SPublish(ctx, m.channel, m.payload)
		}
		return c.Publish(ctx, m.channel, m.payload)
	}
	var err error
	if len(batch) == 1 {
		err = publish(p.rdb, batch[0]).Err()
	} else {
		_, err = p.rdb.Pipelined(ctx, func(pl goredis.Pipeliner) error {
			for _, m := range batch {
				publish(pl, m)
			}
			return nil
		})
	}
	if err != nil {
		p.report(fmt.Errorf("redis adapter: %d messages not published: %w", len(batch), err))
	}
}

// closeFlushTimeout bounds how long close waits for queued messages to be
// sent (Redis may be down).
const closeFlushTimeout = 5 * time.Second

// close stops the goroutine once what is queued has been sent, or after
// closeFlushTimeout, dropping (and reporting) the rest.
func (p *publisher) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	t := time.NewTimer(closeFlushTimeout)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.cancel()
		<-p.done
	}
	p.cancel()
}
