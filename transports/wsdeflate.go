package transports

import (
	"compress/flate"
	"errors"
	"io"
	"sync"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/deflatestat"
	"github.com/gosio/socketio/internal/wire"
)

// permessage-deflate (RFC 7692), negotiated without context takeover in
// either direction (see wsext.go): every message is a deflate stream of its
// own. No compressor or decompressor state outlives a message, so they come
// from pools, are held only while one message is compressed or inflated,
// and a connection, idle or parked, holds none. The price is the ratio: a
// message cannot refer to the ones before it.

// DeflateConfig turns permessage-deflate on for Upgrade: it is accepted
// when the client offers it compatibly, and then messages from the client
// may be compressed, and messages to it whose frame payload is at least
// Threshold bytes are (unless their packet has NoCompress).
type DeflateConfig struct {
	// Threshold is the smallest frame payload compressed, in bytes.
	Threshold int
	// Level is the compress/flate level: flate.HuffmanOnly,
	// flate.DefaultCompression, or 1 (BestSpeed) to 9 (BestCompression).
	// Others are taken as BestSpeed.
	Level int
}

// errDeflate reports a compressed message from the peer that does not
// inflate: the connection is closed with status 1007 (invalid payload
// data), as Node's ws library does.
var errDeflate = errors.New("transports: websocket message: invalid deflate data")

// deflateTail ends every compressed message: the 4 bytes of the sync flush
// the sender removed (RFC 7692 §7.2.2), then an empty final stored block,
// so that the decompressor ends the stream with io.EOF instead of waiting
// for more.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// inflater is a pooled decompressor with its input.
type inflater struct {
	r   io.ReadCloser // from flate.NewReader; a flate.Resetter
	src inflateSource
}

var inflaterPool sync.Pool

// inflateSource reads a message's compressed bytes, then deflateTail. It is
// an io.ByteReader, so flate reads it directly, without a bufio.Reader of
// its own.
type inflateSource struct {
	p    []byte
	tail int // bytes of deflateTail read
}

func (s *inflateSource) Read(b []byte) (int, error) {
	if len(s.p) > 0 {
		n := copy(b, s.p)
		s.p = s.p[n:]
		return n, nil
	}
	if s.tail == len(deflateTail) {
		return 0, io.EOF
	}
	n := copy(b, deflateTail[s.tail:])
	s.tail += n
	return n, nil
}

func (s *inflateSource) ReadByte() (byte, error) {
	if len(s.p) > 0 {
		c := s.p[0]
		s.p = s.p[1:]
		return c, nil
	}
	if s.tail == len(deflateTail) {
		return 0, io.EOF
	}
	s.tail++
	return deflateTail[s.tail-1], nil
}

// inflate decompresses a message (RFC 7692 §7.2.2) into a new slice. It
// refuses to produce more than limit bytes (0: no limit) with
// ErrMessageTooBig, found while inflating: a small message that would
// inflate to gigabytes costs at most about twice limit in allocations and
// the work of inflating limit bytes. Data that does not inflate gives
// errDeflate, unless what inflates before the fault is already over the
// limit.
func inflate(compressed []byte, limit int64) ([]byte, error) {
	in, _ := inflaterPool.Get().(*inflater)
	if in == nil {
		in = &inflater{}
		in.src = inflateSource{p: compressed}
		in.r = flate.NewReader(&in.src)
	} else {
		in.src = inflateSource{p: compressed}
		if err := in.r.(flate.Resetter).Reset(&in.src, nil); err != nil {
			return nil, errDeflate
		}
	}
	defer func() {
		in.src = inflateSource{} // do not keep the message
		inflaterPool.Put(in)
	}()
	// Text compresses about fourfold; the buffer doubles from there, but
	// never past limit+1 bytes, which is enough to tell a message over
	// the limit.
	size := int64(4*len(compressed) + 64)
	if limit > 0 {
		size = min(size, limit+1)
	}
	out := make([]byte, 0, size)
	for {
		if len(out) == cap(out) {
			if limit > 0 && int64(len(out)) > limit {
				return nil, ErrMessageTooBig
			}
			grow := int64(cap(out))
			if limit > 0 {
				grow = min(grow, limit+1-int64(len(out)))
			}
			out = append(out, make([]byte, grow)...)[:len(out)]
		}
		n, err := in.r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		// Too big wins over data found corrupt further on, however
		// the output was cut into reads.
		if limit > 0 && int64(len(out)) > limit {
			return nil, ErrMessageTooBig
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, errDeflate
		}
	}
}

// deflater is a pooled compressor writing to the end of a slice.
type deflater struct {
	w   *flate.Writer
	dst []byte
}

func (d *deflater) Write(p []byte) (int, error) {
	d.dst = append(d.dst, p...)
	return len(p), nil
}

// deflaterPools hold compressors by level (index level+2, from
// flate.HuffmanOnly to flate.BestCompression). A compress/flate Writer
// weighs over 640 KiB whatever its level (1.2 MiB at BestSpeed), so there
// are only as many as goroutines compressing at the same moment.
var deflaterPools [flate.BestCompression + 3]sync.Pool

// appendDeflated appends the compressed form of prefix followed by data to
// dst, as a permessage-deflate message payload: one deflate stream,
// sync-flushed, without the flush's final 00 00 ff ff (RFC 7692 §7.2.1).
func appendDeflated(dst []byte, level int, prefix, data []byte) []byte {
	if level < flate.HuffmanOnly || level > flate.BestCompression || level == flate.NoCompression {
		level = flate.BestSpeed
	}
	pool := &deflaterPools[level+2]
	d, _ := pool.Get().(*deflater)
	if d == nil {
		d = &deflater{}
		d.w, _ = flate.NewWriter(d, level) // the level is valid
	} else {
		d.w.Reset(d)
	}
	d.dst = dst
	// Writes to d cannot fail.
	_, _ = d.w.Write(prefix)
	_, _ = d.w.Write(data)
	_ = d.w.Flush()
	out := d.dst
	d.dst = nil
	pool.Put(d)
	deflatestat.Compressions.Add(1)
	return out[:len(out)-4]
}

// Frame forms of a packet, the slots of its codec.Memo: the compressed
// payload differs with the framing.
const (
	formText     = iota // '0'+type then Data; v3 and v4 alike
	formBinary          // v4 binary: Data
	formBinaryV3        // v3 binary: a type byte then Data
	formBase64V3        // v3 binary as text: "b4" and base64
)

// The type byte before a packet's data, as digits (text frames) and raw
// (v3 binary frames); read-only.
var (
	typeDigits = []byte("0123456")
	typeBytes  = []byte{0, 1, 2, 3, 4, 5, 6}
)

// deflateWanted reports whether p goes out compressed on this connection.
func (ws *WebSocket) deflateWanted(p codec.Packet) bool {
	return ws.deflate != nil && !p.NoCompress && ws.payloadLen(p) >= ws.deflate.Threshold
}

// appendDeflatedFrame appends p as one compressed frame (RSV1 set). A
// packet with a Memo is compressed by the first connection that writes
// it; the others copy the result.
func (ws *WebSocket) appendDeflatedFrame(buf []byte, p codec.Packet) []byte {
	form, op := formText, byte(opText)
	var prefix []byte
	data := p.Data
	switch {
	case ws.v3 && p.Binary && ws.b64:
		form, data = formBase64V3, nil
	case ws.v3 && p.Binary:
		form, op = formBinaryV3, opBinary
		prefix = typeBytes[codec.PacketMessage : codec.PacketMessage+1]
	case p.Binary:
		form, op = formBinary, opBinary
	default:
		prefix = typeDigits[p.Type : p.Type+1]
	}
	compress := func(dst []byte) []byte {
		if form == formBase64V3 {
			return appendDeflated(dst, ws.deflate.Level, nil, wire.AppendPacketV3(nil, p))
		}
		return appendDeflated(dst, ws.deflate.Level, prefix, data)
	}
	if p.Memo != nil {
		c := p.Memo.Do(form, func() []byte { return compress(nil) })
		buf = appendHeader(buf, 0x80|0x40|op, len(c))
		return append(buf, c...)
	}
	// Compressed in place after room for the longest header, then the
	// payload is moved back behind the header it turns out to need.
	start := len(buf)
	buf = compress(append(buf, make([]byte, maxFrameHeader)...))
	n := len(buf) - start - maxFrameHeader
	h := appendHeader(buf[start:start], 0x80|0x40|op, n)
	copy(buf[start+len(h):], buf[start+maxFrameHeader:])
	return buf[:start+len(h)+n]
}
