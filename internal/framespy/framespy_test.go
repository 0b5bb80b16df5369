package framespy

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echoServer is a gorilla server with compression on that echoes every
// message compressed and then sends a small one uncompressed.
func echoServer(t *testing.T) *httptest.Server {
	up := websocket.Upgrader{EnableCompression: true}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			c.EnableWriteCompression(true)
			_ = c.WriteMessage(typ, msg)
			c.EnableWriteCompression(false)
			_ = c.WriteMessage(websocket.TextMessage, []byte("small"))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// exchange sends a 70,000-byte message (compressed) and a small one
// (not) and reads the four answers.
func exchange(t *testing.T, d *websocket.Dialer, url string) {
	t.Helper()
	c, res, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	defer c.Close()
	big := bytes.Repeat([]byte("0123456789"), 7000)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for _, m := range [][]byte{big, []byte("hi")} {
		c.EnableWriteCompression(len(m) > 100)
		if err := c.WriteMessage(websocket.TextMessage, m); err != nil {
			t.Fatal(err)
		}
		for _, want := range [][]byte{m, []byte("small")} {
			if _, got, err := c.ReadMessage(); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(want))
			}
		}
	}
}

func check(t *testing.T, c Counts) {
	t.Helper()
	if c.Upgrades != 1 || len(c.Extensions) != 1 || !strings.HasPrefix(c.Extensions[0], "permessage-deflate") {
		t.Errorf("upgrades %d, extensions %q", c.Upgrades, c.Extensions)
	}
	if c.ServerFrames != 4 || c.ServerCompressed != 2 || c.ClientFrames != 2 || c.ClientCompressed != 1 {
		t.Errorf("frames server %d (compressed %d), client %d (compressed %d); want 4 (2), 2 (1)",
			c.ServerFrames, c.ServerCompressed, c.ClientFrames, c.ClientCompressed)
	}
	if c.ServerPayloadBytes > 2000 || c.ClientPayloadBytes > 2000 || c.ServerBytes < c.ServerPayloadBytes {
		t.Errorf("payload bytes server %d, client %d, total server %d: the 70 kB messages were not compressed",
			c.ServerPayloadBytes, c.ClientPayloadBytes, c.ServerBytes)
	}
}

func TestSpy(t *testing.T) {
	srv := echoServer(t)
	var spy Spy
	exchange(t, &websocket.Dialer{EnableCompression: true, NetDialContext: spy.DialContext}, "ws"+strings.TrimPrefix(srv.URL, "http"))
	check(t, spy.Counts())
}

func TestProxy(t *testing.T) {
	srv := echoServer(t)
	p, err := StartProxy(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	exchange(t, &websocket.Dialer{EnableCompression: true}, "ws://"+p.Addr()+"/")
	// Every frame is counted before it is forwarded: the client has read
	// the last one, so the counts are complete.
	check(t, p.Counts())
	// A plain HTTP request passes through.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := hc.Get("http://" + p.Addr() + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if c := p.Counts(); c.Upgrades != 1 {
		t.Errorf("%d upgrades after a plain GET", c.Upgrades)
	}
}
