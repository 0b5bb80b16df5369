//go:build linux

package main

import (
	"context"
	"fmt"
	"log"
	"slices"
	"strconv"
	"time"
)

// Paired runs: every server of a variant at once, each with its own load
// generator, the servers sharing the server CPUs and the load generators
// the load generator CPUs. On the shared VM this project is measured on,
// the same binary's ack rate moves by a quarter from one minute to the
// next, and not alike for every server, so two servers measured one after
// the other can differ by more than the gap being measured. Measured
// together, both see the same machine; each one's acks per server
// CPU-second is still its own work per ack.
//
// The start order alternates from run to run (the first server and load
// generator started get a head start of a few milliseconds), so a paired
// variant runs twice as many runs as -runs: each order as often.

// runsOf is how many runs a variant gets on each of its servers.
func (h *harness) runsOf(v *variant) int {
	if v.paired {
		return 2 * h.p.runs
	}
	return h.p.runs
}

// runPairs runs a paired variant's runs into cells; done and total are
// the progress counters of the log lines. It returns how many server runs
// it made.
func (h *harness) runPairs(v *variant, cells map[string]*cell, done, total int) int {
	var kinds []string
	for _, s := range h.servers {
		if cells[s] != nil {
			kinds = append(kinds, s)
		}
	}
	made := 0
	for run := 1; run <= h.runsOf(v); run++ {
		order := slices.Clone(kinds)
		if run%2 == 0 {
			slices.Reverse(order)
		}
		ms, err := h.runPaired(v, order)
		for _, s := range order {
			made++
			c := cells[s]
			switch {
			case err != nil:
				c.errs = append(c.errs, err.Error())
				log.Printf("[%d/%d] [%s] %s %s run %d: FAILED: %v", done+made, total, s, v.group, v.label, run, err)
			case ms[s] == nil:
			default:
				c.runs = append(c.runs, ms[s])
				c.nums = append(c.nums, run)
				log.Printf("[%d/%d] [%s] %s %s run %d: %s", done+made, total, s, v.group, v.label, run, summarize(v, ms[s]))
			}
		}
	}
	return made
}

// runPaired starts fresh servers of kinds (in that order), then one load
// generator for each, all at once, and returns each server's metrics.
// Each load generator connects from its own range of source addresses.
// The windows overlap but for the few milliseconds between the starts and
// the connect phases' difference: both connect well within the warm-up.
func (h *harness) runPaired(v *variant, kinds []string) (map[string]map[string]float64, error) {
	srcIPs := min(h.srcIPs, 254/len(kinds))
	var servers []*server
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for _, kind := range kinds {
		s, err := h.startServer(v, kind, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		servers = append(servers, s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	lgs := make([]*loadgen, len(servers))
	for i, s := range servers {
		mode := "sio"
		if s.kind == "raw" {
			mode = "raw"
		}
		args := h.loadgenArgs(v, s, mode)
		for j := range args {
			if args[j] == "-src-ips" {
				args[j+1] = strconv.Itoa(srcIPs)
			}
		}
		args = append(args, "-src-first", strconv.Itoa(1+i*srcIPs))
		lg, err := h.startLoadgen(ctx, args, nil)
		if err != nil {
			return nil, err
		}
		_ = lg.stdin.Close()
		lgs[i] = lg
	}
	ms := map[string]map[string]float64{}
	var firstErr error
	for i, lg := range lgs {
		r, err := lg.result() // every one, so that none is left running
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("%s's load generator: %w", servers[i].kind, err)
			}
			continue
		}
		ms[servers[i].kind] = resultMetrics(r)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return ms, nil
}
