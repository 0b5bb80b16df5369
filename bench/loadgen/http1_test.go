//go:build linux

package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gosio/socketio/bench/internal/proto"
)

// fakeServer answers each request on a connection with the next of
// responses, and counts the bytes it reads and writes.
type fakeServer struct {
	ln        net.Listener
	responses chan []byte
	read      atomic.Int64
	written   atomic.Int64
	headers   chan string // the Accept-Encoding of each request
}

func newFakeServer(t *testing.T) *fakeServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{ln: ln, responses: make(chan []byte, 16), headers: make(chan string, 16)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *fakeServer) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		length, accept := 0, ""
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			s.read.Add(int64(len(line)))
			line = strings.TrimRight(line, "\r\n")
			if line == "" {
				break
			}
			k, v, _ := strings.Cut(line, ": ")
			switch strings.ToLower(k) {
			case "content-length":
				fmt.Sscan(v, &length)
			case "accept-encoding":
				accept = v
			}
		}
		n, _ := io.CopyN(io.Discard, br, int64(length))
		s.read.Add(n)
		s.headers <- accept
		resp := <-s.responses
		m, _ := c.Write(resp)
		s.written.Add(int64(m))
	}
}

func response(encoding string, chunked bool, body []byte) []byte {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\n")
	if encoding != "" {
		fmt.Fprintf(&b, "Content-Encoding: %s\r\n", encoding)
	}
	if !chunked {
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
		b.Write(body)
		return b.Bytes()
	}
	b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	for len(body) > 0 {
		n := min(len(body), 700)
		fmt.Fprintf(&b, "%x\r\n", n)
		b.Write(body[:n])
		b.WriteString("\r\n")
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

func compress(t *testing.T, encoding string, plain []byte) []byte {
	var b bytes.Buffer
	var w io.WriteCloser
	switch encoding {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "deflate":
		w = zlib.NewWriter(&b)
	case "raw-deflate":
		w, _ = flate.NewWriter(&b, flate.DefaultCompression)
	}
	if _, err := w.Write(plain); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return b.Bytes()
}

func TestHTTPConnDecodesAndCounts(t *testing.T) {
	s := newFakeServer(t)
	wire := &wireCount{}
	h := newHTTPConn(s.ln.Addr().String(), "gzip, deflate", wire)
	defer h.close()
	text := []byte(proto.TextPad(4096, 3))
	cases := []struct {
		name, encoding string
		wire           []byte
		chunked        bool
	}{
		{"identity", "", text, false},
		{"gzip", "gzip", compress(t, "gzip", text), false},
		{"gzip chunked", "gzip", compress(t, "gzip", text), true},
		{"deflate (zlib)", "deflate", compress(t, "deflate", text), true},
		{"deflate (raw)", "deflate", compress(t, "raw-deflate", text), false},
		{"gzip again (reused reader)", "gzip", compress(t, "gzip", text[:2000]), false},
		{"small", "", []byte("ok"), false},
	}
	for i, c := range cases {
		s.responses <- response(c.encoding, c.chunked, c.wire)
		var body []byte
		if i%2 == 0 {
			body = []byte("4hello")
		}
		_, got, err := h.do("/engine.io/?EIO=4", body)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if ae := <-s.headers; ae != "gzip, deflate" {
			t.Errorf("%s: Accept-Encoding %q", c.name, ae)
		}
		want := text
		switch c.name {
		case "gzip again (reused reader)":
			want = text[:2000]
		case "small":
			want = []byte("ok")
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: body of %d bytes, want %d", c.name, len(got), len(want))
		}
	}
	if l, c := h.large.Load(), h.compressed.Load(); l != 6 || c != 5 {
		t.Errorf("large %d, compressed %d; want 6 and 5", l, c)
	}
	if rx, tx := wire.rx.Load(), wire.tx.Load(); rx != s.written.Load() || tx != s.read.Load() {
		t.Errorf("counted rx %d tx %d; the server wrote %d and read %d", rx, tx, s.written.Load(), s.read.Load())
	}
}

func TestHTTPConnNoAcceptEncoding(t *testing.T) {
	s := newFakeServer(t)
	h := newHTTPConn(s.ln.Addr().String(), "", nil)
	defer h.close()
	s.responses <- response("", false, []byte("ok"))
	if _, err := h.request("/", nil); err != nil {
		t.Fatal(err)
	}
	if ae := <-s.headers; ae != "" {
		t.Errorf("Accept-Encoding %q sent without -accept-encoding", ae)
	}
	s.responses <- response("br", false, []byte("xx"))
	if _, err := h.request("/", nil); err == nil {
		t.Error("an unknown Content-Encoding is not an error")
	}
}
