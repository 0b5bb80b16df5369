package socketio_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
)

// The examples with an Output section are run by go test: a client talks
// to the server as a browser's socket.io-client would. It is this
// module's Go client (package client), whose calls mirror the JavaScript
// ones: client.New is io(url), Emit is socket.emit, EmitWithAck is
// socket.emitWithAck, Send is socket.send.

// Mount the server on an http.ServeMux next to the rest of the service;
// the clients' default path is "/socket.io/". From JavaScript the client
// is io("https://example.com", {query: {name: "gopher"}}).
func ExampleNewServer() {
	io := socketio.NewServer(&socketio.Options{ConnectTimeout: 10 * time.Second})
	io.OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("hello", "welcome, "+s.Handshake().Query.Get("name"))
	})

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	ts := httptest.NewServer(mux)
	defer ts.Close()
	defer io.Shutdown(context.Background())

	s, err := client.New(ts.URL, &client.Options{Query: url.Values{"name": {"gopher"}}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Manager().Close()
	hello := make(chan string, 1)
	s.On("hello", func(msg string) { hello <- msg })
	s.Connect()
	fmt.Println(<-hello)

	// The rest of the service is still there.
	resp, err := http.Get(ts.URL + "/healthz")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	fmt.Println(body.String())
	// Output:
	// welcome, gopher
	// ok
}

// Typed event handlers: parameters are decoded from the event's
// arguments, and a trailing AckFunc answers the client's acknowledgement.
// From JavaScript: await socket.emitWithAck("add", 2, 3) and
// socket.emit("greet", {name: "Ada"}).
func ExampleSocket_On() {
	io := socketio.NewServer(&socketio.Options{ErrorHandler: func(error) {}})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("add", func(a, b int, ack socketio.AckFunc) {
			if ack != nil {
				_ = ack(a + b)
			}
		})
		s.On("greet", func(p struct {
			Name string `json:"name"`
		}) {
			_ = s.Emit("greeting", "hello "+p.Name)
		})
	})
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Shutdown(context.Background())

	s, err := client.New(ts.URL, nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Manager().Close()
	greetings := make(chan string, 1)
	s.On("greeting", func(text string) { greetings <- text })
	s.Connect()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	sum, err := s.EmitWithAck(ctx, "add", 2, 3)
	if err != nil {
		log.Fatal(err)
	}
	var n int
	_ = sum.Decode(0, &n)
	fmt.Println("2 + 3 =", n)

	_ = s.Emit("greet", map[string]string{"name": "Ada"})
	fmt.Println(<-greetings)

	// Arguments that do not fit the handler's parameters never reach it:
	// the ack carries the error.
	reply, err := s.EmitWithAck(ctx, "add", "two", 3)
	if err != nil {
		log.Fatal(err)
	}
	var e struct{ Message string }
	_ = reply.Decode(0, &e)
	fmt.Println(e.Message)
	// Output:
	// 2 + 3 = 5
	// hello Ada
	// socketio: event "add": argument 0: json: cannot unmarshal string into Go value of type int
}

// Namespace middleware can refuse a connection: the client's
// connect_error receives the message and the data. From JavaScript:
// io("/admin", {auth: (cb) => cb({token: ask()})}).on("connect_error", ...).
func ExampleNamespace_Use() {
	io := socketio.NewServer(nil)
	admin := io.Of("/admin")
	admin.Use(func(s *socketio.Socket) error {
		var auth struct {
			Token string `json:"token"`
		}
		if err := s.Handshake().DecodeAuth(&auth); err != nil || auth.Token != "secret" {
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]string{"reason": "bad token"}}
		}
		s.SetData(auth.Token)
		return nil
	})
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Shutdown(context.Background())

	m, err := client.NewManager(ts.URL, nil) // one connection, several namespaces
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	report := func(s *client.Socket) {
		var refused *client.ConnectError
		switch err := s.WaitConnected(ctx); {
		case errors.As(err, &refused):
			fmt.Println(s.Namespace(), "refused:", refused.Message, refused.Data)
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Println(s.Namespace(), "connected")
		}
	}

	tokens := []string{"guess", "secret"} // what the user types, say
	s := m.Socket("/admin", &client.SocketOptions{AuthFunc: func() map[string]any {
		token := tokens[0]
		tokens = tokens[1:]
		return map[string]any{"token": token}
	}})
	s.Connect()
	report(s)
	s.Connect() // a refused socket stays refused until asked again
	report(s)

	nowhere := m.Socket("/nowhere", nil)
	nowhere.Connect()
	report(nowhere)
	// Output:
	// /admin refused: not authorized map[reason:bad token]
	// /admin connected
	// /nowhere refused: Invalid namespace <nil>
}

// Errors are values: ArgumentError and PanicError reach the ErrorHandler
// (or the socket's OnError listeners).
func ExampleOptions_errorHandler() {
	errs := make(chan error, 1)
	io := socketio.NewServer(&socketio.Options{ErrorHandler: func(err error) { errs <- err }})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("count", func(n int) {})
	})
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Shutdown(context.Background())

	s, err := client.New(ts.URL, nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Manager().Close()
	s.Connect()
	_ = s.Emit("count", map[string]string{"not": "a number"})

	var ae *socketio.ArgumentError
	if err := <-errs; errors.As(err, &ae) {
		fmt.Printf("event %q, argument %d does not fit\n", ae.Event, ae.Index)
	}
	// Output:
	// event "count", argument 0 does not fit
}

// Emit sends an event; a trailing func receives the client's
// acknowledgement, and EmitWithAck waits for it.
func ExampleSocket_Emit() {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		// Fire and forget; []byte values travel as binary attachments.
		_ = s.Emit("welcome", "hello", []byte{1, 2, 3})

		// With an ack callback, typed like a handler. With Timeout, its
		// first parameter is an error (ErrAckTimeout when too late).
		_ = s.Timeout(5*time.Second).Emit("question", "ready?", func(err error, answer string) {
			if err != nil {
				log.Printf("no answer: %v", err)
				return
			}
			log.Printf("answer: %s", answer)
		})

		// Or wait for the ack, bounded by a context.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			args, err := s.EmitWithAck(ctx, "ping")
			if err != nil {
				return // ErrAckTimeout or ErrDisconnected
			}
			var pong string
			_ = args.Decode(0, &pong)
		}()
	})
	http.Handle("/socket.io/", io)
}

// Rooms group sockets; broadcasts select sockets by room.
func ExampleServer_To() {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("join", func(room string) {
			s.Join(room)
			// Everyone else in the room.
			_ = s.To(room).Emit("joined", s.ID())
		})
		s.On("say", func(room, text string) {
			// Everyone in the room, the sender included.
			_ = io.To(room).Emit("said", s.ID(), text)
		})
		s.On("leave", func(room string) { s.Leave(room) })
	})

	// From anywhere: everyone in "lobby" or "hall" (once each), except
	// the sockets in "muted".
	_ = io.To("lobby", "hall").Except("muted").Emit("announcement", "closing in 5 minutes")

	// Collect one ack per socket in "lobby", for at most 2 seconds.
	answers, err := io.To("lobby").Timeout(2*time.Second).EmitWithAck(context.Background(), "poll", "pizza?")
	if errors.Is(err, socketio.ErrAckTimeout) {
		log.Printf("only %d answers", len(answers))
	}

	// Operate on the sockets of a room.
	io.In("lobby").SocketsJoin("everyone")
	io.In("muted").DisconnectSockets(false)
}

// A full round trip through rooms, checked: two clients, one room.
func ExampleSocket_Join() {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("join", func(room string, ack socketio.AckFunc) {
			s.Join(room)
			_ = ack()
		})
		s.On("shout", func(room, text string) { _ = s.To(room).Emit("shout", text) })
	})
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Shutdown(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	heard := make(chan string, 2)
	var clients []*client.Socket
	for _, name := range []string{"a", "b"} {
		c, err := client.New(ts.URL, nil, nil)
		if err != nil {
			log.Fatal(err)
		}
		defer c.Manager().Close()
		c.On("shout", func(text string) { heard <- name + " heard: " + text })
		c.Connect()
		// socket.emitWithAck("join", "kitchen"): in the room once answered.
		if _, err := c.EmitWithAck(ctx, "join", "kitchen"); err != nil {
			log.Fatal(err)
		}
		clients = append(clients, c)
	}
	_ = clients[0].Emit("shout", "kitchen", "dinner is ready")
	fmt.Println(<-heard) // s.To(room) leaves the sender out
	// Output:
	// b heard: dinner is ready
}

// Packet middleware on a socket sees every incoming event before its
// handler and can drop it.
func ExampleSocket_Use() {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		s.Use(func(event string, args socketio.Args) error {
			if strings.HasPrefix(event, "admin:") && s.Data() != "admin" {
				return fmt.Errorf("%s: forbidden", event)
			}
			return nil
		})
		s.OnError(func(err error) { log.Printf("socket %s: %v", s.ID(), err) })
		s.OnAny(func(event string, args socketio.Args) { log.Printf("%s with %d args", event, args.Len()) })
	})
}

// The seed API (go-socket.io 0.6): the original chat, on "message"
// events of "/". New code writes the same with OnConnection, Socket.On and
// Socket.Broadcast (see the package documentation's "Seed API"). The
// clients send with socket.send(text), in JavaScript as here.
func ExampleServer_OnMessage() {
	io := socketio.NewServer(nil)
	io.OnMessage(func(c *socketio.Conn, msg socketio.Message) {
		// Everyone else gets the message.
		_ = io.BroadcastExcept(c, "someone says: "+msg.Data())
	})
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Shutdown(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got := make(chan string, 1)
	var clients []*client.Socket
	for range 2 {
		c, err := client.New(ts.URL, nil, nil)
		if err != nil {
			log.Fatal(err)
		}
		defer c.Manager().Close()
		c.On("message", func(text string) { got <- text })
		c.Connect()
		if err := c.WaitConnected(ctx); err != nil {
			log.Fatal(err)
		}
		clients = append(clients, c)
	}
	_ = clients[0].Send("hello")
	fmt.Println(<-got)
	// Output:
	// someone says: hello
}

// Dynamic namespaces: one declaration serves every matching name.
func ExampleServer_OfRegexp() {
	io := socketio.NewServer(nil)
	workspaces := io.OfRegexp(regexp.MustCompile(`^/workspace-\d+$`))
	workspaces.OnConnection(func(s *socketio.Socket) {
		// s.Namespace().Name() is the name the client asked for.
		_ = s.Emit("hello", s.Namespace().Name())
	})
	// A broadcast on the declaration reaches every workspace.
	_ = workspaces.Emit("maintenance", "in 10 minutes")
}

// Per-socket work hangs off Socket.Context: it is cancelled when the
// socket disconnects, and context.Cause says why.
func ExampleSocket_Context() {
	io := socketio.NewServer(nil)
	stopped := make(chan string)
	io.OnConnection(func(s *socketio.Socket) {
		go func() { // e.g. a subscription feeding the socket
			<-s.Context().Done()
			stopped <- context.Cause(s.Context()).Error()
		}()
	})
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Shutdown(context.Background())

	s, err := client.New(ts.URL, nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Manager().Close()
	s.Connect()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitConnected(ctx); err != nil {
		log.Fatal(err)
	}
	s.Disconnect() // socket.disconnect() in JavaScript
	fmt.Println(<-stopped)
	// Output:
	// socketio: socket disconnected: client namespace disconnect
}

// The typed helpers let the compiler check a handler's signature; the
// first argument is decoded into the handler's parameter type. The client
// here is this module's Go client; from JavaScript it is
// socket.emitWithAck("order", {item: "tea", qty: 2}).
func ExampleOnAck() {
	type order struct {
		Item string `json:"item"`
		Qty  int    `json:"qty"`
	}
	io := socketio.NewServer(&socketio.Options{ErrorHandler: func(error) {}})
	io.OnConnection(func(s *socketio.Socket) {
		socketio.OnAck(s, "order", func(ctx context.Context, o order) (string, error) {
			if o.Qty <= 0 {
				return "", errors.New("quantity must be positive")
			}
			return fmt.Sprintf("%d × %s", o.Qty, o.Item), nil
		})
	})
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Shutdown(context.Background())

	s, err := client.New(ts.URL, nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Manager().Close()
	s.Connect()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitConnected(ctx); err != nil {
		log.Fatal(err)
	}
	for _, o := range []order{{"tea", 2}, {"tea", 0}} {
		reply, err := s.EmitWithAck(ctx, "order", o)
		if err != nil {
			log.Fatal(err)
		}
		var v any
		_ = reply.Decode(0, &v)
		fmt.Println(v)
	}
	// Output:
	// 2 × tea
	// map[message:quantity must be positive]
}
