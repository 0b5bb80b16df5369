//go:build linux

// Command loadgen is the benchmarks' load generator: it speaks the
// Engine.IO v4 / Socket.IO v5 wire protocol directly over gorilla/websocket
// (or plain WebSocket messages for the raw server, or Engine.IO long-polling
// over net/http), one goroutine per connection, with reused buffers, so
// that it is not the bottleneck. It prints one JSON proto.Result on stdout;
// progress goes to stderr.
//
//	go run ./bench/loadgen -url http://127.0.0.1:3000 -scenario ack -clients 100
//
// Scenarios:
//
//	ack        each client emits 42<id>["ping","…"] and waits for 43<id>[…],
//	           in a loop: acks/s and round-trip latency
//	broadcast  clients sit in room "all" while the server broadcasts
//	           (POST /control/broadcast): deliveries/s and delivery latency
//	           (receive time minus the server's send stamp); -rate 0 means
//	           as fast as possible, paced by a credit window
//	idle       connect -clients and hold them (until stdin closes with
//	           -hold): prints "READY <n>" on stderr once connected
//	connect    open -clients connections, -concurrency at a time: new
//	           connected sockets per second and time to the CONNECT reply
//	polling    Engine.IO long-polling at /engine.io/: handshake, then
//	           -echoes echo round trips (POST a message, GET it back), close
//
// Connections are spread over source addresses 127.0.0.1 … 127.0.0.N
// (-src-ips) to pass the ~28k ports of one source address.
//
// Wire options (the "Wire options" benchmarks): -parser msgpack speaks
// socket.io-msgpack-parser's format (each Socket.IO packet one binary
// message); -deflate offers permessage-deflate and fails a connection the
// server does not accept it on (the client reads compressed messages and
// sends its own uncompressed: what is measured is the server);
// -accept-encoding gzip asks for compressed long-polling responses; -pad
// text makes the ack and echo payloads JSON-like text (proto.TextPad)
// instead of a repeated a–z0–9. Every scenario reports the bytes on the
// server's sockets over the window per op: rx_bytes_per_op (server to
// client) and tx_bytes_per_op (client to server), in Result.Extra.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/debug"
	"time"

	"github.com/gosio/socketio/bench/internal/proc"
	"github.com/gosio/socketio/bench/internal/proto"
)

type config struct {
	scenario    string
	mode        string
	url         string
	clients     int
	concurrency int
	srcIPs      int
	srcFirst    int
	warmup      time.Duration
	duration    time.Duration
	serverPID   int
	payload     int
	rate        float64
	size        int
	window      int
	echoes      int
	hold        bool
	parser      string
	deflate     bool
	acceptEnc   string
	pad         string
}

func main() {
	var c config
	flag.StringVar(&c.scenario, "scenario", "ack", "ack, broadcast, idle, connect or polling")
	flag.StringVar(&c.mode, "mode", "sio", "sio (Socket.IO over WebSocket), raw (plain WebSocket at /ws), or eio (ack scenario only: Engine.IO over WebSocket at /engine.io/, echoed)")
	flag.StringVar(&c.url, "url", "http://127.0.0.1:3000", "server base URL")
	flag.IntVar(&c.clients, "clients", 100, "connections (polling: concurrent sessions)")
	flag.IntVar(&c.concurrency, "concurrency", 200, "connections being opened at once")
	flag.IntVar(&c.srcIPs, "src-ips", 32, "spread connections over 127.0.0.<src-first> … this many addresses")
	flag.IntVar(&c.srcFirst, "src-first", 1, "first source address 127.0.0.x")
	flag.DurationVar(&c.warmup, "warmup", 2*time.Second, "load before the measurement window")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "measurement window (idle without -hold: how long to hold)")
	flag.IntVar(&c.serverPID, "server-pid", 0, "server process to measure CPU of (/proc/<pid>/stat)")
	flag.IntVar(&c.payload, "payload", 16, "ack and echo argument size, bytes")
	flag.Float64Var(&c.rate, "rate", 0, "broadcast: broadcasts per second (0: as fast as possible); ack: emits per second over all clients (0: each client emits again when acked)")
	flag.IntVar(&c.size, "size", 100, "broadcast: packet size, bytes")
	flag.IntVar(&c.window, "window", 8, "broadcast at max rate: broadcasts in flight")
	flag.IntVar(&c.echoes, "echoes", 10, "polling: echo round trips per session")
	flag.BoolVar(&c.hold, "hold", false, "idle: hold the connections until stdin is closed")
	flag.StringVar(&c.parser, "parser", "json", "Socket.IO parser: json, or msgpack (socket.io-msgpack-parser's format)")
	flag.BoolVar(&c.deflate, "deflate", false, "offer permessage-deflate and require it (reads compressed messages, sends uncompressed)")
	flag.StringVar(&c.acceptEnc, "accept-encoding", "", "polling: send this Accept-Encoding (e.g. gzip) and decode gzip/deflate responses")
	flag.StringVar(&c.pad, "pad", proto.PadX, "ack and echo payload filler: x (a–z0–9 repeated) or text (JSON-like text)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("loadgen: ")

	proc.RaiseFileLimit()
	// Plenty of memory, two cores: trade the one for the other.
	debug.SetGCPercent(400)

	switch c.mode {
	case "sio", "raw":
	case "eio":
		if c.scenario != "ack" || c.parser != "json" || c.deflate {
			log.Fatal("-mode eio is for the ack scenario only, without -parser msgpack or -deflate")
		}
	default:
		log.Fatalf("unknown -mode %q", c.mode)
	}
	if c.parser != "json" && c.parser != "msgpack" {
		log.Fatalf("-parser must be json or msgpack, not %q", c.parser)
	}
	if c.mode == "raw" && (c.parser != "json" || c.deflate) {
		log.Fatal("-parser msgpack and -deflate need -mode sio")
	}
	if !proto.ValidPad(c.pad) {
		log.Fatalf("-pad must be x or text, not %q", c.pad)
	}
	var (
		res *proto.Result
		err error
	)
	switch c.scenario {
	case "ack":
		res, err = runAck(&c)
	case "broadcast":
		res, err = runBroadcast(&c)
	case "idle":
		res, err = runIdle(&c)
	case "connect":
		res, err = runConnect(&c)
	case "polling":
		res, err = runPolling(&c)
	default:
		err = fmt.Errorf("unknown -scenario %q", c.scenario)
	}
	if err != nil {
		log.Fatal(err)
	}
	res.Scenario = c.scenario
	if res.Mode == "" {
		res.Mode = c.mode
	}
	res.Clients = c.clients
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		log.Fatal(err)
	}
}

// phase tells the runner (reading stderr) where the load generator is.
func phase(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "PHASE "+format+"\n", args...)
}
