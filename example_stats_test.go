package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
)

// Read the server's counters: here after a client connected and answered
// an ack (package metrics/prometheus exports the same snapshot).
func ExampleServer_Stats() {
	io := socketio.NewServer(nil)
	acked := make(chan struct{})
	io.OnConnection(func(s *socketio.Socket) {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, _ = s.EmitWithAck(ctx, "ping")
			close(acked)
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
	s.On("ping", func(ack client.AckFunc) { _ = ack("pong") })
	s.Connect()
	<-acked

	st := io.Stats()
	fmt.Println("sockets on /:", st.Sockets["/"])
	fmt.Println("sessions opened:", st.Engine.Opened)
	fmt.Println("acks requested:", st.AcksRequested, "answered:", st.AckLatency.Count)
	// Output:
	// sockets on /: 1
	// sessions opened: 1
	// acks requested: 1 answered: 1
}

// Log the connection lifecycle with log/slog. At Info, the refusals and
// abnormal closes are logged; Debug adds every session and socket.
func ExampleOptions_logger() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelInfo,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "sid" { // varying: left out of this example's output
				return slog.Attr{}
			}
			return a
		},
	}))
	io := socketio.NewServer(&socketio.Options{Logger: logger})
	io.Of("/admin").Use(func(*socketio.Socket) error { return errors.New("not authorized") })
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Shutdown(context.Background())

	s, err := client.New(ts.URL+"/admin", nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Manager().Close()
	refused := make(chan struct{})
	s.OnConnectError(func(error) { close(refused) })
	s.Connect()
	<-refused
	// Output:
	// level=INFO msg="socket.io connect refused" nsp=/admin reason=middleware err="not authorized"
}
