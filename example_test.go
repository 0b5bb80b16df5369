package socketio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
)

// The examples with an Output section talk to the server over a raw
// WebSocket, the way a Socket.IO client does: every text frame is an
// Engine.IO message ("4" followed by a Socket.IO packet).

// exampleClient opens a WebSocket session to a server at url and returns
// a function sending one frame and a function reading the next one
// (skipping Engine.IO pings, which it answers).
func exampleClient(url string) (conn *websocket.Conn, sendFrame func(string), readFrame func() string) {
	ws := "ws" + strings.TrimPrefix(url, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, _, err := websocket.DefaultDialer.Dial(ws, nil)
	if err != nil {
		log.Fatal(err)
	}
	sendFrame = func(s string) {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
			log.Fatal(err)
		}
	}
	readFrame = func() string {
		for {
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, b, err := conn.ReadMessage()
			if err != nil {
				log.Fatal(err)
			}
			if string(b) == "2" {
				sendFrame("3")
				continue
			}
			return string(b)
		}
	}
	readFrame() // the Engine.IO open packet
	return conn, sendFrame, readFrame
}

// Mount the server on an http.ServeMux next to the rest of the service;
// the clients' default path is "/socket.io/".
func ExampleNewServer() {
	io := socketio.NewServer(&socketio.Options{ConnectTimeout: 10 * time.Second})
	defer io.Shutdown(context.Background())

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	ts := httptest.NewServer(mux)
	defer ts.Close()

	// What a client's first polling request gets: the Engine.IO open
	// packet, with the session id and the heartbeat settings.
	resp, err := http.Get(ts.URL + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := exampleReadBody(resp)
	var open struct {
		SID          string   `json:"sid"`
		Upgrades     []string `json:"upgrades"`
		PingInterval int      `json:"pingInterval"`
	}
	if !strings.HasPrefix(body, "0") || json.Unmarshal([]byte(body[1:]), &open) != nil {
		log.Fatalf("not an open packet: %q", body)
	}
	fmt.Println("upgrades:", open.Upgrades, "pingInterval:", open.PingInterval)

	// The client leaves: a close packet ("1") in a POST.
	resp, err = http.Post(ts.URL+"/socket.io/?EIO=4&transport=polling&sid="+open.SID, "text/plain", strings.NewReader("1"))
	if err != nil {
		log.Fatal(err)
	}
	body, _ = exampleReadBody(resp)
	fmt.Println(body)
	// Output:
	// upgrades: [websocket] pingInterval: 25000
	// ok
}

func exampleReadBody(resp *http.Response) (string, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// Typed event handlers: parameters are decoded from the event's
// arguments, and a trailing AckFunc answers the client's acknowledgement.
func ExampleSocket_On() {
	io := socketio.NewServer(nil)
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

	conn, sendFrame, readFrame := exampleClient(ts.URL)
	defer conn.Close()
	sendFrame(`40`) // CONNECT to "/"
	fmt.Println("connected:", strings.HasPrefix(readFrame(), `40{"sid":`))
	sendFrame(`421["add",2,3]`) // EVENT "add" with ack id 1
	fmt.Println(readFrame())    // ACK 1
	sendFrame(`42["greet",{"name":"Ada"}]`)
	fmt.Println(readFrame())
	sendFrame(`422["add","two",3]`) // does not fit: the ack carries the error
	fmt.Println(readFrame())
	// Output:
	// connected: true
	// 431[5]
	// 42["greeting","hello Ada"]
	// 432[{"message":"socketio: event \"add\": argument 0: json: cannot unmarshal string into Go value of type int"}]
}

// Namespace middleware can refuse a connection: the client's
// connect_error receives the message and the data.
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

	conn, sendFrame, readFrame := exampleClient(ts.URL)
	defer conn.Close()
	sendFrame(`40/admin,{"token":"guess"}`)
	fmt.Println(readFrame())
	sendFrame(`40/admin,{"token":"secret"}`)
	fmt.Println(strings.HasPrefix(readFrame(), `40/admin,{"sid":`))
	sendFrame(`40/nowhere,`)
	fmt.Println(readFrame())
	// Output:
	// 44/admin,{"message":"not authorized","data":{"reason":"bad token"}}
	// true
	// 44/nowhere,{"message":"Invalid namespace"}
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

	conn, sendFrame, readFrame := exampleClient(ts.URL)
	defer conn.Close()
	sendFrame(`40`)
	readFrame()
	sendFrame(`42["count",{"not":"a number"}]`)
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

	a, sendA, readA := exampleClient(ts.URL)
	defer a.Close()
	b, sendB, readB := exampleClient(ts.URL)
	defer b.Close()
	for _, c := range []struct {
		send func(string)
		read func() string
	}{{sendA, readA}, {sendB, readB}} {
		c.send(`40`)
		c.read()
		c.send(`421["join","kitchen"]`)
		c.read() // 431[]
	}
	sendA(`42["shout","kitchen","dinner is ready"]`)
	fmt.Println("b got:", readB())
	// Output:
	// b got: 42["shout","dinner is ready"]
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

// The seed API: the original go-socket.io chat, on "message" events.
func ExampleServer_OnMessage() {
	io := socketio.NewServer(nil)
	io.OnConnect(func(c *socketio.Conn) {
		_ = c.Send("welcome " + c.ID())
	})
	io.OnMessage(func(c *socketio.Conn, msg socketio.Message) {
		// Everyone else gets the message.
		_ = io.BroadcastExcept(c, msg.Data())
	})
	io.OnDisconnect(func(c *socketio.Conn) {
		_ = io.Broadcast(c.ID() + " left")
	})
	http.Handle("/socket.io/", io)
	log.Fatal(http.ListenAndServe("127.0.0.1:8000", nil))
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

	conn, send, read := exampleClient(ts.URL)
	defer conn.Close()
	send(`40`) // the client connects to "/"
	read()
	send(`41`) // and leaves it
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
