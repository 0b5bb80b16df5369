package httpx

import (
	"bytes"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
)

// FuzzReadPayload reads random bodies under random limits, declared
// lengths, content types and read patterns. ReadPayload must never panic,
// never return more than the limit, never consume more than limit+1 bytes
// of the body, and otherwise return the body exactly.
//
// mode selects the declared Content-Length (bits 0-1: exact, unknown,
// the fuzzed declared value, zero) and the reader (bit 2: one byte per
// Read; bit 3: data returned together with io.EOF).
func FuzzReadPayload(f *testing.F) {
	f.Add([]byte("4hello"), int64(6), int64(0), uint8(0), "")
	f.Add([]byte("4hello"), int64(5), int64(0), uint8(0), "")
	f.Add([]byte("4hello"), int64(5), int64(0), uint8(1), "")
	f.Add([]byte("4hello"), int64(5), int64(0), uint8(1|4), "")
	f.Add([]byte("4hello"), int64(6), int64(0), uint8(1|8), "text/plain;charset=UTF-8")
	f.Add([]byte("4hello"), int64(100), int64(1000), uint8(2), "")
	f.Add([]byte("4hello"), int64(100), int64(3), uint8(2), "")
	f.Add([]byte("4hello"), int64(0), int64(math.MaxInt64), uint8(2), "")
	f.Add([]byte("4hello"), int64(-1), int64(1<<40), uint8(2), "")
	f.Add([]byte("4hello"), int64(math.MaxInt64), int64(math.MaxInt64), uint8(2), "")
	f.Add([]byte("4hello"), int64(math.MaxInt64), int64(0), uint8(1), "")
	f.Add([]byte("\x04\x01"), int64(10), int64(0), uint8(0), "application/octet-stream")
	f.Add([]byte(""), int64(10), int64(0), uint8(3), "")
	f.Add(bytes.Repeat([]byte("4x\x1e"), 400), int64(511), int64(0), uint8(1), "")
	f.Add(bytes.Repeat([]byte("4x\x1e"), 400), int64(1199), int64(0), uint8(1|8), "")
	f.Add(bytes.Repeat([]byte("4x\x1e"), 400), int64(1200), int64(0), uint8(1|4), "")
	f.Add([]byte("0000000"), int64(5), int64(0), uint8(2|8), "")
	f.Fuzz(func(t *testing.T, body []byte, max, declared int64, mode uint8, ctype string) {
		var cl int64
		switch mode & 3 {
		case 0:
			cl = int64(len(body))
		case 1:
			cl = -1
		case 2:
			cl = declared
		case 3:
			cl = 0
		}
		var r io.Reader = bytes.NewReader(body)
		if mode&4 != 0 {
			r = iotest.OneByteReader(r)
		}
		if mode&8 != 0 {
			r = iotest.DataErrReader(r) // reads ahead, so count above it
		}
		cr := &countingReader{r: r}
		req := &http.Request{Method: http.MethodPost, Header: http.Header{}, Body: io.NopCloser(cr), ContentLength: cl}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}

		got, err := ReadPayload(req, max)

		limited := max > 0
		if err == nil && limited && int64(len(got)) > max {
			t.Fatalf("returned %d bytes, over the limit %d", len(got), max)
		}
		if limited && max < math.MaxInt64 && cr.n > max+1 {
			t.Fatalf("consumed %d bytes of the body, over limit+1 = %d", cr.n, max+1)
		}
		switch {
		case strings.HasPrefix(ctype, "application/octet-stream"):
			if !errors.Is(err, ErrBinaryBody) {
				t.Fatalf("Content-Type %q: err = %v, want ErrBinaryBody", ctype, err)
			}
			if cr.n != 0 {
				t.Fatalf("binary body refused after reading %d bytes", cr.n)
			}
		case limited && cl > max:
			if !errors.Is(err, ErrBodyTooLarge) {
				t.Fatalf("declared %d over limit %d: err = %v, want ErrBodyTooLarge", cl, max, err)
			}
			if cr.n != 0 {
				t.Fatalf("declared length over the limit refused after reading %d bytes", cr.n)
			}
		case limited && int64(len(body)) > max:
			if !errors.Is(err, ErrBodyTooLarge) {
				t.Fatalf("%d bytes over limit %d: err = %v, want ErrBodyTooLarge", len(body), max, err)
			}
		default:
			if err != nil {
				t.Fatalf("%d bytes, limit %d, declared %d: %v", len(body), max, cl, err)
			}
			if !bytes.Equal(got, body) {
				t.Fatalf("body = %q, want %q", got, body)
			}
		}
		if err != nil && got != nil {
			t.Fatalf("returned %d bytes with error %v", len(got), err)
		}
	})
}
