package socketioprom_test

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/client"
	socketioprom "github.com/gosio/socketio/metrics/prometheus"
)

// Serve a server's metrics at /metrics beside Socket.IO, then read them
// once a client has connected.
func ExampleNewCollector() {
	io := socketio.NewServer(nil)
	reg := prometheus.NewRegistry()
	reg.MustRegister(socketioprom.NewCollector(io, socketioprom.Options{}))

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ts := httptest.NewServer(mux)
	defer ts.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Shutdown(ctx)
	}()

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

	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "socketio_sockets_connected") ||
			strings.HasPrefix(line, "socketio_socket_connections_total") {
			fmt.Println(line)
		}
	}
	// Output:
	// socketio_socket_connections_total 1
	// socketio_sockets_connected{namespace="/"} 1
}
