package session_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/session"
)

// rawClient is the test server's client without the transparent gzip of
// net/http: it sends only the Accept-Encoding a test sets, and returns
// bodies as they were on the wire.
func (e *env) rawClient() *http.Client {
	tr := e.hs.Client().Transport.(*http.Transport).Clone()
	tr.DisableCompression = true
	e.tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// rawPoll sends one poll of p with the given Accept-Encoding lines (nil:
// no header) and returns the response as it was on the wire.
func rawPoll(t *testing.T, hc *http.Client, url string, accept []string) *eiotest.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var h http.Header
	if accept != nil {
		h = http.Header{"Accept-Encoding": accept}
	}
	resp, err := eiotest.Do(ctx, hc, http.MethodGet, url, nil, h)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("poll: %s", resp)
	}
	if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(resp.Body)) {
		t.Errorf("Content-Length %q for a body of %d bytes", cl, len(resp.Body))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	if v := resp.Header.Get("Vary"); v != "" {
		t.Errorf("Vary %q: the reference server sends none", v)
	}
	return resp
}

// decoded returns the body of resp with its Content-Encoding undone.
func decoded(t *testing.T, resp *eiotest.Response) []byte { return decodedTB(t, resp) }

func decodedTB(t testing.TB, resp *eiotest.Response) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(resp.Body)
	var err error
	switch enc := resp.Header.Get("Content-Encoding"); enc {
	case "":
		return resp.Body
	case "gzip":
		r, err = gzip.NewReader(r)
	case "deflate":
		r, err = zlib.NewReader(r) // HTTP's deflate is the zlib format, as Node's createDeflate
	default:
		t.Fatalf("Content-Encoding %q", enc)
	}
	if err != nil {
		t.Fatalf("%s body: %v", resp.Header.Get("Content-Encoding"), err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s body: %v", resp.Header.Get("Content-Encoding"), err)
	}
	return b
}

// TestPollingCompression: a polling response is compressed as the
// reference server's (httpCompression, on by default): from 1024 bytes,
// when a packet lets it, in the coding Accept-Encoding picks; what the
// client decodes is the payload it would have had uncompressed.
func TestPollingCompression(t *testing.T) {
	e := newEnv(t, envConfig{})
	hc := e.rawClient()
	json4k := `["chat",` + strings.Repeat(`{"user":"ada","text":"hello there"},`, 110) + `0]`
	for _, tc := range []struct {
		name   string
		accept []string // nil: no header
		pkts   []codec.Packet
		want   string // Content-Encoding
	}{
		{"gzip", []string{"gzip"}, msgs(json4k), "gzip"},
		{"deflate", []string{"deflate"}, msgs(json4k), "deflate"},
		{"browser", []string{"gzip, deflate, br, zstd"}, msgs(json4k), "gzip"},
		{"client order", []string{"deflate, gzip"}, msgs(json4k), "deflate"},
		{"qualities", []string{"gzip;q=0.5, deflate;q=0.8"}, msgs(json4k), "deflate"},
		{"gzip refused", []string{"gzip;q=0, deflate"}, msgs(json4k), "deflate"},
		{"two header lines", []string{"br", "deflate"}, msgs(json4k), "deflate"},
		{"identity", []string{"identity"}, msgs(json4k), ""},
		{"identity refused only", []string{"identity;q=0"}, msgs(json4k), ""},
		{"no header", nil, msgs(json4k), ""},
		{"empty header", []string{""}, msgs(json4k), ""},
		{"star", []string{"*"}, msgs(json4k), "gzip"},
		{"br only", []string{"br"}, msgs(json4k), ""},
		{"under the threshold", []string{"gzip"}, msgs(strings.Repeat("x", 1022)), ""}, // "4"+1022 = 1023 bytes
		{"at the threshold", []string{"gzip"}, msgs(strings.Repeat("x", 1023)), "gzip"},
		{"several packets over it", []string{"gzip"}, msgs(strings.Repeat("x", 600), strings.Repeat("y", 600)), "gzip"},
		{"every packet NoCompress", []string{"gzip"}, noCompress(msgs(json4k, json4k)), ""},
		{"one packet lets it", []string{"gzip"}, append(noCompress(msgs(json4k)), msgs("hi")...), "gzip"},
		{"binary", []string{"gzip"}, []codec.Packet{{Type: codec.PacketMessage, Data: bytes.Repeat([]byte{0, 1, 2, 3}, 512), Binary: true}}, "gzip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ss := e.pollingSession(t)
			if err := ss.Send(tc.pkts...); err != nil {
				t.Fatal(err)
			}
			resp := rawPoll(t, hc, p.URL(), tc.accept)
			if got := resp.Header.Get("Content-Encoding"); got != tc.want {
				t.Errorf("Content-Encoding %q, want %q", got, tc.want)
			}
			want := eiotest.EncodePayload(eiopkts(tc.pkts)...)
			if got := decoded(t, resp); !bytes.Equal(got, want) {
				t.Errorf("decoded body differs from the payload: %d bytes, want %d", len(got), len(want))
			}
			if tc.want != "" && len(resp.Body) >= len(want) {
				t.Errorf("compressed body of %d bytes for a payload of %d", len(resp.Body), len(want))
			}
		})
	}
}

func msgs(texts ...string) []codec.Packet {
	out := make([]codec.Packet, len(texts))
	for i, s := range texts {
		out[i] = codec.Packet{Type: codec.PacketMessage, Data: []byte(s)}
	}
	return out
}

func noCompress(pkts []codec.Packet) []codec.Packet {
	for i := range pkts {
		pkts[i].NoCompress = true
	}
	return pkts
}

func eiopkts(pkts []codec.Packet) []eiotest.Packet {
	out := make([]eiotest.Packet, len(pkts))
	for i, p := range pkts {
		out[i] = eiotest.Packet{Type: int(p.Type), Data: p.Data, Binary: p.Binary}
	}
	return out
}

// TestPollingCompressionOptions: Disable, Threshold and Level.
func TestPollingCompressionOptions(t *testing.T) {
	small := msgs(strings.Repeat("ab", 100)) // 201 bytes
	big := msgs(strings.Repeat("ab", 2000))
	for _, tc := range []struct {
		name string
		opts session.HTTPCompression
		pkts []codec.Packet
		want string
	}{
		{"disabled", session.HTTPCompression{Disable: true}, big, ""},
		{"threshold 4096, smaller", session.HTTPCompression{Threshold: 4096}, big, ""}, // 4001 bytes
		{"threshold 200", session.HTTPCompression{Threshold: 200}, small, "gzip"},
		{"no threshold", session.HTTPCompression{Threshold: -1}, msgs("a"), "gzip"},
		{"level 1", session.HTTPCompression{Level: 1}, big, "gzip"},
		{"level 9", session.HTTPCompression{Level: 9}, big, "gzip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envConfig{opts: &session.Options{HTTPCompression: tc.opts}})
			p, ss := e.pollingSession(t)
			if err := ss.Send(tc.pkts...); err != nil {
				t.Fatal(err)
			}
			resp := rawPoll(t, e.rawClient(), p.URL(), []string{"gzip"})
			if got := resp.Header.Get("Content-Encoding"); got != tc.want {
				t.Errorf("Content-Encoding %q, want %q", got, tc.want)
			}
			if got, want := decoded(t, resp), eiotest.EncodePayload(eiopkts(tc.pkts)...); !bytes.Equal(got, want) {
				t.Errorf("decoded body %q, want %q", got, want)
			}
		})
	}
	for _, level := range []int{-1, 10} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Level %d: NewServer did not panic", level)
				}
			}()
			session.NewServer(&session.Options{HTTPCompression: session.HTTPCompression{Level: level}})
		}()
	}
}

// TestPollingCompressionEIO3: the v3 framings are compressed too, as the
// reference server compresses whatever its polling transport writes: text
// payloads, binary payloads (XHR2) and JSONP scripts.
func TestPollingCompressionEIO3(t *testing.T) {
	e := v3Env(t, nil)
	hc := e.rawClient()
	text := strings.Repeat("abcdefgh", 200)
	bin := bytes.Repeat([]byte{9, 8, 7}, 700)
	for _, tc := range []struct {
		v3       eiotest.V3
		pkt      codec.Packet
		wantType string
		want     string
	}{
		{eiotest.V3{B64: true}, codec.Packet{Type: codec.PacketMessage, Data: []byte(text)}, "text/plain; charset=UTF-8",
			"1601:4" + text},
		{eiotest.V3{}, codec.Packet{Type: codec.PacketMessage, Data: bin, Binary: true}, "application/octet-stream",
			"\x01\x02\x01\x00\x01\xff\x04" + string(bin)},
		{eiotest.V3{B64: true, JSONP: true}, codec.Packet{Type: codec.PacketMessage, Data: []byte(text)}, "text/plain; charset=UTF-8",
			`___eio[0]("1601:4` + text + `");`},
	} {
		t.Run(fmt.Sprintf("%+v", tc.v3), func(t *testing.T) {
			p, _, rest, err := eiotest.HandshakePollingV3(context.Background(), e.httpClient(), e.base, &tc.v3)
			if err != nil || len(rest) != 0 {
				t.Fatalf("handshake: %v %v", err, rest)
			}
			ss := e.session(t, p.SID)
			if err := ss.Send(tc.pkt); err != nil {
				t.Fatal(err)
			}
			resp := rawPoll(t, hc, p.URL(), []string{"gzip, deflate"})
			if got := resp.Header.Get("Content-Encoding"); got != "gzip" {
				t.Errorf("Content-Encoding %q, want gzip", got)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type %q, want %q", got, tc.wantType)
			}
			if got := decoded(t, resp); string(got) != tc.want {
				t.Errorf("decoded body %.80q…, want %.80q…", got, tc.want)
			}
		})
	}
}

// BenchmarkPolling4KiBJSON: a server sends a 4 KiB JSON message
// (eiotest.SampleJSON) and a polling client collects it; wire-B/op counts what the server wrote on the connection (headers
// included) and ns/op is the whole round trip, client included (its
// gunzip too). The server's CPU alone is BenchmarkPollingCompression in
// internal/httpx.
//
//	go test -run='^$' -bench=Polling4KiBJSON -count=3 ./session/
func BenchmarkPolling4KiBJSON(b *testing.B) {
	msg := eiotest.SampleJSON(4096)[1:] // the Engine.IO "4" is the payload's
	for _, accept := range []string{"", "gzip"} {
		name := "plain"
		if accept != "" {
			name = accept
		}
		b.Run(name, func(b *testing.B) {
			e := newEnv(b, envConfig{opts: benchOpts()})
			var wire atomic.Int64
			tr := e.hs.Client().Transport.(*http.Transport).Clone()
			tr.DisableCompression = true
			tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				return &countingConn{Conn: c, n: &wire}, err
			}
			defer tr.CloseIdleConnections()
			hc := &http.Client{Transport: tr}
			p, _, _, err := eiotest.HandshakePolling(context.Background(), hc, e.base)
			if err != nil {
				b.Fatal(err)
			}
			ss := e.session(b, p.SID)
			var h http.Header
			if accept != "" {
				h = http.Header{"Accept-Encoding": {accept}}
			}
			ctx := context.Background()
			b.ReportAllocs()
			wire.Store(0)
			b.ResetTimer()
			for range b.N {
				if err := ss.SendText(string(msg)); err != nil {
					b.Fatal(err)
				}
				resp, err := eiotest.Do(ctx, hc, http.MethodGet, p.URL(), nil, h)
				if err != nil || resp.Status != 200 || resp.Header.Get("Content-Encoding") != accept {
					b.Fatalf("GET: %v %v", resp, err)
				}
				if accept != "" {
					if body := decodedTB(b, resp); len(body) != len(msg)+1 {
						b.Fatalf("decoded %d bytes", len(body))
					}
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(wire.Load())/float64(b.N), "wire-B/op")
		})
	}
}

// countingConn counts the bytes read from the server.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}
