package socketio_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
	"github.com/gosio/socketio/session"
)

// A client whose connection drops comes back within two minutes with its
// socket id, its rooms and the events it missed.
func ExampleConnectionStateRecovery() {
	srv := socketio.NewServer(&socketio.Options{
		ConnectionStateRecovery: &socketio.ConnectionStateRecovery{}, // 2 minutes
	})
	gone := make(chan struct{})
	var cut sync.Once
	srv.OnConnection(func(s *socketio.Socket) {
		// Handlers belong to this Socket value: register them every time.
		s.On("ready", func() {
			// The network fails once (here the server drops the connection).
			cut.Do(func() {
				s.OnDisconnect(func(string) { close(gone) })
				s.Session().CloseWithReason(session.ReasonTransportError, nil)
			})
		})
		if !s.Recovered() {
			s.Join("news") // a recovered socket is back in its rooms already
		}
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	c, err := client.New(ts.URL, &client.Options{ReconnectionDelay: 200 * time.Millisecond, ReconnectionDelayMax: 200 * time.Millisecond}, nil)
	if err != nil {
		panic(err)
	}
	defer c.Manager().Close()
	done := make(chan struct{})
	c.On("news", func(msg string) { fmt.Println("news:", msg); close(done) })
	c.OnConnect(func() {
		fmt.Println("connected, recovered:", c.Recovered())
		_ = c.Emit("ready")
	})
	c.Connect()

	<-gone // the client is away: this reaches it when it is back
	_ = srv.To("news").Emit("news", "sent while you were away")
	<-done
	// Output:
	// connected, recovered: false
	// connected, recovered: true
	// news: sent while you were away
}
