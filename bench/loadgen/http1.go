//go:build linux

package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"time"
)

// httpConn is a minimal HTTP/1.1 keep-alive client connection for the
// polling scenario: net/http's client costs several times more CPU per
// request, and the load generator must stay well below the server's cost.
// It writes one request at a time and reads the response whole
// (Content-Length, chunked, or until close). With acceptEnc it sends that
// Accept-Encoding and decodes gzip and deflate bodies. Every byte on its
// sockets is added to wire.
type httpConn struct {
	addr, host string
	acceptEnc  string
	wire       *wireCount
	c          net.Conn
	br         *bufio.Reader
	wbuf       []byte
	body       []byte

	// Decoding compressed bodies, reused.
	plain []byte
	zr    bytes.Reader
	gz    *gzip.Reader
	fl    io.ReadCloser // zlib or raw deflate

	// Responses whose body is 1 KiB or more (the threshold of HTTP
	// compression), and those of them that came compressed.
	large, compressed atomic.Int64
}

func newHTTPConn(addr, acceptEnc string, wire *wireCount) *httpConn {
	if wire == nil {
		wire = &wireCount{}
	}
	return &httpConn{addr: addr, host: addr, acceptEnc: acceptEnc, wire: wire}
}

func (h *httpConn) close() {
	if h.c != nil {
		_ = h.c.Close()
		h.c = nil
	}
}

// do sends a request (a POST when body is non-nil) and returns the status
// and body; the body is valid until the next call. A reused connection the
// server closed in between is redialled once.
func (h *httpConn) do(target string, body []byte) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		reused := h.c != nil
		if h.c == nil {
			c, err := net.DialTimeout("tcp", h.addr, 15*time.Second)
			if err != nil {
				return 0, nil, err
			}
			h.c = &wireConn{Conn: c, w: h.wire}
			if h.br == nil {
				h.br = bufio.NewReaderSize(h.c, 4096)
			} else {
				h.br.Reset(h.c)
			}
		}
		w := h.wbuf[:0]
		if body != nil {
			w = append(w, "POST "...)
		} else {
			w = append(w, "GET "...)
		}
		w = append(w, target...)
		w = append(w, " HTTP/1.1\r\nHost: "...)
		w = append(w, h.host...)
		if h.acceptEnc != "" {
			w = append(w, "\r\nAccept-Encoding: "...)
			w = append(w, h.acceptEnc...)
		}
		if body != nil {
			w = append(w, "\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: "...)
			w = strconv.AppendInt(w, int64(len(body)), 10)
		}
		w = append(w, "\r\n\r\n"...)
		w = append(w, body...)
		h.wbuf = w
		_ = h.c.SetDeadline(time.Now().Add(60 * time.Second))
		if _, err := h.c.Write(w); err != nil {
			h.close()
			if reused && attempt == 0 {
				continue
			}
			return 0, nil, err
		}
		status, b, keep, got, err := h.readResponse()
		if err != nil {
			h.close()
			if reused && attempt == 0 && !got {
				continue
			}
			return 0, nil, err
		}
		if !keep {
			h.close()
		}
		return status, b, nil
	}
}

var errBadResponse = errors.New("http1: malformed response")

// readResponse reads one response; got reports whether any byte arrived
// (a stale keep-alive connection fails before that).
func (h *httpConn) readResponse() (status int, body []byte, keep, got bool, err error) {
	line, err := h.br.ReadSlice('\n')
	if err != nil {
		return 0, nil, false, len(line) > 0, err
	}
	got = true
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, nil, false, got, errBadResponse
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, false, got, errBadResponse
	}
	keep = line[7] == '1'
	length, chunked := -1, false
	var encoding string
	for {
		line, err = h.br.ReadSlice('\n')
		if err != nil {
			return 0, nil, false, got, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		k, v, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch {
		case asciiEqualFold(k, "content-length"):
			if length, err = strconv.Atoi(string(v)); err != nil {
				return 0, nil, false, got, errBadResponse
			}
		case asciiEqualFold(k, "transfer-encoding"):
			chunked = bytes.Contains(bytes.ToLower(v), []byte("chunked"))
		case asciiEqualFold(k, "connection"):
			if bytes.EqualFold(v, []byte("close")) {
				keep = false
			}
		case asciiEqualFold(k, "content-encoding"):
			encoding = string(bytes.ToLower(v))
		}
	}
	b := h.body[:0]
	switch {
	case chunked:
		for {
			line, err = h.br.ReadSlice('\n')
			if err != nil {
				return 0, nil, false, got, err
			}
			line = bytes.TrimRight(line, "\r\n")
			if i := bytes.IndexByte(line, ';'); i >= 0 {
				line = line[:i]
			}
			n, err := strconv.ParseInt(string(line), 16, 32)
			if err != nil {
				return 0, nil, false, got, errBadResponse
			}
			if n == 0 {
				// Trailers, then the blank line.
				for {
					line, err = h.br.ReadSlice('\n')
					if err != nil {
						return 0, nil, false, got, err
					}
					if len(bytes.TrimRight(line, "\r\n")) == 0 {
						break
					}
				}
				break
			}
			b, err = readN(h.br, b, int(n))
			if err != nil {
				return 0, nil, false, got, err
			}
			if _, err = h.br.Discard(2); err != nil { // CRLF
				return 0, nil, false, got, err
			}
		}
	case length >= 0:
		if b, err = readN(h.br, b, length); err != nil {
			return 0, nil, false, got, err
		}
	default:
		keep = false
		var buf bytes.Buffer
		if _, err = buf.ReadFrom(h.br); err != nil {
			return 0, nil, false, got, err
		}
		b = append(b, buf.Bytes()...)
	}
	h.body = b
	switch encoding {
	case "", "identity":
	case "gzip", "x-gzip", "deflate":
		if b, err = h.decode(encoding, b); err != nil {
			return 0, nil, false, got, fmt.Errorf("http1: %s body: %w", encoding, err)
		}
	default:
		return 0, nil, false, got, fmt.Errorf("http1: unknown Content-Encoding %q", encoding)
	}
	if len(b) >= 1024 {
		h.large.Add(1)
		if encoding != "" && encoding != "identity" {
			h.compressed.Add(1)
		}
	}
	return status, b, keep, got, nil
}

// decode inflates a gzip or deflate body into h.plain. HTTP's "deflate"
// is the zlib format; a raw deflate stream, which some servers send
// instead, is accepted too.
func (h *httpConn) decode(encoding string, b []byte) ([]byte, error) {
	h.zr.Reset(b)
	var r io.Reader
	switch {
	case encoding != "deflate":
		if h.gz == nil {
			gz, err := gzip.NewReader(&h.zr)
			if err != nil {
				return nil, err
			}
			h.gz = gz
		} else if err := h.gz.Reset(&h.zr); err != nil {
			return nil, err
		}
		r = h.gz
	case len(b) >= 2 && b[0]&0x0f == 8 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0: // a zlib header
		if h.fl == nil {
			zl, err := zlib.NewReader(&h.zr)
			if err != nil {
				return nil, err
			}
			h.fl = zl
		} else if err := h.fl.(zlib.Resetter).Reset(&h.zr, nil); err != nil {
			h.fl = nil
			return nil, err
		}
		r = h.fl
	default:
		r = flate.NewReader(&h.zr)
	}
	p := h.plain[:0]
	for {
		if len(p) == cap(p) {
			p = append(p, 0)[:len(p)]
		}
		n, err := r.Read(p[len(p):cap(p)])
		p = p[:len(p)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	h.plain = p
	return p, nil
}

func readN(r io.Reader, b []byte, n int) ([]byte, error) {
	start := len(b)
	if cap(b)-start < n {
		nb := make([]byte, start, start+n+512)
		copy(nb, b)
		b = nb
	}
	b = b[:start+n]
	_, err := io.ReadFull(r, b[start:])
	return b, err
}

func asciiEqualFold(b []byte, s string) bool { return bytes.EqualFold(b, []byte(s)) }

// request is httpConn.do with a non-200 status turned into an error.
func (h *httpConn) request(target string, body []byte) ([]byte, error) {
	status, b, err := h.do(target, body)
	if err != nil {
		return nil, err
	}
	if status != 200 {
		return nil, fmt.Errorf("HTTP %d: %s", status, bytes.TrimSpace(b))
	}
	return b, nil
}
