package interop

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gosio/socketio/client"
)

// TestChatMetrics: the chat example's /metrics serves the socketioprom
// collector: with one Go client connected over WebSocket and one chat
// line sent, the scrape shows that socket, its session and the server's
// broadcast of the line.
func TestChatMetrics(t *testing.T) {
	root := brRequire(t)
	url, stop := brStartChat(t, root)
	defer stop()

	s, err := client.New(url, &client.Options{Transports: []string{client.WebSocket}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Manager().Close()
	got := make(chan struct{}, 4)
	s.On("message", func(client.Args) { got <- struct{}{} })
	s.Connect()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	<-got // the announcement that we joined
	if err := s.Send("hello metrics"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got: // the chat line, broadcast back to us
	case <-ctx.Done():
		t.Fatal("the chat line did not come back")
	}

	resp, err := http.Get(url + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	series := map[string]string{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.LastIndexByte(line, ' '); i > 0 && strings.HasPrefix(line, "socketio_") {
			series[line[:i]] = line[i+1:]
		}
	}
	for name, want := range map[string]string{
		`socketio_sockets_connected{namespace="/"}`:        "1",
		`socketio_connections_open{transport="websocket"}`: "1",
		`socketio_connections_total`:                       "1",
		`socketio_socket_connections_total`:                "1",
	} {
		if got := series[name]; got != want {
			t.Errorf("%s = %q, want %s", name, got, want)
		}
	}
	if series["socketio_broadcasts_total"] == "" || series["socketio_broadcasts_total"] == "0" {
		t.Errorf("socketio_broadcasts_total = %q, want the chat's broadcasts counted", series["socketio_broadcasts_total"])
	}
}
