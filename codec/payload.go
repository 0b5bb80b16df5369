package codec

import "bytes"

// recordSeparator joins the packets of an Engine.IO v4 polling payload.
const recordSeparator = 0x1e

// AppendPayload appends the polling payload of pkts to dst: the text form
// of each packet, separated by the record separator (0x1e). Binary
// messages are base64 encoded, as polling requires.
func AppendPayload(dst []byte, pkts []Packet) []byte {
	for i, p := range pkts {
		if i > 0 {
			dst = append(dst, recordSeparator)
		}
		dst = AppendPacket(dst, p)
	}
	return dst
}

// PayloadLen is the length of AppendPayload's output for pkts.
func PayloadLen(pkts []Packet) int {
	n := 0
	for i, p := range pkts {
		if i > 0 {
			n++
		}
		n += EncodedLen(p)
	}
	return n
}

// DecodePayload decodes a polling payload and calls fn for each packet in
// order. It stops at the first malformed packet and returns its error, or
// at the first error fn returns. Packets decoded before a malformed one
// have already been passed to fn, as in the reference parser.
//
// An empty body is not a valid payload. Text packet Data aliases b.
func DecodePayload(b []byte, fn func(Packet) error) error {
	for {
		seg := b
		i := bytes.IndexByte(b, recordSeparator)
		if i >= 0 {
			seg, b = b[:i], b[i+1:]
		}
		p, err := DecodePacket(seg)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		if i < 0 {
			return nil
		}
	}
}
