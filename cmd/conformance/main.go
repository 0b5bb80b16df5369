// Command conformance serves the configuration that the official protocol
// test-suites expect: a raw Engine.IO echo server at /engine.io/ (every
// message, text or binary, is sent back as is) and the Socket.IO server of
// the socket.io-protocol test-suite at /socket.io/.
//
// It is a module of its own (so that the server module does not depend on
// the msgpack parser's); from the repository root:
//
//	cd cmd/conformance && go run . -addr 127.0.0.1:3000
//
// Defaults are the suites' values (pingInterval 300ms, pingTimeout 200ms,
// maxPayload 1000000, connectTimeout 1000ms, CORS allowing any origin);
// the flags override them, for example for load tests. -parser msgpack
// serves the Socket.IO server with the parser of socket.io-msgpack-parser
// (the official suite speaks the default parser: use it with clients that
// have parser: require("socket.io-msgpack-parser")).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/msgpack"
	"github.com/gosio/socketio/session"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	pingInterval := flag.Duration("ping-interval", 300*time.Millisecond, "Engine.IO ping interval")
	pingTimeout := flag.Duration("ping-timeout", 200*time.Millisecond, "Engine.IO ping timeout")
	maxPayload := flag.Int64("max-payload", 1_000_000, "largest message accepted, in bytes")
	connectTimeout := flag.Duration("connect-timeout", time.Second, "Socket.IO connect timeout")
	parserName := flag.String("parser", "json", "Socket.IO parser: json (the default client parser) or msgpack (socket.io-msgpack-parser)")
	flag.Parse()

	var parser codec.Parser
	switch *parserName {
	case "json":
		parser = codec.JSONParser{}
	case "msgpack":
		parser = msgpack.Parser{}
	default:
		log.Fatalf("-parser %q: want json or msgpack", *parserName)
	}

	// The suites run in Node and in browsers of any origin, with cookies.
	cors := socketio.CORS(socketio.OriginPolicy{AllowedOrigins: []string{"*"}, AllowCredentials: true})
	eio := session.NewServer(&session.Options{
		PingInterval: *pingInterval,
		PingTimeout:  *pingTimeout,
		MaxPayload:   *maxPayload,
	})
	eio.OnConnection(echo)

	io := socketio.NewServer(&socketio.Options{
		Engine: socketio.EngineOptions{
			PingInterval: *pingInterval,
			PingTimeout:  *pingTimeout,
			MaxPayload:   *maxPayload,
		},
		ConnectTimeout: *connectTimeout,
		Parser:         parser,
	})
	io.OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("auth", s.Handshake().Auth)
		s.On("message", func(args codec.Args) {
			_ = s.Emit("message-back", passThrough(parser, args)...)
		})
		s.On("message-with-ack", func(args codec.Args, ack socketio.AckFunc) {
			if ack != nil {
				_ = ack(passThrough(parser, args)...)
			}
		})
	})
	io.Of("/custom").OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("auth", s.Handshake().Auth)
	})

	mux := http.NewServeMux()
	mux.Handle("/engine.io/", cors(eio))
	mux.Handle("/socket.io/", cors(io))
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = eio.Shutdown(shutdown)
		_ = io.Shutdown(shutdown)
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("conformance server on http://%s (engine.io at /engine.io/, socket.io parser %s)", *addr, *parserName)
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

// echo sends every message back unchanged, text as text, binary as binary.
func echo(s *session.Session) {
	s.OnMessage(func(data []byte, binary bool) {
		if binary {
			_ = s.SendBinary(data)
		} else {
			_ = s.SendText(string(data))
		}
	})
}

// passThrough returns the arguments as received: JSON values keep their
// exact text (key order included) and binary attachments stay binary.
// With msgpack, the decoded values (binary as []byte).
func passThrough(parser codec.Parser, args codec.Args) []any {
	out := make([]any, args.Len())
	for i := range out {
		if _, ok := parser.(codec.JSONParser); !ok {
			_ = args.Decode(i, &out[i])
			continue
		}
		var raw json.RawMessage
		if err := args.Decode(i, &raw); err == nil && !bytes.Contains(raw, []byte(`"_placeholder"`)) {
			out[i] = raw
			continue
		}
		var v any
		_ = args.Decode(i, &v)
		out[i] = v
	}
	return out
}
