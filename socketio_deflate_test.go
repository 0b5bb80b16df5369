package socketio_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/deflatestat"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/internal/framespy"
	"github.com/gosio/socketio/internal/siotest"
	"github.com/gosio/socketio/session"
)

// permessage-deflate from the Socket.IO layer: a broadcast is compressed
// once for all its recipients (the packets carry a codec.Memo), and
// Compress(false) reaches the wire uncompressed. Compressions are counted
// by internal/deflatestat (every message the transport compresses, process
// wide: these tests do not run in parallel), frames by internal/framespy.

// deflateClient dials with compression offered, watched by spy, and joins
// "/"; v3, when non-nil, makes it a socket.io-client 2.x connection.
func (e *testEnv) deflateClient(spy *framespy.Spy, v3 *eiotest.V3) *siotest.Client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sioWait)
	defer cancel()
	d := &websocket.Dialer{HandshakeTimeout: sioWait, EnableCompression: true, NetDialContext: spy.DialContext}
	c, err := siotest.DialConfig(ctx, eiotest.Config{Base: e.base, Dialer: d, V3: v3}, eiotest.ModeWebSocket)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(c.Stop)
	if v3 != nil {
		expect(e.t, c, "0") // the implicit CONNECT of protocol 4
	} else {
		mustConnect(e.t, c, "/", "")
	}
	return c
}

// compressions runs fn and returns how many messages were compressed
// meanwhile.
func compressions(fn func()) uint64 {
	before := deflatestat.Compressions.Load()
	fn()
	return deflatestat.Compressions.Load() - before
}

func TestDeflateBroadcastOnce(t *testing.T) {
	for _, tt := range []struct {
		name string
		csr  *socketio.ConnectionStateRecovery
	}{{"plain", nil}, {"with recovery", &socketio.ConnectionStateRecovery{}}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, &socketio.Options{
				Engine:                  socketio.EngineOptions{PerMessageDeflate: &session.Deflate{}, AllowEIO3: true},
				ConnectionStateRecovery: tt.csr,
			}, nil)
			var spy framespy.Spy
			var clients []*siotest.Client
			for i := range 8 {
				var v3 *eiotest.V3
				if i == 7 {
					v3 = &eiotest.V3{B64: true} // text frames are the same in v3
				}
				clients = append(clients, e.deflateClient(&spy, v3))
			}
			big := strings.Repeat("a broadcast worth compressing; ", 100)
			want := `2["news","` + big + `"`
			receiveAll := func() {
				t.Helper()
				for _, c := range clients {
					if p := recv(t, c); !strings.HasPrefix(p.Text, want) {
						t.Fatalf("client got %.60q, want %.60q", p.Text, want)
					}
				}
			}
			before := spy.Counts()
			if n := compressions(func() {
				if err := e.srv.Emit("news", big); err != nil {
					t.Fatal(err)
				}
				receiveAll()
			}); n != 1 {
				t.Errorf("a broadcast to %d deflate sessions compressed %d times, want once", len(clients), n)
			}
			after := spy.Counts()
			if got := after.ServerCompressed - before.ServerCompressed; got != int64(len(clients)) {
				t.Errorf("%d compressed frames on the wire, want %d", got, len(clients))
			}

			// Compress(false): nothing compressed, nothing with RSV1.
			if n := compressions(func() {
				if err := e.srv.Of("/").Compress(false).Emit("news", big); err != nil {
					t.Fatal(err)
				}
				receiveAll()
			}); n != 0 {
				t.Errorf("a Compress(false) broadcast compressed %d times", n)
			}
			if c := spy.Counts(); c.ServerCompressed != after.ServerCompressed || c.ServerFrames != after.ServerFrames+int64(len(clients)) {
				t.Errorf("Compress(false): %d more compressed frames, %d more frames; want 0 and %d",
					c.ServerCompressed-after.ServerCompressed, c.ServerFrames-after.ServerFrames, len(clients))
			}
		})
	}
}

// TestDeflateSocketEmit: a socket's own emit is compressed for it alone;
// with Compress(false), not at all; small events never.
func TestDeflateSocketEmit(t *testing.T) {
	socks := make(chan *socketio.Socket, 1)
	e := newEnv(t, &socketio.Options{Engine: socketio.EngineOptions{PerMessageDeflate: &session.Deflate{}}}, func(s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) { socks <- s })
	})
	var spy framespy.Spy
	c := e.deflateClient(&spy, nil)
	sock := <-socks
	big := strings.Repeat("x", 5000)
	for _, tt := range []struct {
		name       string
		emit       func() error
		compressed uint64
	}{
		{"Emit", func() error { return sock.Emit("big", big) }, 1},
		{"Compress(false)", func() error { return sock.Compress(false).Emit("big", big) }, 0},
		{"Compress(false).Compress(true)", func() error { return sock.Compress(false).Compress(true).Emit("big", big) }, 1},
		{"small", func() error { return sock.Emit("small", "x") }, 0},
		{"broadcast to one socket", func() error { return e.srv.To(sock.ID()).Emit("big", big) }, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := spy.Counts()
			if n := compressions(func() {
				if err := tt.emit(); err != nil {
					t.Fatal(err)
				}
				recv(t, c)
			}); n != tt.compressed {
				t.Errorf("%d compressions, want %d", n, tt.compressed)
			}
			if got := spy.Counts().ServerCompressed - before.ServerCompressed; got != int64(tt.compressed) {
				t.Errorf("%d compressed frames, want %d", got, tt.compressed)
			}
		})
	}
}

// TestDeflateBinaryBroadcast: the attachment of a binary event is
// compressed once per framing (v4 binary frames; v3 base64 text).
func TestDeflateBinaryBroadcast(t *testing.T) {
	e := newEnv(t, &socketio.Options{Engine: socketio.EngineOptions{PerMessageDeflate: &session.Deflate{}, AllowEIO3: true}}, nil)
	var spy framespy.Spy
	var clients []*siotest.Client
	for i := range 5 {
		var v3 *eiotest.V3
		if i >= 3 {
			v3 = &eiotest.V3{B64: true}
		}
		clients = append(clients, e.deflateClient(&spy, v3))
	}
	blob := []byte(strings.Repeat("binary but compressible ", 200))
	if n := compressions(func() {
		if err := e.srv.Emit("blob", blob); err != nil {
			t.Fatal(err)
		}
		for _, c := range clients {
			p := recv(t, c)
			if len(p.Attachments) != 1 || string(p.Attachments[0]) != string(blob) {
				t.Fatalf("client got %.60q with %d attachments", p.Text, len(p.Attachments))
			}
		}
	}); n != 2 {
		t.Errorf("a binary broadcast to v4 and v3-base64 clients compressed %d times, want 2", n)
	}
}
