//go:build linux

// Command gonode is one Go node of the fan-out benchmark (bench/cluster):
// bench/server's Socket.IO part, on the Redis adapter when -redis is set
// (the go kind: two nodes), else on the in-memory adapter as the only
// process (the go1 kind). Every socket joins room "all"; POST
// /control/broadcast broadcasts to it (reaching the other nodes' sockets
// through Redis).
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"time"

	goredis "github.com/redis/go-redis/v9"

	socketio "github.com/gosio/socketio"
	redisadapter "github.com/gosio/socketio/adapter/redis"
	"github.com/gosio/socketio/bench/internal/benchsrv"
	"github.com/gosio/socketio/bench/internal/mono"
	"github.com/gosio/socketio/bench/internal/proto"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3100", "listen address")
	redis := flag.String("redis", "", "Redis address of the cluster (empty: a single node on the in-memory adapter)")
	key := flag.String("key", "socket.io", "the adapter's channel prefix")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address (empty: off)")
	flag.Parse()
	benchsrv.RaiseFileLimit()

	opts := &socketio.Options{}
	if *redis != "" {
		rdb := goredis.NewClient(&goredis.Options{Addr: *redis})
		opts.Adapter = redisadapter.NewAdapter(rdb, &redisadapter.Options{Key: *key})
	}
	credits := benchsrv.NewCredits()
	io := socketio.NewServer(opts)
	io.OnConnection(func(s *socketio.Socket) {
		s.Join("all")
		s.On("bdone", func(n int) { credits.Release(n) })
	})
	bcast := func(size int) {
		ts := mono.Now()
		seq := credits.NextSeq()
		pad := proto.Pad(proto.PadLen(size, proto.SIOFraming, ts, seq))
		_ = io.To("all").Emit("bcast", ts, seq, pad)
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.HandleFunc("/control/broadcast", benchsrv.BroadcastHandler(credits, bcast))
	mux.HandleFunc("/control/rss", benchsrv.RSSHandler(func() int { return io.Engine().Count() }))
	if *pprofAddr != "" {
		go func() { log.Println(http.ListenAndServe(*pprofAddr, http.DefaultServeMux)) }()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("go node on http://%s", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
	log.Fatal(srv.Serve(ln))
}
