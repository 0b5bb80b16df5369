package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gosio/socketio/codec"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// unreadBody fails the test if it is read: for requests ReadPayload must
// refuse from their headers alone.
type unreadBody struct{ t *testing.T }

func (u unreadBody) Read([]byte) (int, error) {
	u.t.Helper()
	u.t.Error("body read, want the request refused from its headers")
	return 0, io.EOF
}

// newPollRequest builds a POST whose body is r and whose declared
// Content-Length is cl (-1: unknown, as for a chunked body).
func newPollRequest(t *testing.T, r io.Reader, cl int64, contentType string) *http.Request {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/engine.io/?EIO=4&transport=polling&sid=x", nil)
	req.Body = io.NopCloser(r)
	req.ContentLength = cl
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

func TestReadPayload(t *testing.T) {
	body10 := "4abcdefghi"                        // 10 bytes
	body11 := body10 + "j"                        // 11 bytes
	big := strings.Repeat("4x\x1e", 40000) + "4x" // 120002 bytes
	readErr := errors.New("connection reset")

	tests := []struct {
		name    string
		body    io.Reader // nil: strings.NewReader(want) is used
		want    string
		cl      int64 // declared Content-Length; -1 unknown
		ctype   string
		max     int64
		wantErr error
	}{
		{name: "exactly the limit", want: body10, cl: 10, max: 10},
		{name: "exactly the limit, chunked", want: body10, cl: -1, max: 10},
		{name: "exactly the limit, one byte per read", body: iotest.OneByteReader(strings.NewReader(body10)), want: body10, cl: -1, max: 10},
		{name: "exactly the limit, data with EOF", body: iotest.DataErrReader(strings.NewReader(body10)), want: body10, cl: 10, max: 10},
		{name: "limit+1 declared", body: unreadBody{t}, cl: 11, max: 10, wantErr: ErrBodyTooLarge},
		{name: "limit+1 chunked", body: strings.NewReader(body11), cl: -1, max: 10, wantErr: ErrBodyTooLarge},
		{name: "limit+1 chunked, one byte per read", body: iotest.OneByteReader(strings.NewReader(body11)), cl: -1, max: 10, wantErr: ErrBodyTooLarge},
		{name: "limit+1 chunked, data with EOF", body: iotest.DataErrReader(strings.NewReader(body11)), cl: -1, max: 10, wantErr: ErrBodyTooLarge},
		{name: "declared far over the limit", body: unreadBody{t}, cl: 1 << 40, max: 1000, wantErr: ErrBodyTooLarge},
		{name: "declared MaxInt64 over the limit", body: unreadBody{t}, cl: math.MaxInt64, max: 1000, wantErr: ErrBodyTooLarge},
		{name: "declared under the limit, body over it", body: strings.NewReader(body11), cl: 5, max: 10, wantErr: ErrBodyTooLarge},
		{name: "declared more than sent", body: strings.NewReader("4hi"), want: "4hi", cl: 9, max: 10},
		{name: "declared fewer than sent", body: strings.NewReader(body10), want: body10, cl: 3, max: 10},
		{name: "under the limit", want: "4hello", cl: 6, max: 1000},
		{name: "under the limit, chunked", want: "4hello", cl: -1, max: 1000},
		{name: "large chunked under the limit", want: big, cl: -1, max: 1 << 20},
		{name: "large chunked one byte over the limit", body: strings.NewReader(big), cl: -1, max: int64(len(big)) - 1, wantErr: ErrBodyTooLarge},
		{name: "large declared under the limit", want: big, cl: int64(len(big)), max: int64(len(big))},
		{name: "empty", want: "", cl: 0, max: 10},
		{name: "empty chunked", want: "", cl: -1, max: 10},
		{name: "no limit", want: big, cl: int64(len(big)), max: 0},
		{name: "no limit chunked", want: big, cl: -1, max: 0},
		{name: "negative limit means no limit", want: big, cl: -1, max: -1},
		{name: "limit of one", want: "6", cl: 1, max: 1},
		{name: "limit of one, two bytes", body: strings.NewReader("4x"), cl: -1, max: 1, wantErr: ErrBodyTooLarge},
		{name: "text/plain", want: "4hello", cl: 6, ctype: "text/plain;charset=UTF-8", max: 10},
		{name: "unusual content type accepted", want: "4hello", cl: 6, ctype: "application/json", max: 10},
		{name: "octet-stream refused", body: unreadBody{t}, cl: 3, ctype: "application/octet-stream", max: 10, wantErr: ErrBinaryBody},
		{name: "octet-stream with parameters refused", body: unreadBody{t}, cl: 3, ctype: "application/octet-stream; charset=binary", max: 10, wantErr: ErrBinaryBody},
		{name: "octet-stream refused before the size check", body: unreadBody{t}, cl: 1 << 30, ctype: "application/octet-stream", max: 10, wantErr: ErrBinaryBody},
		{name: "read error", body: io.MultiReader(strings.NewReader("4ab"), iotest.ErrReader(readErr)), cl: -1, max: 10, wantErr: readErr},
		{name: "read error with data", body: iotest.TimeoutReader(strings.NewReader(body10)), cl: -1, max: 100, wantErr: iotest.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if body == nil {
				body = strings.NewReader(tt.want)
			}
			got, err := ReadPayload(newPollRequest(t, body, tt.cl, tt.ctype), tt.max)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if got != nil {
					t.Errorf("body = %q with the error, want nil", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadPayload: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("body = %q (%d bytes), want %q (%d bytes)", trunc(got), len(got), trunc([]byte(tt.want)), len(tt.want))
			}
		})
	}
}

func trunc(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// ReadPayload consumes at most max+1 bytes of an oversized body, however
// large it is.
func TestReadPayloadStopsEarly(t *testing.T) {
	for _, max := range []int64{1, 10, 511, 512, 513, 4096, 100000} {
		t.Run(strconv.FormatInt(max, 10), func(t *testing.T) {
			cr := &countingReader{r: io.LimitReader(neverEnding('4'), 10<<20)}
			_, err := ReadPayload(newPollRequest(t, cr, -1, ""), max)
			if !errors.Is(err, ErrBodyTooLarge) {
				t.Fatalf("err = %v, want ErrBodyTooLarge", err)
			}
			if cr.n > max+1 {
				t.Errorf("read %d bytes of the body, want at most max+1 = %d", cr.n, max+1)
			}
		})
	}
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// A declared Content-Length up to 4 KiB sizes the buffer, so reading needs
// a single allocation; a larger one is trusted only as bytes arrive, the
// buffer doubling from 4 KiB (a 64 KiB body: 4, 8, 16, 32, 64 KiB, and
// 64 KiB+1 for the read that shows EOF).
func TestReadPayloadDeclaredLengthAllocs(t *testing.T) {
	for _, tt := range []struct {
		size int
		max  float64 // buffers, plus the io.LimitedReader
	}{{4000, 2}, {64 << 10, 7}} {
		body := bytes.Repeat([]byte{'4'}, tt.size)
		br := bytes.NewReader(body)
		req := &http.Request{Header: http.Header{}, Body: io.NopCloser(br), ContentLength: int64(len(body))}
		allocs := testing.AllocsPerRun(20, func() {
			br.Reset(body)
			if _, err := ReadPayload(req, 1<<20); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > tt.max {
			t.Errorf("ReadPayload of %d declared bytes made %v allocations, want at most %v", tt.size, allocs, tt.max)
		}
	}
}

// stallingBody delivers n bytes, then fails as a connection whose read
// deadline passed does.
type stallingBody struct{ n int }

func (b *stallingBody) Read(p []byte) (int, error) {
	if b.n == 0 {
		return 0, os.ErrDeadlineExceeded
	}
	k := min(len(p), b.n)
	for i := range k {
		p[i] = '4'
	}
	b.n -= k
	return k, nil
}

func (b *stallingBody) Close() error { return nil }

// What a body that declares 1 MiB and stalls costs follows what arrived:
// 4 KiB for 1 byte (it was 1 MiB, allocated before any byte came), and
// 4+8+16 KiB for 10 KiB (the buffers it went through).
func TestReadPayloadAllocFollowsArrivedBytes(t *testing.T) {
	for _, arrived := range []int{1, 10 << 10} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const rounds = 20
		for range rounds {
			req := &http.Request{Header: http.Header{}, Body: &stallingBody{n: arrived}, ContentLength: 1 << 20}
			if _, err := ReadPayload(req, 1<<20); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("err = %v, want the body's deadline error", err)
			}
		}
		runtime.ReadMemStats(&after)
		per := (after.TotalAlloc - before.TotalAlloc) / rounds
		// Doubling: the buffers a read went through add up to less than
		// twice the last, which is at most twice what arrived.
		limit := uint64(4*max(arrived, firstBodyBuf) + 1024)
		t.Logf("%d bytes arrived of 1 MiB declared: %d bytes allocated", arrived, per)
		if per > limit {
			t.Errorf("%d bytes arrived: %d bytes allocated per read, want at most %d", arrived, per, limit)
		}
	}
}

// blockingBody delivers n bytes, reports that it is stalled, and blocks
// until release is closed; then it fails as a read past its deadline.
type blockingBody struct {
	n       int
	stalled chan<- struct{}
	release <-chan struct{}
}

func (b *blockingBody) Read(p []byte) (int, error) {
	if b.n == 0 {
		b.stalled <- struct{}{}
		<-b.release
		return 0, os.ErrDeadlineExceeded
	}
	k := min(len(p), b.n)
	for i := range k {
		p[i] = '4'
	}
	b.n -= k
	return k, nil
}

func (b *blockingBody) Close() error { return nil }

// The memory stalled reads hold while they wait (live heap after a
// collection, the attack as it is) follows the bytes that arrived: 500
// reads of bodies that declare 1 MiB hold about 4 KiB each for 1 byte
// received, at most twice what arrived past that.
func TestReadPayloadStalledHeldMemory(t *testing.T) {
	const n = 500
	for _, arrived := range []int{1, 10 << 10, 100 << 10} {
		stalled := make(chan struct{})
		release := make(chan struct{})
		done := make(chan error, n)
		base := heapInuse()
		for range n {
			req := &http.Request{Header: http.Header{}, ContentLength: 1 << 20,
				Body: &blockingBody{n: arrived, stalled: stalled, release: release}}
			go func() {
				_, err := ReadPayload(req, 1<<20)
				done <- err
			}()
		}
		for range n {
			<-stalled
		}
		per := (int64(heapInuse()) - int64(base)) / n
		close(release)
		for range n {
			if err := <-done; !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("err = %v, want the body's deadline error", err)
			}
		}
		limit := int64(2*max(arrived, firstBodyBuf) + 512)
		t.Logf("%d stalled reads, %d bytes arrived of 1 MiB declared: %d bytes held each", n, arrived, per)
		if per > limit {
			t.Errorf("%d bytes arrived: %d bytes held per stalled read, want at most %d", arrived, per, limit)
		}
	}
}

func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// Regression: a limit of math.MaxInt64 ("as good as none") made max+1
// overflow, so io.LimitReader read nothing and every body came back empty
// with no error.
func TestReadPayloadMaxInt64Limit(t *testing.T) {
	for _, cl := range []int64{-1, 6} {
		got, err := ReadPayload(newPollRequest(t, strings.NewReader("4hello"), cl, ""), math.MaxInt64)
		if err != nil || string(got) != "4hello" {
			t.Errorf("Content-Length %d: ReadPayload(max=MaxInt64) = %q, %v; want \"4hello\", nil", cl, got, err)
		}
	}
}

// Regression: the buffer was preallocated from the declared Content-Length
// alone, so with no limit (or a huge one) a client declaring an enormous
// length made the server panic (makeslice: cap out of range, or int
// overflow) or try to allocate it before sending a byte.
func TestReadPayloadHugeDeclaredLength(t *testing.T) {
	tests := []struct {
		cl, max int64
	}{
		{math.MaxInt64, 0},
		{math.MaxInt64, -1},
		{math.MaxInt64, math.MaxInt64},
		{1 << 50, 0},
		{1 << 50, 1 << 60},
		{math.MaxInt64 - 1, math.MaxInt64 - 1},
	}
	for _, tt := range tests {
		t.Run(strconv.FormatInt(tt.cl, 10)+"/"+strconv.FormatInt(tt.max, 10), func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("ReadPayload panicked: %v", r)
				}
			}()
			got, err := ReadPayload(newPollRequest(t, strings.NewReader("4hello"), tt.cl, ""), tt.max)
			if err != nil || string(got) != "4hello" {
				t.Errorf("ReadPayload = %q, %v; want \"4hello\", nil", got, err)
			}
		})
	}
}

// ReadPayload behind a real net/http server, with declared and chunked
// bodies.
func TestReadPayloadHTTP(t *testing.T) {
	const max = 100
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := ReadPayload(r, max)
		switch {
		case errors.Is(err, ErrBodyTooLarge):
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		case errors.Is(err, ErrBinaryBody):
			http.Error(w, "binary", http.StatusUnsupportedMediaType)
		case err != nil:
			http.Error(w, err.Error(), http.StatusBadRequest)
		default:
			var n int
			if err := codec.DecodePayload(body, func(codec.Packet) error { n++; return nil }); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.Header().Set("X-Packets", strconv.Itoa(n))
			WriteOK(w)
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	payload := func(n int) string {
		pkts := make([]codec.Packet, n)
		for i := range pkts {
			pkts[i] = codec.Packet{Type: codec.PacketMessage, Data: []byte("abcdefgh")} // 9 bytes + separator
		}
		return string(codec.AppendPayload(nil, pkts))
	}
	p10 := payload(10) // 99 bytes
	if len(p10) != 99 {
		t.Fatalf("len(payload(10)) = %d", len(p10))
	}
	tests := []struct {
		name        string
		body        string
		chunked     bool
		ctype       string
		wantStatus  int
		wantPackets string
	}{
		{"declared under", p10, false, "text/plain;charset=UTF-8", 200, "10"},
		{"chunked under", p10, true, "text/plain;charset=UTF-8", 200, "10"},
		{"declared exact", p10 + "x", false, "", 200, "10"},
		{"chunked exact", p10 + "x", true, "", 200, "10"},
		{"declared over", p10 + "xy", false, "", 413, ""},
		{"chunked over", p10 + "xy", true, "", 413, ""},
		{"chunked far over", strings.Repeat(p10, 1000), true, "", 413, ""},
		{"octet-stream", "\x04\x01\x02", false, "application/octet-stream", 415, ""},
		{"empty", "", false, "", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // unknown length: sent chunked
			}
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/engine.io/?EIO=4&transport=polling", body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			resBody, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d (%q), want %d", res.StatusCode, resBody, tt.wantStatus)
			}
			if tt.chunked && len(res.TransferEncoding) == 0 && req.ContentLength > 0 {
				t.Fatalf("request was not chunked")
			}
			if got := res.Header.Get("X-Packets"); got != tt.wantPackets {
				t.Errorf("packets = %q, want %q", got, tt.wantPackets)
			}
			if tt.wantStatus == 200 && string(resBody) != "ok" {
				t.Errorf("body = %q, want \"ok\"", resBody)
			}
		})
	}
}

func TestWritePayload(t *testing.T) {
	tests := []struct {
		name string
		pkts []codec.Packet
		want string
	}{
		{"none", nil, ""},
		{"noop", []codec.Packet{{Type: codec.PacketNoop}}, "6"},
		{"open", []codec.Packet{{Type: codec.PacketOpen, Data: []byte(`{"sid":"x"}`)}}, `0{"sid":"x"}`},
		{"several with binary", []codec.Packet{
			{Type: codec.PacketMessage, Data: []byte("héllo")},
			{Type: codec.PacketMessage, Data: []byte{1, 2, 3}, Binary: true},
			{Type: codec.PacketPing},
		}, "4héllo\x1ebAQID\x1e2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := WritePayload(rec, httptest.NewRequest("GET", "/", nil), tt.pkts, nil); err != nil {
				t.Fatalf("WritePayload: %v", err)
			}
			res := rec.Result()
			if res.StatusCode != http.StatusOK {
				t.Errorf("status = %d, want 200", res.StatusCode)
			}
			wantHeaders := map[string]string{
				"Content-Type":   "text/plain; charset=UTF-8",
				"Content-Length": strconv.Itoa(len(tt.want)),
				"Cache-Control":  "no-store",
			}
			for k, v := range wantHeaders {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if got := rec.Body.String(); got != tt.want {
				t.Errorf("body = %q, want %q", got, tt.want)
			}
		})
	}
}

type failingWriter struct {
	httptest.ResponseRecorder
	err error
}

func (f *failingWriter) Write([]byte) (int, error) { return 0, f.err }

func TestWritePayloadWriteError(t *testing.T) {
	broken := errors.New("broken pipe")
	w := &failingWriter{ResponseRecorder: *httptest.NewRecorder(), err: broken}
	err := WritePayload(w, httptest.NewRequest("GET", "/", nil), []codec.Packet{{Type: codec.PacketNoop}}, nil)
	if !errors.Is(err, broken) {
		t.Errorf("err = %v, want the writer's error", err)
	}
}

// WritePayload and the Content-Length it sets survive a real HTTP round
// trip, and what the client gets decodes to the packets sent.
func TestWritePayloadHTTP(t *testing.T) {
	pkts := []codec.Packet{
		{Type: codec.PacketMessage, Data: []byte(strings.Repeat("x", 10000))},
		{Type: codec.PacketMessage, Data: bytes.Repeat([]byte{0xff, 0x1e}, 5000), Binary: true},
		{Type: codec.PacketNoop},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := WritePayload(w, r, pkts, nil); err != nil {
			t.Errorf("WritePayload: %v", err)
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	res, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.ContentLength != int64(len(body)) || len(res.TransferEncoding) != 0 {
		t.Errorf("ContentLength = %d, TransferEncoding = %v; want %d, none", res.ContentLength, res.TransferEncoding, len(body))
	}
	var got []codec.Packet
	if err := codec.DecodePayload(body, func(p codec.Packet) error { got = append(got, p); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(pkts) {
		t.Fatalf("got %d packets, want %d", len(got), len(pkts))
	}
	for i := range got {
		if got[i].Type != pkts[i].Type || got[i].Binary != pkts[i].Binary || !bytes.Equal(got[i].Data, pkts[i].Data) {
			t.Errorf("packet %d differs", i)
		}
	}
}

func TestWriteOK(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteOK(rec)
	res := rec.Result()
	if res.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want 200", res.StatusCode)
	}
	if got := res.Header.Get("Content-Type"); got != "text/html" {
		t.Errorf("Content-Type = %q, want text/html", got)
	}
	if got := res.Header.Get("Content-Length"); got != "2" {
		t.Errorf("Content-Length = %q, want 2", got)
	}
	if got := rec.Body.String(); got != "ok" {
		t.Errorf("body = %q, want ok", got)
	}
}

// hiddenWriter hides the ResponseWriter it wraps from
// http.ResponseController (no Unwrap), as some middleware does.
type hiddenWriter struct{ http.ResponseWriter }

// ReadPayloadWithin cuts a body that stalls, and reads whole a body that
// arrives in time. Over HTTP/1.1 and HTTP/2 the deadline is set through
// http.ResponseController. Behind a writer that hides the connection, the
// body is closed at the deadline: that interrupts an HTTP/2 body; an
// HTTP/1 body waits for its pending read, which http.Server.ReadTimeout
// (here 1 s) ends.
func TestReadPayloadWithinDeadline(t *testing.T) {
	for _, tt := range []struct {
		h2, hide    bool
		readTimeout time.Duration
	}{{false, false, 0}, {true, false, 0}, {true, true, 0}, {false, true, time.Second}} {
		t.Run(fmt.Sprintf("http2=%v,hidden=%v", tt.h2, tt.hide), func(t *testing.T) {
			type result struct {
				err, rcErr error
				took       time.Duration
			}
			got := make(chan result, 2)
			ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.hide {
					w = hiddenWriter{w}
				}
				rcErr := http.NewResponseController(w).SetReadDeadline(time.Time{})
				start := time.Now()
				_, err := ReadPayloadWithin(w, r, 1<<20, 200*time.Millisecond)
				got <- result{err, rcErr, time.Since(start)}
				if err != nil {
					w.Header().Set("Connection", "close")
					w.WriteHeader(http.StatusRequestTimeout)
				}
			}))
			ts.EnableHTTP2 = tt.h2
			ts.Config.ReadTimeout = tt.readTimeout
			ts.StartTLS()
			defer ts.Close()

			// In time.
			resp, err := ts.Client().Post(ts.URL, "text/plain", strings.NewReader("4hello"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if tt.h2 != (resp.ProtoMajor == 2) {
				t.Fatalf("protocol %s", resp.Proto)
			}
			r := <-got
			if r.err != nil {
				t.Fatalf("a body sent at once: %v", r.err)
			}
			if hidden := r.rcErr != nil; hidden != tt.hide {
				t.Fatalf("ResponseController.SetReadDeadline: %v", r.rcErr)
			}

			// Stalled: one byte of ten, then nothing until the answer.
			// (The answer above kept the connection: over HTTP/2 a
			// "Connection: close" sends a GOAWAY that may reach the client
			// after it has picked that connection again, and this request,
			// whose body cannot be replayed, would then fail before
			// reaching the handler.)
			pr, pw := io.Pipe()
			defer pw.Close()
			go func() { _, _ = pw.Write([]byte("4")) }()
			req, _ := http.NewRequest(http.MethodPost, ts.URL, pr)
			req.ContentLength = 10
			done := make(chan error, 1)
			go func() {
				resp, err := ts.Client().Do(req)
				if err == nil {
					resp.Body.Close()
				}
				done <- err
			}()
			check := func(r result) {
				t.Logf("cut after %v", r.took.Round(time.Millisecond))
				if !errors.Is(r.err, ErrBodyTimeout) {
					t.Fatalf("a stalled body: %v, want ErrBodyTimeout", r.err)
				}
				if bound := max(200*time.Millisecond, tt.readTimeout); r.took < 200*time.Millisecond || r.took > bound+2*time.Second {
					t.Errorf("cut after %v, want about %v", r.took, bound)
				}
			}
			select {
			case r := <-got:
				check(r)
			case err := <-done:
				// The handler reports before it answers: a request that
				// ended with nothing in got never reached it.
				select {
				case r := <-got:
					check(r)
				default:
					t.Fatalf("the request ended before the handler ran: %v", err)
				}
				done <- err
			case <-time.After(10 * time.Second):
				t.Fatal("a stalled body was not cut")
			}
			pw.Close()
			<-done
		})
	}
}
