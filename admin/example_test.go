package admin_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/admin"
	"github.com/gosio/socketio/client"
	"github.com/gosio/socketio/codec"
)

// Attach the admin namespace to a server, then log in as the admin UI
// does (here with the Go client): the UI is told what it may do, and
// lists the server's sockets.
func ExampleAttach() {
	io := socketio.NewServer(nil)
	adm, err := admin.Attach(io, admin.Options{
		Auth: &admin.BasicAuth{Username: "admin", Password: "a long random password"},
	})
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(io)
	defer func() {
		adm.Close()
		_ = io.Shutdown(context.Background())
		ts.Close()
	}()

	ui, err := client.New(ts.URL+"/admin", nil, &client.SocketOptions{
		Auth: map[string]any{"username": "admin", "password": "a long random password"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer ui.Manager().Close()
	done := make(chan struct{})
	ui.On("config", func(cfg struct{ SupportedFeatures []string }) {
		fmt.Println("features:", cfg.SupportedFeatures)
	})
	ui.On("all_sockets", func(args codec.Args) {
		var sockets []map[string]any
		_ = args.Decode(0, &sockets)
		fmt.Println("sockets:", len(sockets))
		close(done)
	})
	ui.Connect()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		log.Fatal("no socket list")
	}
	// Output:
	// features: [EMIT JOIN LEAVE DISCONNECT MJOIN MLEAVE MDISCONNECT AGGREGATED_EVENTS ALL_EVENTS]
	// sockets: 0
}
