package socketio

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	goclient "github.com/gosio/socketio/client"
)

// TestServerDisconnectBeforeClientClose: socket.io-client (and the Go
// client) close the connection as soon as they read the DISCONNECT of
// their last socket. The test holds the server between writing that
// packet and finishing the disconnection until the client's close has
// closed the Engine.IO session: the socket's reason is still "server
// namespace disconnect", not "transport close" (it was, about once in
// ten under load, before the socket was marked closed ahead of the
// write).
func TestServerDisconnectBeforeClientClose(t *testing.T) {
	io := NewServer(nil)
	reasons := make(chan string, 1)
	sockets := make(chan *Socket, 1)
	io.OnConnection(func(s *Socket) {
		s.OnDisconnect(func(r string) { reasons <- r })
		sockets <- s
	})
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Shutdown(context.Background())

	held := make(chan struct{})
	testHookDisconnectSent = func(s *Socket) {
		// Added after the client's own close callback, so it runs once
		// that one has returned (or at once if the session closed before).
		closed := make(chan struct{})
		s.client.conn.OnClose(func(string, error) { close(closed) })
		select {
		case <-closed: // the client's close has been handled
		case <-time.After(10 * time.Second):
			t.Error("the client did not close the connection")
		}
		close(held)
	}
	defer func() { testHookDisconnectSent = nil }()

	c, err := goclient.New(ts.URL, &goclient.Options{Transports: []string{goclient.WebSocket}, DisableReconnection: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Manager().Close()
	c.Connect()
	select {
	case s := <-sockets:
		s.Disconnect(false) // from outside the socket's handlers, as an admin command would
	case <-time.After(20 * time.Second):
		t.Fatal("the client did not connect")
	}
	<-held
	select {
	case r := <-reasons:
		if r != ReasonServerNamespaceDisconnect {
			t.Fatalf("server reason %q, want %q", r, ReasonServerNamespaceDisconnect)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no disconnect listener call")
	}
}
