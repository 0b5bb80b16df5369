// Command redisclients measures the two Redis clients considered for
// adapter/redis, go-redis v9 and rueidis, on what the adapter does most:
// PUBLISH of ~100-byte messages, one at a time, pipelined in batches (what
// the adapter's publisher does) and from concurrent goroutines. It is a
// module of its own so that neither the server nor the adapter depends on
// the client not chosen.
//
//	cd bench/redisclients && go run . -addr 127.0.0.1:6379 -n 200000
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "Redis address")
	n := flag.Int("n", 200000, "messages per case")
	runs := flag.Int("runs", 3, "runs per case (the median is reported)")
	flag.Parse()
	ctx := context.Background()
	msg := make([]byte, 100)
	const channel = "gosio-bench-redisclients"

	gr := goredis.NewClient(&goredis.Options{Addr: *addr})
	defer gr.Close()
	rc, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{*addr}, DisableCache: true})
	if err != nil {
		log.Fatal(err)
	}
	defer rc.Close()

	cases := []struct {
		name string
		run  func(n int)
	}{
		{"go-redis, one at a time", func(n int) {
			for range n {
				gr.Publish(ctx, channel, msg)
			}
		}},
		{"rueidis, one at a time", func(n int) {
			for range n {
				rc.Do(ctx, rc.B().Publish().Channel(channel).Message(rueidis.BinaryString(msg)).Build())
			}
		}},
		{"go-redis, pipelined by 512", func(n int) {
			for i := 0; i < n; i += 512 {
				_, _ = gr.Pipelined(ctx, func(p goredis.Pipeliner) error {
					for j := i; j < min(n, i+512); j++ {
						p.Publish(ctx, channel, msg)
					}
					return nil
				})
			}
		}},
		{"rueidis, pipelined by 512", func(n int) {
			cmds := make(rueidis.Commands, 0, 512)
			for i := 0; i < n; i += 512 {
				cmds = cmds[:0]
				for j := i; j < min(n, i+512); j++ {
					cmds = append(cmds, rc.B().Publish().Channel(channel).Message(rueidis.BinaryString(msg)).Build())
				}
				rc.DoMulti(ctx, cmds...)
			}
		}},
		{"go-redis, 16 goroutines", func(n int) { parallel(16, n, func() { gr.Publish(ctx, channel, msg) }) }},
		{"rueidis, 16 goroutines", func(n int) {
			parallel(16, n, func() {
				rc.Do(ctx, rc.B().Publish().Channel(channel).Message(rueidis.BinaryString(msg)).Build())
			})
		}},
	}
	fmt.Printf("| case | msgs/s (median of %d) | runs |\n|---|---:|---|\n", *runs)
	for _, c := range cases {
		var rates []float64
		for range *runs {
			start := time.Now()
			c.run(*n)
			rates = append(rates, float64(*n)/time.Since(start).Seconds())
		}
		fmt.Printf("| %s | %.0f | %s |\n", c.name, median(rates), fmtRates(rates))
	}
}

func parallel(g, n int, fn func()) {
	var wg sync.WaitGroup
	for i := range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := i; j < n; j += g {
				fn()
			}
		}()
	}
	wg.Wait()
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

func fmtRates(v []float64) string {
	out := ""
	for i, r := range v {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%.0f", r)
	}
	return out
}
