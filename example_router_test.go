package socketio_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"

	socketio "github.com/gosio/socketio"
)

// exampleHandshake opens an Engine.IO session over polling at url (what
// the client does first) and prints the status and the open packet's
// upgrades.
func exampleHandshake(url string) {
	resp, err := http.Get(url + "?EIO=4&transport=polling")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var open struct {
		Upgrades []string `json:"upgrades"`
	}
	// The body is one packet: "0" (open) and its JSON.
	if !strings.HasPrefix(string(body), "0") || json.Unmarshal(body[1:], &open) != nil {
		fmt.Printf("%d %q\n", resp.StatusCode, body)
		return
	}
	fmt.Println(resp.StatusCode, "open, upgrades:", open.Upgrades)
	_ = leavePolling(url, body, nil)
}

// leavePolling closes the polling session whose open packet is body, as a
// leaving client does (a close packet), so that Server.Shutdown has no
// session to wait for: a polling client that just stops coming back is
// waited for until its close packet could have been fetched (up to 3 s).
func leavePolling(base string, body []byte, header http.Header) error {
	var open struct {
		SID string `json:"sid"`
	}
	if len(body) == 0 || body[0] != '0' || json.Unmarshal(body[1:], &open) != nil || open.SID == "" {
		return fmt.Errorf("not an open packet: %q", body)
	}
	req, err := http.NewRequest(http.MethodPost, base+"?EIO=4&transport=polling&sid="+open.SID, strings.NewReader("1"))
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("close packet: %s", resp.Status)
	}
	return nil
}

// Mounting on chi: a sub-router mounted at /rt serves Socket.IO at
// /rt/socket.io/, behind this package's middleware. The server ignores
// the URL path, so the pattern only has to send it everything under the
// prefix; clients set the path option to the full path:
// io({ path: "/rt/socket.io/" }).
func ExampleServer_chi() {
	sio := socketio.NewServer(nil)
	defer sio.Shutdown(context.Background())
	sio.OnConnection(func(s *socketio.Socket) {
		s.On("chat", func(msg string) { _ = s.Broadcast().Emit("chat", s.ID(), msg) })
	})

	policy := socketio.OriginPolicy{AllowedOrigins: []string{"https://app.example.com"}}
	r := chi.NewRouter()
	r.Get("/health", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	sub := chi.NewRouter()
	sub.Use(socketio.CORS(policy), socketio.CheckOrigin(policy), socketio.MaxMessageSize(64<<10))
	sub.Handle("/socket.io/*", sio)
	r.Mount("/rt", sub)
	// Without a sub-router: r.Handle("/rt/socket.io/*", sio).

	srv := httptest.NewServer(r)
	defer srv.Close()
	exampleHandshake(srv.URL + "/rt/socket.io/")
	// Output: 200 open, upgrades: [websocket]
}

// Mounting on gorilla/mux: a path prefix routes polling requests and
// WebSocket upgrades alike; clients use io({ path: "/mx/socket.io/" }).
func ExampleServer_gorillaMux() {
	sio := socketio.NewServer(nil)
	defer sio.Shutdown(context.Background())

	r := mux.NewRouter()
	r.PathPrefix("/mx/socket.io/").Handler(socketio.Chain(sio,
		socketio.CheckOrigin(socketio.OriginPolicy{}), // same origin only
	))

	srv := httptest.NewServer(r)
	defer srv.Close()
	exampleHandshake(srv.URL + "/mx/socket.io/")
	// Output: 200 open, upgrades: [websocket]
}

// Mounting on the standard library's ServeMux with Go 1.22 patterns: GET
// carries polls and WebSocket upgrades, POST carries polling data (add
// "OPTIONS /socket.io/" if CORS preflights must reach the CORS
// middleware). A pattern without a method, "/socket.io/", routes all of
// them.
func ExampleServer_serveMux() {
	sio := socketio.NewServer(nil)
	defer sio.Shutdown(context.Background())

	m := http.NewServeMux()
	m.Handle("GET /socket.io/", sio)
	m.Handle("POST /socket.io/", sio)

	srv := httptest.NewServer(m)
	defer srv.Close()
	exampleHandshake(srv.URL + "/socket.io/")
	// Output: 200 open, upgrades: [websocket]
}

// Serving under a prefix that the handlers below do not know about:
// http.StripPrefix removes it, and clients use io({ path: "/sp/socket.io/" }).
func ExampleServer_stripPrefix() {
	sio := socketio.NewServer(nil)
	defer sio.Shutdown(context.Background())

	inner := http.NewServeMux()
	inner.Handle("/socket.io/", sio)
	root := http.NewServeMux()
	root.Handle("/sp/", http.StripPrefix("/sp", inner))

	srv := httptest.NewServer(root)
	defer srv.Close()
	exampleHandshake(srv.URL + "/sp/socket.io/")
	// Output: 200 open, upgrades: [websocket]
}
