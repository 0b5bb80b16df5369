package socketio_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/internal/eiotest"
)

// TestEmitCompressFlagOverPolling: events go out compressed over polling
// (the default, as in Node), and Compress(false), on a socket or a
// broadcast, sends them as they are.
func TestEmitCompressFlagOverPolling(t *testing.T) {
	var socks <-chan *socketio.Socket
	e := newEnv(t, nil, func(s *socketio.Server) { socks = sockets(s.Sockets()) })
	tr := e.ts.Client().Transport.(*http.Transport).Clone()
	tr.DisableCompression = true // see the wire, not net/http's transparent gunzip
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	ctx, cancel := context.WithTimeout(context.Background(), sioWait)
	defer cancel()
	p, _, _, err := eiotest.HandshakePolling(ctx, hc, e.base)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Send(ctx, eiotest.Packet{Type: eiotest.Message, Data: []byte("0")}); err != nil {
		t.Fatal(err)
	}
	if pkts, err := p.Poll(ctx); err != nil || len(pkts) != 1 || !strings.HasPrefix(string(pkts[0].Data), `0{"sid":`) {
		t.Fatalf("CONNECT reply: %v %v", pkts, err)
	}
	// Closing from the client spares Shutdown the wait for a next poll.
	defer func() { _ = p.Send(ctx, eiotest.Packet{Type: eiotest.Close}) }()
	sock := recvChan(t, socks, "socket")
	big := strings.Repeat("compressible text ", 100)
	want := `42["big","` + big + `"]`

	for _, tc := range []struct {
		name string
		emit func() error
		enc  string
	}{
		{"Emit", func() error { return sock.Emit("big", big) }, "gzip"},
		{"Compress(false).Emit", func() error { return sock.Compress(false).Emit("big", big) }, ""},
		{"Compress(false).Compress(true).Emit", func() error { return sock.Compress(false).Compress(true).Emit("big", big) }, "gzip"},
		{"broadcast", func() error { return e.srv.Sockets().Emit("big", big) }, "gzip"},
		{"broadcast Compress(false)", func() error { return e.srv.To(sock.ID()).Compress(false).Emit("big", big) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.emit(); err != nil {
				t.Fatal(err)
			}
			resp, err := eiotest.Do(ctx, hc, http.MethodGet, p.URL(), nil, http.Header{"Accept-Encoding": {"gzip, deflate"}})
			if err != nil || resp.Status != http.StatusOK {
				t.Fatalf("poll: %v %v", resp, err)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tc.enc {
				t.Errorf("Content-Encoding %q, want %q", got, tc.enc)
			}
			body := resp.Body
			if tc.enc == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if string(body) != want {
				t.Errorf("payload %.60q…, want %.60q…", body, want)
			}
		})
	}
}
