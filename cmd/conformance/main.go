// Command conformance serves the configuration that the official protocol
// test-suites expect: a raw Engine.IO echo server at /engine.io/ (every
// message, text or binary, is sent back as is) and the Socket.IO server of
// the socket.io-protocol test-suite at /socket.io/.
//
//	go run ./cmd/conformance -addr 127.0.0.1:3000
//
// Defaults are the suites' values (pingInterval 300ms, pingTimeout 200ms,
// maxPayload 1000000, connectTimeout 1000ms, CORS allowing any origin);
// the flags override them,
// for example for load tests.
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

	"github.com/rs/cors"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/session"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	pingInterval := flag.Duration("ping-interval", 300*time.Millisecond, "Engine.IO ping interval")
	pingTimeout := flag.Duration("ping-timeout", 200*time.Millisecond, "Engine.IO ping timeout")
	maxPayload := flag.Int64("max-payload", 1_000_000, "largest message accepted, in bytes")
	connectTimeout := flag.Duration("connect-timeout", time.Second, "Socket.IO connect timeout")
	flag.Parse()

	anyOrigin := &cors.Options{
		AllowOriginFunc:  func(string) bool { return true },
		AllowCredentials: true,
	}
	eio := session.NewServer(&session.Options{
		PingInterval: *pingInterval,
		PingTimeout:  *pingTimeout,
		MaxPayload:   *maxPayload,
		CORS:         anyOrigin,
	})
	eio.OnConnection(echo)

	io := socketio.NewServer(&socketio.Options{
		Options: session.Options{
			PingInterval: *pingInterval,
			PingTimeout:  *pingTimeout,
			MaxPayload:   *maxPayload,
			CORS:         anyOrigin,
		},
		ConnectTimeout: *connectTimeout,
	})
	io.OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("auth", s.Handshake().Auth)
		s.On("message", func(args codec.Args) {
			_ = s.Emit("message-back", passThrough(args)...)
		})
		s.On("message-with-ack", func(args codec.Args, ack socketio.AckFunc) {
			if ack != nil {
				_ = ack(passThrough(args)...)
			}
		})
	})
	io.Of("/custom").OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("auth", s.Handshake().Auth)
	})

	mux := http.NewServeMux()
	mux.Handle("/engine.io/", eio)
	mux.Handle("/socket.io/", io)
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
	log.Printf("conformance server on http://%s (engine.io at /engine.io/)", *addr)
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
func passThrough(args codec.Args) []any {
	out := make([]any, args.Len())
	for i := range out {
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
