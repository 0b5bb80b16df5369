//go:build linux

// Command server is our side of the benchmarks (docs/benchmarks.md): the
// Socket.IO server with its defaults (polling and websocket, ping
// 25s/20s), doing what the load generator expects of every server.
//
//	/socket.io/                 Socket.IO; every socket joins room "all";
//	                            "ping" with an ack acks back its argument;
//	                            "bdone" (n) returns n broadcast credits
//	/engine.io/                 Engine.IO echo (the polling scenario)
//	POST /control/broadcast     rate=N (per second; 0 = as fast as the
//	                            credits allow), size=100 (bytes per
//	                            packet), duration=10s, window=8 (credits);
//	                            answers when the run ends
//	GET  /control/rss[?gc=1]    VmRSS, live heap and connected sockets
//
// With -pprof, net/http/pprof is served on a separate address:
//
//	go run ./bench/server -addr 127.0.0.1:3000 -pprof 127.0.0.1:6060
//	go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=10
//
// The wire options of the "Wire options" benchmarks (see options.go; the
// Node server takes the same flags): -parser json|msgpack, -deflate,
// -http-compression=on|off, and -pad x|text, the broadcasts' filler
// ('x' bytes, or the JSON-like text of proto.TextPad seeded by the
// sequence number).
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"runtime" // registers on http.DefaultServeMux, served on -pprof only
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/bench/internal/benchsrv"
	"github.com/gosio/socketio/bench/internal/mono"
	"github.com/gosio/socketio/bench/internal/proto"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/session"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address (empty: off)")
	var wf wireFlags
	flag.StringVar(&wf.parser, "parser", "json", "Socket.IO parser: json or msgpack")
	flag.BoolVar(&wf.deflate, "deflate", false, "permessage-deflate on the WebSocket transport (threshold 1024 bytes)")
	flag.StringVar(&wf.httpCompression, "http-compression", "on", "gzip/deflate long-polling responses of 1024 bytes and more: on or off")
	padKind := flag.String("pad", proto.PadX, "broadcast filler: x or text")
	memProfileRate := flag.Int("memprofilerate", 0, "runtime.MemProfileRate (0: the runtime's default); 1 records every allocation in /debug/pprof/heap")
	flag.Parse()
	if *memProfileRate > 0 {
		runtime.MemProfileRate = *memProfileRate
	}
	if !proto.ValidPad(*padKind) {
		log.Fatalf("-pad must be x or text, not %q", *padKind)
	}
	sioOpts, eioOpts, err := wireOptions(wf)
	if err != nil {
		log.Fatal(err)
	}
	benchsrv.RaiseFileLimit()

	credits := benchsrv.NewCredits()

	io := socketio.NewServer(sioOpts)
	io.OnConnection(func(s *socketio.Socket) {
		s.Join("all")
		s.On("ping", func(arg any, ack socketio.AckFunc) {
			if ack != nil {
				_ = ack(arg)
			}
		})
		s.On("bdone", func(n int) { credits.Release(n) })
	})

	eio := session.NewServer(eioOpts)
	eio.OnConnection(func(s *session.Session) {
		s.OnMessage(func(data []byte, binary bool) {
			// The callee owns data: send it back as is.
			_ = s.Send(codec.Packet{Type: codec.PacketMessage, Data: data, Binary: binary})
		})
	})

	bcast := func(size int) {
		ts := mono.Now()
		seq := credits.NextSeq()
		// Sized for the JSON encoding; msgpack sends the same pad.
		pad := proto.PadOf(*padKind, proto.PadLen(size, proto.SIOFraming, ts, seq), seq)
		_ = io.To("all").Emit("bcast", ts, seq, pad)
	}

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.Handle("/engine.io/", eio)
	mux.HandleFunc("/control/broadcast", benchsrv.BroadcastHandler(credits, bcast))
	mux.HandleFunc("/control/rss", benchsrv.RSSHandler(func() int { return io.Engine().Count() }))

	if *pprofAddr != "" {
		go func() { log.Println(http.ListenAndServe(*pprofAddr, http.DefaultServeMux)) }()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("bench server (ours) on http://%s: parser %s, deflate %v, http compression %s, pad %s",
		ln.Addr(), wf.parser, wf.deflate, wf.httpCompression, *padKind)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
	log.Fatal(srv.Serve(ln))
}
