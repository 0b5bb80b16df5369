package socketio_test

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	socketio "github.com/gosio/socketio"
)

const tkPolicyRequest = "<policy-file-request/>\x00"

// tkPolicyDoc is the parsed cross-domain policy.
type tkPolicyDoc struct {
	XMLName xml.Name `xml:"cross-domain-policy"`
	Allow   []struct {
		Domain  string `xml:"domain,attr"`
		ToPorts string `xml:"to-ports,attr"`
	} `xml:"allow-access-from"`
}

func tkParsePolicy(t *testing.T, b []byte) []string {
	t.Helper()
	s := string(b)
	if !strings.HasPrefix(s, `<?xml version="1.0"?>`) || !strings.Contains(s, `<!DOCTYPE cross-domain-policy`) {
		t.Errorf("policy does not start with the XML declaration and DOCTYPE:\n%s", s)
	}
	var doc tkPolicyDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("policy is not valid XML: %v\n%s", err, s)
	}
	domains := []string{}
	for _, a := range doc.Allow {
		if a.ToPorts != "*" {
			t.Errorf("domain %q: to-ports %q, want *", a.Domain, a.ToPorts)
		}
		domains = append(domains, a.Domain)
	}
	return domains
}

// tkPolicy is the policy of the listener tests.
var tkPolicy = socketio.OriginPolicy{AllowedOrigins: []string{"https://app.example.com", "https://*.example.com", "http://localhost:8080"}}

func TestFlashPolicy(t *testing.T) {
	tests := []struct {
		name    string
		policy  socketio.OriginPolicy
		domains []string
	}{
		{"zero", socketio.OriginPolicy{}, []string{}},
		{"hosts", tkPolicy, []string{"app.example.com", "*.example.com", "localhost"}},
		{"star", socketio.OriginPolicy{AllowedOrigins: []string{"*"}}, []string{"*"}},
		{"func-ignored", socketio.OriginPolicy{AllowOriginFunc: func(string, *http.Request) bool { return true }}, []string{}},
		{"malformed-skipped", socketio.OriginPolicy{AllowedOrigins: []string{"not an origin", "https://ok.test"}}, []string{"ok.test"}},
		{"escaped", socketio.OriginPolicy{AllowedOrigins: []string{`https://a"b<c.test`}}, []string{`a"b<c.test`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tkParsePolicy(t, socketio.FlashPolicy(tt.policy))
			if !reflect.DeepEqual(got, tt.domains) {
				t.Errorf("domains %q, want %q", got, tt.domains)
			}
		})
	}
}

func TestFlashPolicyHandler(t *testing.T) {
	m := http.NewServeMux()
	m.Handle("GET /crossdomain.xml", socketio.FlashPolicyHandler(tkPolicy))
	srv := tkServe(t, m)
	r := tkDo(t, http.MethodGet, srv.URL+"/crossdomain.xml", nil, "")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /crossdomain.xml: %s", r)
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/x-cross-domain-policy" {
		t.Errorf("Content-Type %q, want text/x-cross-domain-policy", ct)
	}
	if string(r.Body) != string(socketio.FlashPolicy(tkPolicy)) {
		t.Errorf("body %q, want FlashPolicy's %q", r.Body, socketio.FlashPolicy(tkPolicy))
	}
	if got, want := tkParsePolicy(t, r.Body), []string{"app.example.com", "*.example.com", "localhost"}; !reflect.DeepEqual(got, want) {
		t.Errorf("domains %q, want %q", got, want)
	}
}

// tkRawExchange dials addr, writes each chunk in turn (one write each)
// and returns everything read until the server closes the connection.
func tkRawExchange(t *testing.T, addr string, chunks ...string) (string, error) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, tkTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(tkTimeout)); err != nil {
		t.Fatal(err)
	}
	for _, c := range chunks {
		if _, err := conn.Write([]byte(c)); err != nil {
			t.Fatal(err)
		}
	}
	b, err := io.ReadAll(conn)
	return string(b), err
}

// TestFlashPolicyListener serves the policy inline on the port of an HTTP
// server that also serves Socket.IO.
func TestFlashPolicyListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := tkNewEcho(t, nil)
	m := http.NewServeMux()
	m.Handle("/socket.io/", socketio.Chain(e.IO, socketio.CORS(tkPolicy), socketio.CheckOrigin(tkPolicy)))
	m.HandleFunc("GET /hello", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hi") })
	srv := &http.Server{Handler: m, ReadHeaderTimeout: tkTimeout}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(socketio.FlashPolicyListener(ln, tkPolicy)) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	addr := ln.Addr().String()
	wantPolicy := string(socketio.FlashPolicy(tkPolicy)) + "\x00"

	t.Run("policy", func(t *testing.T) {
		got, err := tkRawExchange(t, addr, tkPolicyRequest)
		if err != nil {
			t.Fatalf("reading the policy: %v (got %q)", err, got)
		}
		if got != wantPolicy {
			t.Fatalf("got %q, want the policy and a NUL %q", got, wantPolicy)
		}
		if d := tkParsePolicy(t, []byte(strings.TrimSuffix(got, "\x00"))); !reflect.DeepEqual(d, []string{"app.example.com", "*.example.com", "localhost"}) {
			t.Errorf("domains %q", d)
		}
	})
	t.Run("policy-in-pieces", func(t *testing.T) {
		got, err := tkRawExchange(t, addr, "<policy-", "file-request/>", "\x00")
		if err != nil || got != wantPolicy {
			t.Fatalf("got %q (%v), want the policy", got, err)
		}
	})
	t.Run("http", func(t *testing.T) {
		r := tkDo(t, http.MethodGet, "http://"+addr+"/hello", nil, "")
		if r.Status != http.StatusOK || string(r.Body) != "hi" {
			t.Fatalf("GET /hello: %s", r)
		}
	})
	t.Run("http-keepalive", func(t *testing.T) {
		// Two requests on one connection: what follows the sniffed
		// bytes is read straight from the connection.
		got, err := tkRawExchange(t, addr,
			"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n",
			"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(got, "HTTP/1.1 200 OK"); n != 2 {
			t.Fatalf("got %d responses, want 2:\n%s", n, got)
		}
	})
	t.Run("not-a-policy-request", func(t *testing.T) {
		// Starts with '<' but is something else: handed to the HTTP
		// server, which refuses it as HTTP.
		got, _ := tkRawExchange(t, addr, "<policy-file-request/>X\r\n\r\n")
		if !strings.HasPrefix(got, "HTTP/1.1 400") {
			t.Fatalf("got %q, want the HTTP server's 400", got)
		}
	})
	for _, mode := range tkModes {
		t.Run("socketio-"+string(mode), func(t *testing.T) {
			tkSession(t, "http://"+addr+"/socket.io/", mode)
		})
	}
}

// TestFlashPolicyListenerKeepsServerTimeouts: a connection that sends
// "<" and then nothing is closed by the HTTP server's ReadHeaderTimeout,
// not held open by the sniffing.
func TestFlashPolicyListenerKeepsServerTimeouts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: 300 * time.Millisecond}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(socketio.FlashPolicyListener(ln, tkPolicy)) }()
	defer func() {
		_ = srv.Close()
		<-served
	}()
	conn, err := net.DialTimeout("tcp", ln.Addr().String(), tkTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("<")); err != nil {
		t.Fatal(err)
	}
	// The server must give up on its own; this deadline only keeps a
	// broken server from hanging the test.
	_ = conn.SetReadDeadline(time.Now().Add(tkTimeout))
	start := time.Now()
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the connection was still open after %v: the sniffing dropped ReadHeaderTimeout", tkTimeout)
	}
	t.Logf("closed by the server after %v", time.Since(start).Round(time.Millisecond))
}

func TestServeFlashPolicy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- socketio.ServeFlashPolicy(ctx, ln, tkPolicy) }()

	want := string(socketio.FlashPolicy(tkPolicy)) + "\x00"
	for i := 0; i < 3; i++ { // several clients, one after the other
		got, err := tkRawExchange(t, addr, tkPolicyRequest)
		if err != nil || got != want {
			t.Fatalf("client %d: got %q (%v), want the policy", i, got, err)
		}
	}
	// (Closed with unread bytes, the connection may end with a reset.)
	if got, err := tkRawExchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); got != "" {
		t.Errorf("a non-policy request got %q (%v), want the connection closed without an answer", got, err)
	}

	// A client that connected and sent nothing yet does not delay the
	// stop.
	idle, err := net.DialTimeout("tcp", addr, tkTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if _, err := idle.Write([]byte("<policy")); err != nil {
		t.Fatal(err)
	}
	// Wait until the server holds the idle connection: a policy request
	// on another connection is served after it was accepted.
	if got, err := tkRawExchange(t, addr, tkPolicyRequest); err != nil || got != want {
		t.Fatalf("got %q (%v)", got, err)
	}

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeFlashPolicy returned %v after cancel, want nil", err)
		}
	case <-time.After(tkTimeout):
		t.Fatal("ServeFlashPolicy did not return after cancel")
	}
	// Returning must not wait for the idle client's read timeout.
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("ServeFlashPolicy took %v to stop, held by an idle client", d)
	}
	_ = idle.SetReadDeadline(time.Now().Add(tkTimeout))
	if b, err := bufio.NewReader(idle).ReadByte(); err == nil {
		t.Errorf("idle client got %q after the stop, want its connection closed", b)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("the listener still accepts after the stop")
	}
}
