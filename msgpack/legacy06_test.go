package msgpack_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/legacytest"
	"github.com/gosio/socketio/legacy"
	"github.com/gosio/socketio/msgpack"
)

// TestLegacy06: Socket.IO 0.6 clients (Options.Legacy06) speak their own
// protocol whatever the server's parser: the server bridges their messages
// through its parser, here msgpack, as "message" events.
func TestLegacy06(t *testing.T) {
	got := make(chan any, 4)
	io := socketio.NewServer(&socketio.Options{Parser: msgpack.Parser{}, Legacy06: &legacy.Options{}})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("message", func(v any) {
			got <- v
			_ = s.Emit("message", v)
		})
	})
	ts := httptest.NewServer(io)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := io.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		ts.Close()
	}()
	for _, tr := range []string{legacy.WebSocket, legacy.XHRPolling} {
		t.Run(tr, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			c, err := legacytest.Dial(ctx, ts.URL+"/socket.io/", tr, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Stop()
			if err := c.Send("hello", `~j~{"a":[1,"x"]}`); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{`"hello"`, `{"a":[1,"x"]}`} {
				select {
				case v := <-got:
					if b, _ := json.Marshal(v); string(b) != want {
						t.Fatalf("message %s, want %s", b, want)
					}
				case <-time.After(wait):
					t.Fatalf("no message %s", want)
				}
			}
			for _, want := range []string{"hello", `~j~{"a":[1,"x"]}`} {
				m, err := c.Next(wait)
				if err != nil || m != want {
					t.Fatalf("received %q %v, want %q", m, err, want)
				}
			}
		})
	}
}
