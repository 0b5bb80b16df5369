package transports

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Tests of the handshake (wsaccept.go) and of the negotiation of
// permessage-deflate (wsext.go), with requests written by hand on a raw
// connection so that any header can be sent.

func TestParseExtensions(t *testing.T) {
	p := func(name string, value ...string) extParam {
		if len(value) == 0 {
			return extParam{name: name}
		}
		return extParam{name: name, value: value[0], hasValue: true}
	}
	tests := []struct {
		name   string
		values []string
		want   []extension // nil with ok false: does not parse
		ok     bool
	}{
		{"none", nil, nil, true},
		{"empty value", []string{""}, nil, true},
		{"bare", []string{"permessage-deflate"}, []extension{{name: "permessage-deflate"}}, true},
		{"browser offer", []string{"permessage-deflate; client_max_window_bits"},
			[]extension{{"permessage-deflate", []extParam{p("client_max_window_bits")}}}, true},
		{"no spaces", []string{"permessage-deflate;client_max_window_bits=10;server_no_context_takeover"},
			[]extension{{"permessage-deflate", []extParam{p("client_max_window_bits", "10"), p("server_no_context_takeover")}}}, true},
		{"spaces and tabs everywhere", []string{" \tpermessage-deflate \t; \tserver_max_window_bits \t= \t15 \t, \tfoo\t "},
			[]extension{{"permessage-deflate", []extParam{p("server_max_window_bits", "15")}}, {name: "foo"}}, true},
		{"quoted value", []string{`permessage-deflate; server_max_window_bits="15"`},
			[]extension{{"permessage-deflate", []extParam{p("server_max_window_bits", "15")}}}, true},
		{"quoted pair", []string{`permessage-deflate; client_max_window_bits="1\5"`},
			[]extension{{"permessage-deflate", []extParam{p("client_max_window_bits", "15")}}}, true},
		{"several offers", []string{"permessage-deflate; server_max_window_bits=10, permessage-deflate"},
			[]extension{{"permessage-deflate", []extParam{p("server_max_window_bits", "10")}}, {name: "permessage-deflate"}}, true},
		{"several headers", []string{"x-webkit-deflate-frame", "permessage-deflate"},
			[]extension{{name: "x-webkit-deflate-frame"}, {name: "permessage-deflate"}}, true},
		{"empty list elements", []string{", ,permessage-deflate,,"}, []extension{{name: "permessage-deflate"}}, true},
		{"quoted value with a space", []string{`permessage-deflate; a="1 5"`}, nil, false},
		{"quoted empty value", []string{`permessage-deflate; a=""`}, nil, false},
		{"unterminated quote", []string{`permessage-deflate; a="15`}, nil, false},
		{"backslash at the end", []string{`permessage-deflate; a="15\`}, nil, false},
		{"control character in quotes", []string{"permessage-deflate; a=\"1\x015\""}, nil, false},
		{"no parameter name", []string{"permessage-deflate; =1"}, nil, false},
		{"empty parameter", []string{"permessage-deflate;;"}, nil, false},
		{"trailing semicolon", []string{"permessage-deflate;"}, nil, false},
		{"no value after =", []string{"permessage-deflate; a="}, nil, false},
		{"no extension name", []string{"; a"}, nil, false},
		{"separator in a name", []string{"permessage/deflate"}, nil, false},
		{"two tokens", []string{"permessage-deflate client_max_window_bits"}, nil, false},
		{"one bad header spoils all", []string{"permessage-deflate", "permessage-deflate; @"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseExtensions(tt.values)
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseExtensions(%q) = %+v, %v; want %+v, %v", tt.values, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// rawUpgrade sends a WebSocket upgrade request with the given extra
// header lines to the server at addr and returns its response; the
// connection is closed when the test ends.
func rawUpgrade(t *testing.T, addr, method string, headers ...string) *http.Response {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, wsTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(wsTimeout))
	req := method + " /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: " + addr + "\r\n" + strings.Join(headers, "\r\n") + "\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// upgradeHeaders are the headers of a valid upgrade with the RFC 6455
// sample key, followed by extra.
func upgradeHeaders(extra ...string) []string {
	return append([]string{"Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="}, extra...)
}

// upgradeServer serves Upgrade with cfg; each upgraded connection is
// closed at once.
func upgradeServer(t *testing.T, cfg WebSocketConfig) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ws, err := Upgrade(w, r, cfg); err == nil {
			ws.Close(CloseNormal, "")
		}
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// TestDeflateNegotiation: which offers are accepted, always answered the
// same way; with Deflate nil, none.
func TestDeflateNegotiation(t *testing.T) {
	on := upgradeServer(t, WebSocketConfig{Deflate: &DeflateConfig{Threshold: 1024, Level: 1}})
	off := upgradeServer(t, WebSocketConfig{})
	tests := []struct {
		name   string
		offers []string
		accept bool
	}{
		{"no offer", nil, false},
		{"bare", []string{"permessage-deflate"}, true},
		{"Chromium's and ws's offer", []string{"permessage-deflate; client_max_window_bits"}, true},
		{"gorilla's offer", []string{"permessage-deflate; server_no_context_takeover; client_no_context_takeover"}, true},
		{"client window 8", []string{"permessage-deflate; client_max_window_bits=8"}, true},
		{"server window 15", []string{"permessage-deflate; server_max_window_bits=15"}, true},
		{"server window 15, quoted", []string{`permessage-deflate; server_max_window_bits="15"`}, true},
		{"every parameter", []string{"permessage-deflate; client_no_context_takeover; server_no_context_takeover; server_max_window_bits=15; client_max_window_bits=9"}, true},
		{"server window 10: we cannot", []string{"permessage-deflate; server_max_window_bits=10"}, false},
		{"server window 10, then a plain offer", []string{"permessage-deflate; server_max_window_bits=10, permessage-deflate; client_max_window_bits"}, true},
		{"server window without a value", []string{"permessage-deflate; server_max_window_bits"}, false},
		{"server window 16", []string{"permessage-deflate; server_max_window_bits=16"}, false},
		{"client window 7", []string{"permessage-deflate; client_max_window_bits=7"}, false},
		{"client window 08", []string{"permessage-deflate; client_max_window_bits=08"}, false},
		{"client window x", []string{"permessage-deflate; client_max_window_bits=x"}, false},
		{"no context takeover with a value", []string{"permessage-deflate; server_no_context_takeover=true"}, false},
		{"parameter twice", []string{"permessage-deflate; client_no_context_takeover; client_no_context_takeover"}, false},
		{"unknown parameter", []string{"permessage-deflate; mux"}, false},
		{"another extension", []string{"x-webkit-deflate-frame"}, false},
		{"another extension first", []string{"x-webkit-deflate-frame; no_context_takeover, permessage-deflate"}, true},
		{"offers on two header lines", []string{"foo", "permessage-deflate"}, true},
		{"names are case-sensitive", []string{"Permessage-Deflate"}, false},
		{"header does not parse", []string{"permessage-deflate; =15"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []string
			for _, o := range tt.offers {
				lines = append(lines, "Sec-WebSocket-Extensions: "+o)
			}
			res := rawUpgrade(t, on, "GET", upgradeHeaders(lines...)...)
			if res.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("status %d, want 101", res.StatusCode)
			}
			if got := res.Header.Get("Sec-WebSocket-Accept"); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" { // RFC 6455 §1.3
				t.Errorf("Sec-WebSocket-Accept %q", got)
			}
			want := ""
			if tt.accept {
				want = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
			}
			if got := strings.Join(res.Header.Values("Sec-WebSocket-Extensions"), ", "); got != want {
				t.Errorf("Sec-WebSocket-Extensions %q, want %q", got, want)
			}
			res = rawUpgrade(t, off, "GET", upgradeHeaders(lines...)...)
			if res.StatusCode != http.StatusSwitchingProtocols || len(res.Header.Values("Sec-WebSocket-Extensions")) != 0 {
				t.Errorf("without Deflate: status %d, extensions %q; want 101 and none", res.StatusCode, res.Header.Values("Sec-WebSocket-Extensions"))
			}
		})
	}
}

// TestUpgradeRefusals: requests that are not valid upgrades get the
// answers gorilla's Upgrader gave.
func TestUpgradeRefusals(t *testing.T) {
	addr := upgradeServer(t, WebSocketConfig{Deflate: &DeflateConfig{}})
	h := upgradeHeaders()
	without := func(name string) []string {
		var out []string
		for _, l := range h {
			if !strings.HasPrefix(l, name+":") {
				out = append(out, l)
			}
		}
		return out
	}
	tests := []struct {
		name    string
		method  string
		headers []string
		status  int
	}{
		{"no Connection", "GET", without("Connection"), http.StatusBadRequest},
		{"Connection without upgrade", "GET", append(without("Connection"), "Connection: keep-alive"), http.StatusBadRequest},
		{"no Upgrade", "GET", without("Upgrade"), http.StatusBadRequest},
		{"Upgrade h2c", "GET", append(without("Upgrade"), "Upgrade: h2c"), http.StatusBadRequest},
		{"POST", "POST", append(h, "Content-Length: 0"), http.StatusMethodNotAllowed},
		{"no version", "GET", without("Sec-WebSocket-Version"), http.StatusBadRequest},
		{"version 8", "GET", append(without("Sec-WebSocket-Version"), "Sec-WebSocket-Version: 8"), http.StatusBadRequest},
		{"no key", "GET", without("Sec-WebSocket-Key"), http.StatusBadRequest},
		{"key of 15 bytes", "GET", append(without("Sec-WebSocket-Key"), "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA"), http.StatusBadRequest},
		{"key not base64", "GET", append(without("Sec-WebSocket-Key"), "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ!!"), http.StatusBadRequest},
		{"lists and case", "GET", append(without("Connection"), "Connection: keep-alive, UPGRADE"), http.StatusSwitchingProtocols},
		{"version among others", "GET", append(without("Sec-WebSocket-Version"), "Sec-WebSocket-Version: 8, 13"), http.StatusSwitchingProtocols},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := rawUpgrade(t, addr, tt.method, tt.headers...)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			if tt.status != http.StatusSwitchingProtocols && res.Header.Get("Sec-Websocket-Version") != "13" {
				t.Errorf("refusal without Sec-WebSocket-Version: 13 (%v)", res.Header)
			}
		})
	}
}

// TestUpgradeEarlyData: a client that sends a frame before the response
// is refused (its bytes would be lost), as gorilla refused it.
func TestUpgradeEarlyData(t *testing.T) {
	errs := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := Upgrade(w, r, WebSocketConfig{})
		if err == nil {
			ws.Close(CloseNormal, "")
		}
		errs <- err
	}))
	defer srv.Close()
	c, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), wsTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Join(upgradeHeaders(), "\r\n") + "\r\n\r\n"
	if _, err := io.WriteString(c, req+string(cframe(finBit|opText, []byte("4early")))); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		if err == nil {
			t.Fatal("Upgrade accepted a client that sent a frame before the response")
		}
	case <-time.After(wsTimeout):
		t.Fatal("Upgrade did not return")
	}
	_ = c.SetReadDeadline(time.Now().Add(wsTimeout))
	if b, err := io.ReadAll(c); err != nil || len(b) != 0 {
		t.Errorf("client read %q, %v; want the connection closed without a response", b, err)
	}
}

// TestNegotiateDeflateLongHeader: every offer of a long list is looked
// at, in order, and leading whitespace is no offer.
func TestNegotiateDeflateLongHeader(t *testing.T) {
	offers := strings.Repeat("permessage-deflate; server_max_window_bits=9, ", 1000) + "permessage-deflate"
	if !negotiateDeflate([]string{offers}) {
		t.Error("the acceptable last of 1001 offers was not taken")
	}
	if negotiateDeflate([]string{offers + "; x"}) {
		t.Error("1001 unacceptable offers accepted")
	}
	for i := range 3 {
		v := fmt.Sprintf("%s%s", strings.Repeat(" ", i), "permessage-deflate")
		if !negotiateDeflate([]string{v}) {
			t.Errorf("%q declined", v)
		}
	}
}
