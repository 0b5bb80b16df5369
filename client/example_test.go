package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
)

// exampleServer starts a Socket.IO server for the examples (any Socket.IO
// v5 server will do, Node.js included); stop shuts it down.
func exampleServer(setup func(io *socketio.Server)) (url string, stop func()) {
	io := socketio.NewServer(nil)
	setup(io)
	ts := httptest.NewServer(io)
	return ts.URL, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Shutdown(ctx)
		ts.Close()
	}
}

// Connect to a server, handle its events with a typed handler, and emit
// with an acknowledgement.
func ExampleNew() {
	url, stop := exampleServer(func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			_ = s.Emit("news", "welcome", 1)
			s.On("hello", func(name string, ack socketio.AckFunc) { _ = ack("hello, " + name) })
		})
	})
	defer stop()

	s, err := client.New(url, nil, nil) // the namespace is the URL's path: "/"
	if err != nil {
		log.Fatal(err)
	}
	defer s.Manager().Close()
	news := make(chan string, 1)
	s.On("news", func(title string, n int) { news <- fmt.Sprint(title, " ", n) })
	s.Connect()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitConnected(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-news)
	reply, err := s.EmitWithAck(ctx, "hello", "gopher")
	if err != nil {
		log.Fatal(err)
	}
	var text string
	_ = reply.Decode(0, &text)
	fmt.Println(text)
	// Output:
	// welcome 1
	// hello, gopher
}

// One connection, several namespaces, each with its own auth payload; a
// refusal carries the server's message and data.
func ExampleManager_Socket() {
	url, stop := exampleServer(func(io *socketio.Server) {
		admin := io.Of("/admin")
		admin.Use(func(s *socketio.Socket) error {
			if s.Handshake().Auth["token"] != "secret" {
				return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"retry": false}}
			}
			return nil
		})
	})
	defer stop()

	m, err := client.NewManager(url, &client.Options{Transports: []string{client.WebSocket}})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	main := m.Socket("/", nil)
	main.Connect()
	fmt.Println("main:", main.WaitConnected(ctx))

	admin := m.Socket("/admin", &client.SocketOptions{Auth: map[string]any{"token": "guess"}})
	admin.Connect()
	var ce *client.ConnectError
	if err := admin.WaitConnected(ctx); errors.As(err, &ce) {
		fmt.Println("admin:", ce.Message, ce.Data)
	}
	fmt.Println("transport:", m.Transport())
	// Output:
	// main: <nil>
	// admin: not authorized map[retry:false]
	// transport: websocket
}

// Answer the server's acknowledgement requests: a trailing AckFunc
// parameter receives the callback.
func ExampleSocket_On() {
	answered := make(chan string, 1)
	url, stop := exampleServer(func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			_ = s.Emit("add", 2, 3, func(sum int) { answered <- fmt.Sprint("the client says ", sum) })
		})
	})
	defer stop()

	s, err := client.New(url, nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Manager().Close()
	s.On("add", func(a, b int, ack client.AckFunc) {
		if ack != nil {
			_ = ack(a + b)
		}
	})
	s.Connect()
	fmt.Println(<-answered)
	// Output: the client says 5
}

// Emits made before the connection is up wait in the offline buffer; an
// ack callback taking an error first also learns of timeouts.
func ExampleSocket_Timeout() {
	url, stop := exampleServer(func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.On("slow", func(socketio.AckFunc) {}) // never answers
			s.On("echo", func(v string, ack socketio.AckFunc) { _ = ack(v) })
		})
	})
	defer stop()

	s, err := client.New(url, nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Manager().Close()
	done := make(chan struct{}, 2)
	_ = s.Emit("echo", "buffered until connected", func(v string) {
		fmt.Println(v)
		done <- struct{}{}
	})
	s.Connect()
	<-done
	_ = s.Timeout(50*time.Millisecond).Emit("slow", func(err error) {
		fmt.Println(err)
		done <- struct{}{}
	})
	<-done
	// Output:
	// buffered until connected
	// socketio: operation has timed out
}

// Reconnection events: the server cuts the connection, the Manager
// reconnects after a backoff delay and connects its sockets again.
func ExampleManager_OnReconnect() {
	conns := make(chan *socketio.Socket, 2)
	url, stop := exampleServer(func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) { conns <- s })
	})
	defer stop()

	m, err := client.NewManager(url, &client.Options{
		Transports:        []string{client.WebSocket},
		ReconnectionDelay: 10 * time.Millisecond, // the JS client's 1s by default
	})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	events := make(chan string, 8)
	m.OnClose(func(reason string, _ error) { events <- "close: " + reason })
	m.OnReconnectAttempt(func(n int) { events <- fmt.Sprint("attempt ", n) })
	m.OnReconnect(func(n int) { events <- fmt.Sprint("reconnected after ", n) })
	s := m.Socket("/", nil)
	s.OnConnect(func() { events <- "connect" })
	s.Connect()
	fmt.Println(<-events)

	_ = (<-conns).Session().Close() // the server closes the connection
	for range 4 {
		fmt.Println(<-events)
	}
	// Output:
	// connect
	// close: transport close
	// attempt 1
	// reconnected after 1
	// connect
}
