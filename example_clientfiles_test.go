package socketio_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing/fstest"

	socketio "github.com/gosio/socketio"
)

// The browser client served beside the server, under its path, as Node's
// serveClient does. A real program points at the npm package:
// os.DirFS("node_modules/socket.io-client"); the MapFS stands in for it.
func ExampleNewClientHandler() {
	pkg := fstest.MapFS{
		"package.json":          {Data: []byte(`{"name":"socket.io-client","version":"4.8.4"}`)},
		"dist/socket.io.min.js": {Data: []byte("/* the bundle */")},
	}
	client, err := socketio.NewClientHandler(pkg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	io := socketio.NewServer(nil)
	defer io.Shutdown(context.Background())

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", socketio.Chain(io, client.Middleware))
	ts := httptest.NewServer(mux)
	defer ts.Close()

	resp, err := http.Get(ts.URL + "/socket.io/socket.io.min.js")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("ETag"))

	// A page that has it cached asks again with its ETag.
	req, _ := http.NewRequest("GET", ts.URL+"/socket.io/socket.io.min.js", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)

	// Socket.IO clients go on to the server.
	exampleConnect(ts.URL, "/socket.io/")
	// Output:
	// 200 application/javascript; charset=utf-8 "4.8.4"
	// 304
	// connected at /socket.io/
}
