//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/socketio/bench/internal/hist"
	"github.com/gosio/socketio/bench/internal/mono"
	"github.com/gosio/socketio/bench/internal/mpack"
	"github.com/gosio/socketio/bench/internal/proc"
	"github.com/gosio/socketio/bench/internal/proto"
)

// connected is the outcome of opening a set of connections.
type connected struct {
	conns      []*conn
	lat        *hist.H // dial start to connected (CONNECT reply for Socket.IO)
	errs       int64
	elapsed    time.Duration
	cpuSelf    float64 // CPU use while connecting, percent of one core
	cpuSrv     float64
	cpuMachine float64
}

// connectAll opens n connections, cfg.concurrency at a time; after runs
// for each connection as soon as it is connected (typically starting its
// reader).
func connectAll(cfg *config, ep *endpoint, d *dialers, n int, after func(*conn)) *connected {
	conns := make([]*conn, n)
	hs := hist.NewSharded()
	var next, errs, done atomic.Int64
	var firstErr sync.Once
	ctx := context.Background()
	cpu := proc.StartCPU(cfg.serverPID)
	start := time.Now()
	stopProgress := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				log.Printf("connecting: %d/%d connected, %d errors", done.Load(), n, errs.Load())
			case <-stopProgress:
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range min(max(cfg.concurrency, 1), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t0 := time.Now()
				c, err := ep.open(ctx, d, i)
				if err != nil {
					errs.Add(1)
					firstErr.Do(func() { log.Printf("connect error (first of its kind shown): %v", err) })
					continue
				}
				hs.Record(i, int64(time.Since(t0)))
				conns[i] = c
				done.Add(1)
				if after != nil {
					after(c)
				}
			}
		}()
	}
	wg.Wait()
	close(stopProgress)
	res := &connected{lat: hs.Merge(), errs: errs.Load(), elapsed: time.Since(start)}
	res.cpuMachine = cpu.Machine()
	res.cpuSelf, res.cpuSrv = cpu.Stop()
	for _, c := range conns {
		if c != nil {
			res.conns = append(res.conns, c)
		}
	}
	return res
}

func closeAll(conns []*conn) {
	for _, c := range conns {
		_ = c.ws.Close()
	}
}

// waitTimeout waits for wg, at most d.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(d):
	}
}

func setup(cfg *config) (*endpoint, *dialers, error) {
	ep, err := newEndpoint(cfg.url, cfg.mode, cfg.parser == "msgpack", cfg.deflate)
	if err != nil {
		return nil, nil, err
	}
	// An emit carrying the payload goes out in one frame.
	d, err := newDialers(cfg.srcIPs, cfg.srcFirst, cfg.deflate, cfg.payload+256)
	if err != nil {
		return nil, nil, err
	}
	return ep, d, nil
}

// idleReader answers pings and discards everything else until the
// connection ends.
func idleReader(c *conn, alive *atomic.Int64) {
	alive.Add(1)
	defer alive.Add(-1)
	for {
		b, err := c.read()
		if err != nil {
			return
		}
		if isPing(b) {
			if c.write(pongPacket) != nil {
				return
			}
		}
	}
}

func payloadString(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[i%36]
	}
	return string(b)
}

// payloads returns the ack and echo payloads, op k using payloads[k %
// len]: one a–z0–9 string, or with -pad text 64 different texts (seeds 1
// … 64), made before the run so that the load generator does not spend
// its CPU on them.
func payloads(cfg *config) []string {
	if cfg.pad != proto.PadText {
		return []string{payloadString(cfg.payload)}
	}
	ps := make([]string, 64)
	for i := range ps {
		ps[i] = proto.TextPad(cfg.payload, int64(i+1))
	}
	return ps
}

// ---- ack round trip --------------------------------------------------------

func runAck(cfg *config) (*proto.Result, error) {
	ep, d, err := setup(cfg)
	if err != nil {
		return nil, err
	}
	phase("connect %d", cfg.clients)
	cr := connectAll(cfg, ep, d, cfg.clients, nil)
	if len(cr.conns) == 0 {
		return nil, fmt.Errorf("no connection (%d errors)", cr.errs)
	}
	pls := payloads(cfg)
	var measuring, stop atomic.Bool
	var errs atomic.Int64
	hs := make([]*hist.H, len(cr.conns))
	// With -rate, each client emits every interval, the clients' first
	// emits spread evenly over one interval: an open loop at a set load,
	// so that two servers measured at once are driven alike.
	var interval time.Duration
	if cfg.rate > 0 {
		interval = time.Duration(float64(len(cr.conns)) / cfg.rate * float64(time.Second))
	}
	var wg sync.WaitGroup
	start := time.Now()
	for i, c := range cr.conns {
		hs[i] = &hist.H{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var p *pace
			if interval > 0 {
				p = &pace{next: start.Add(interval * time.Duration(i) / time.Duration(len(cr.conns))), every: interval}
			}
			ackLoop(c, ep, pls, p, &measuring, &stop, hs[i], &errs)
		}()
	}
	wires := connWires(cr.conns)
	phase("warmup")
	time.Sleep(cfg.warmup)
	phase("measure")
	cpu := proc.StartCPU(cfg.serverPID)
	rx0, tx0 := wireTotals(wires)
	t0 := time.Now()
	measuring.Store(true)
	time.Sleep(cfg.duration)
	measuring.Store(false)
	secs := time.Since(t0).Seconds()
	rx1, tx1 := wireTotals(wires)
	mcpu := cpu.Machine()
	lcpu, scpu := cpu.Stop()
	stop.Store(true)
	// Let each loop finish its round trip, then cut the stragglers.
	waitTimeout(&wg, 3*time.Second)
	closeAll(cr.conns)
	waitTimeout(&wg, 3*time.Second)

	h := &hist.H{}
	for _, x := range hs {
		h.Merge(x)
	}
	return &proto.Result{
		Connected:  len(cr.conns),
		Errors:     cr.errs + errs.Load(),
		Seconds:    secs,
		Ops:        int64(h.Count),
		Rate:       float64(h.Count) / secs,
		Lat:        h.Summary(),
		Extra:      wireExtra(nil, rx1-rx0, tx1-tx0, int64(h.Count)),
		LoadgenCPU: lcpu,
		ServerCPU:  scpu,
		MachineCPU: mcpu,
	}, nil
}

// pace spaces a client's emits: one every every, from next. A client
// that falls behind (an ack slower than every) emits at once and does not
// catch up on the emits it missed.
type pace struct {
	next  time.Time
	every time.Duration
}

func (p *pace) wait() {
	if d := time.Until(p.next); d > 0 {
		time.Sleep(d)
		p.next = p.next.Add(p.every)
		return
	}
	p.next = time.Now().Add(p.every)
}

// ackLoop emits, waits for the ack, and again, until stop; with p, at
// p's pace.
func ackLoop(c *conn, ep *endpoint, pls []string, p *pace, measuring, stop *atomic.Bool, h *hist.H, errs *atomic.Int64) {
	raw := ep.raw
	msg := make([]byte, 0, 64+len(pls[0]))
	var id uint64
	fail := func() {
		if !stop.Load() {
			errs.Add(1)
		}
	}
	for !stop.Load() {
		if p != nil {
			p.wait()
		}
		id++
		payload := pls[id%uint64(len(pls))]
		switch {
		case raw:
			msg = strconv.AppendUint(msg[:0], id, 10)
			msg = append(msg, ':')
			msg = append(msg, payload...)
		case ep.msgpack:
			msg = mpack.AppendPing(msg[:0], id, payload)
		case ep.eio:
			msg = append(msg[:0], '4')
			msg = strconv.AppendUint(msg, id, 10)
			msg = append(msg, ':')
			msg = append(msg, payload...)
		default:
			msg = append(msg[:0], "42"...)
			msg = strconv.AppendUint(msg, id, 10)
			msg = append(msg, `["ping","`...)
			msg = append(msg, payload...)
			msg = append(msg, `"]`...)
		}
		t0 := time.Now()
		if err := c.writePacket(ep.msgpack, msg); err != nil {
			fail()
			return
		}
		for {
			b, err := c.read()
			if err != nil {
				fail()
				return
			}
			if raw {
				if v, ok := leadingUint(b, 0, ':'); ok && v == id {
					break
				}
				continue
			}
			if !c.bin && isPing(b) {
				if err := c.write(pongPacket); err != nil {
					fail()
					return
				}
				continue
			}
			if ep.eio {
				// The echo: 4<id>:…
				if len(b) > 1 && b[0] == '4' {
					if v, ok := leadingUint(b, 1, ':'); ok && v == id {
						break
					}
				}
				continue
			}
			if ep.msgpack {
				// The ack: {type:3, nsp:"/", id:<id>, data:[…]}
				if c.bin {
					if p, err := mpack.DecodePacket(b); err == nil && p.Type == mpack.Ack && p.HasID && p.ID == id {
						break
					}
				}
				continue
			}
			// The ack: 43<id>[...]
			if len(b) > 2 && b[0] == '4' && b[1] == '3' {
				if v, ok := leadingUint(b, 2, '['); ok && v == id {
					break
				}
			}
		}
		if measuring.Load() {
			h.Record(int64(time.Since(t0)))
		}
	}
}

// leadingUint parses the digits of b from i, which must be followed by end.
func leadingUint(b []byte, i int, end byte) (uint64, bool) {
	start := i
	var v uint64
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		v = v*10 + uint64(b[i]-'0')
		i++
	}
	return v, i > start && i < len(b) && b[i] == end
}

// ---- broadcast fan-out -------------------------------------------------------

const slotCount = 1 << 12 // completion counters, by sequence number

type paddedCounter struct {
	n atomic.Int64
	_ [56]byte
}

func runBroadcast(cfg *config) (*proto.Result, error) {
	if cfg.window < 1 || cfg.window > slotCount/4 {
		return nil, fmt.Errorf("-window must be in 1 … %d", slotCount/4)
	}
	ep, d, err := setup(cfg)
	if err != nil {
		return nil, err
	}
	maxRate := cfg.rate <= 0
	prefix := []byte(proto.SIOBroadcastPrefix)
	if ep.raw {
		prefix = []byte(proto.RawBroadcastPrefix)
	}
	var (
		measuring, stopping atomic.Bool
		expected            atomic.Int64 // readers alive: a broadcast is complete when that many got it
		errs                atomic.Int64
		slots               [slotCount]atomic.Int64
		totals              [64]paddedCounter
		doneCh              = make(chan struct{}, slotCount)
	)
	hs := hist.NewSharded()
	reader := func(c *conn) {
		defer expected.Add(-1)
		for {
			b, err := c.read()
			if err != nil {
				if !stopping.Load() {
					errs.Add(1)
				}
				return
			}
			if !ep.raw && !c.bin && isPing(b) {
				if c.write(pongPacket) != nil {
					return
				}
				continue
			}
			var ts, seq int64
			var ok bool
			if ep.msgpack {
				// {type:2, nsp:"/", data:["bcast", ts, seq, pad]}
				if !c.bin {
					continue
				}
				p, err := mpack.DecodePacket(b)
				if err != nil || p.Type != mpack.Event {
					continue
				}
				ts, seq, ok = mpack.EventInts(p.Data, "bcast")
			} else if bytes.HasPrefix(b, prefix) {
				ts, seq, ok = proto.ParseTwoInts(b[len(prefix):])
			}
			if !ok {
				continue
			}
			lat := mono.Now() - ts
			totals[c.idx%len(totals)].n.Add(1)
			if measuring.Load() {
				hs.Record(c.idx, lat)
			}
			if maxRate {
				s := &slots[seq%slotCount]
				if s.Add(1) == expected.Load() {
					s.Store(0)
					select {
					case doneCh <- struct{}{}:
					default:
					}
				}
			}
		}
	}
	phase("connect %d", cfg.clients)
	cr := connectAll(cfg, ep, d, cfg.clients, func(c *conn) {
		expected.Add(1)
		go reader(c)
	})
	if len(cr.conns) == 0 {
		return nil, fmt.Errorf("no connection (%d errors)", cr.errs)
	}
	// The control connection returns broadcast credits (it is in room
	// "all" too, and discards what it receives).
	ctl, err := ep.open(context.Background(), d, cfg.clients)
	if err != nil {
		closeAll(cr.conns)
		return nil, fmt.Errorf("control connection: %w", err)
	}
	var ctlMu sync.Mutex
	ctlWrite := func(b []byte) error {
		ctlMu.Lock()
		defer ctlMu.Unlock()
		return ctl.write(b)
	}
	ctlWritePacket := func(b []byte) error {
		ctlMu.Lock()
		defer ctlMu.Unlock()
		return ctl.writePacket(ep.msgpack, b)
	}
	go func() {
		for {
			b, err := ctl.read()
			if err != nil {
				return
			}
			if !ep.raw && !ctl.bin && isPing(b) {
				_ = ctlWrite(pongPacket)
			}
		}
	}()
	var stalls int64
	quit := make(chan struct{})
	var fbWG sync.WaitGroup
	if maxRate {
		fbWG.Add(1)
		go func() {
			defer fbWG.Done()
			var msg []byte
			credit := func(k int) {
				switch {
				case ep.raw:
					msg = append(append(msg[:0], proto.RawCredit...), strconv.Itoa(k)...)
				case ep.msgpack:
					msg = mpack.AppendCredit(msg[:0], k)
				default:
					msg = append(append(append(msg[:0], `42["bdone",`...), strconv.Itoa(k)...), ']')
				}
				_ = ctlWritePacket(msg)
			}
			last := time.Now()
			tick := time.NewTicker(250 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-doneCh:
					k := 1
				drain:
					for {
						select {
						case <-doneCh:
							k++
						default:
							break drain
						}
					}
					credit(k)
					last = time.Now()
				case <-tick.C:
					// A broadcast some client never got (it disconnected, say)
					// would hold its credit forever: refill after a stall.
					if time.Since(last) > 2*time.Second {
						credit(cfg.window)
						stalls++
						last = time.Now()
					}
				case <-quit:
					return
				}
			}
		}()
	}

	q := fmt.Sprintf("%s/control/broadcast?rate=%g&size=%d&window=%d&duration=%s",
		cfg.url, max(cfg.rate, 0), cfg.size, cfg.window, (cfg.warmup + cfg.duration + 200*time.Millisecond).String())
	type reply struct {
		r   proto.BroadcastReply
		err error
	}
	replyCh := make(chan reply, 1)
	phase("broadcast")
	go func() {
		var rep reply
		resp, err := http.Post(q, "text/plain", nil)
		if err != nil {
			rep.err = err
		} else {
			if resp.StatusCode != http.StatusOK {
				body, _ := io.ReadAll(resp.Body)
				rep.err = fmt.Errorf("broadcast control: %s: %s", resp.Status, bytes.TrimSpace(body))
			} else {
				rep.err = json.NewDecoder(resp.Body).Decode(&rep.r)
			}
			resp.Body.Close()
		}
		replyCh <- rep
	}()
	wires := connWires(cr.conns) // the control connection is not counted
	time.Sleep(cfg.warmup)
	phase("measure")
	cpu := proc.StartCPU(cfg.serverPID)
	rx0, tx0 := wireTotals(wires)
	t0 := time.Now()
	measuring.Store(true)
	time.Sleep(cfg.duration)
	measuring.Store(false)
	secs := time.Since(t0).Seconds()
	rx1, tx1 := wireTotals(wires)
	mcpu := cpu.Machine()
	lcpu, scpu := cpu.Stop()

	var rep reply
	select {
	case rep = <-replyCh:
	case <-time.After(cfg.warmup + cfg.duration + 60*time.Second):
		rep.err = errors.New("broadcast control: no reply")
	}
	// Let what is in flight arrive before counting totals.
	time.Sleep(500 * time.Millisecond)
	close(quit)
	fbWG.Wait()
	alive := expected.Load()
	stopping.Store(true)
	closeAll(cr.conns)
	_ = ctl.ws.Close()
	if rep.err != nil {
		return nil, rep.err
	}

	h := hs.Merge()
	var total int64
	for i := range totals {
		total += totals[i].n.Load()
	}
	extra := wireExtra(map[string]float64{
		"broadcasts_sent": float64(rep.r.Sent),
		"stalls":          float64(stalls),
		"alive_at_end":    float64(alive),
	}, rx1-rx0, tx1-tx0, int64(h.Count))
	if rep.r.Seconds > 0 {
		extra["broadcasts_per_s"] = float64(rep.r.Sent) / rep.r.Seconds
	}
	if rep.r.Sent > 0 {
		extra["delivery_ratio"] = float64(total) / (float64(rep.r.Sent) * float64(len(cr.conns)))
	}
	return &proto.Result{
		Connected:  len(cr.conns),
		Errors:     cr.errs + errs.Load(),
		Seconds:    secs,
		Ops:        int64(h.Count),
		Rate:       float64(h.Count) / secs,
		Lat:        h.Summary(),
		Extra:      extra,
		LoadgenCPU: lcpu,
		ServerCPU:  scpu,
		MachineCPU: mcpu,
	}, nil
}

// ---- idle connections and connection rate -------------------------------------

func runIdle(cfg *config) (*proto.Result, error) {
	ep, d, err := setup(cfg)
	if err != nil {
		return nil, err
	}
	var alive atomic.Int64
	phase("connect %d", cfg.clients)
	cr := connectAll(cfg, ep, d, cfg.clients, func(c *conn) { go idleReader(c, &alive) })
	fmt.Fprintf(os.Stderr, "READY %d %d\n", len(cr.conns), cr.errs)
	if cfg.hold {
		_, _ = io.Copy(io.Discard, os.Stdin)
	} else {
		time.Sleep(cfg.duration)
	}
	still := alive.Load()
	closeAll(cr.conns)
	return connectResult(cr, map[string]float64{"alive_at_end": float64(still)}), nil
}

func runConnect(cfg *config) (*proto.Result, error) {
	ep, d, err := setup(cfg)
	if err != nil {
		return nil, err
	}
	var alive atomic.Int64
	phase("measure")
	cr := connectAll(cfg, ep, d, cfg.clients, func(c *conn) { go idleReader(c, &alive) })
	closeAll(cr.conns)
	return connectResult(cr, nil), nil
}

func connectResult(cr *connected, extra map[string]float64) *proto.Result {
	secs := cr.elapsed.Seconds()
	return &proto.Result{
		Connected:  len(cr.conns),
		Errors:     cr.errs,
		Seconds:    secs,
		Ops:        int64(len(cr.conns)),
		Rate:       float64(len(cr.conns)) / secs,
		Lat:        cr.lat.Summary(),
		Hist:       cr.lat.Sparse(),
		Extra:      extra,
		LoadgenCPU: cr.cpuSelf,
		ServerCPU:  cr.cpuSrv,
		MachineCPU: cr.cpuMachine,
	}
}
