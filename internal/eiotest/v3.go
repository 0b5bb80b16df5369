package eiotest

// Engine.IO protocol 3, as socket.io-client 2.x speaks it, written here
// independently of the server's codec: length-prefixed polling payloads
// (lengths in UTF-16 code units), binary payloads, JSONP, and binary
// WebSocket frames with a leading type byte.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// V3 selects Engine.IO protocol 3 (Config.V3, Polling.V3, WebSocket.V3)
// and how the client frames binary data.
type V3 struct {
	// B64: the client takes no binary (the b64 query parameter): binary
	// messages travel as "b4<base64>" text, as socket.io-client 2.x in
	// Node.js does (its XHR has no binary support).
	B64 bool
	// JSONP polls with <script> semantics (j query parameter, responses
	// ___eio[j]("...");) and sends form posts (d=...).
	JSONP bool
}

// URLV3 is URL for protocol 3: EIO=3, and on a handshake b64 and j as v3
// asks.
func URLV3(base, transport, sid string, v3 *V3) string {
	q := url.Values{"EIO": {"3"}, "transport": {transport}}
	if sid != "" {
		q.Set("sid", sid)
	}
	if v3.B64 && (sid == "" || transport == "websocket") {
		q.Set("b64", "1")
	}
	if v3.JSONP && transport == "polling" {
		q.Set("j", "0")
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + q.Encode()
}

func jsLen(s []byte) int { return len(utf16.Encode([]rune(string(s)))) }

// EncodeV3 is the v3 text form of p: "b4<base64>" for a binary message.
func (p Packet) EncodeV3() []byte {
	if p.Binary {
		return append([]byte("b4"), base64.StdEncoding.EncodeToString(p.Data)...)
	}
	return p.Encode()
}

// DecodePacketV3 decodes the v3 text form of one packet.
func DecodePacketV3(b []byte) (Packet, error) {
	if len(b) >= 2 && b[0] == 'b' && b[1] == '4' {
		data, err := base64.StdEncoding.DecodeString(string(b[2:]))
		if err != nil {
			return Packet{}, fmt.Errorf("%w: %q: %v", ErrBadPacket, b, err)
		}
		return Bin(data), nil
	}
	if len(b) > 0 && b[0] == 'b' {
		return Packet{}, fmt.Errorf("%w: %q", ErrBadPacket, b)
	}
	return DecodePacket(b)
}

// EncodePayloadV3 is the v3 text payload of pkts: "<length>:<packet>".
func EncodePayloadV3(pkts ...Packet) []byte {
	var out []byte
	for _, p := range pkts {
		enc := p.EncodeV3()
		out = append(out, strconv.Itoa(jsLen(enc))+":"...)
		out = append(out, enc...)
	}
	return out
}

// DecodePayloadV3 decodes a v3 text payload.
func DecodePayloadV3(b []byte) ([]Packet, error) {
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("%w: payload is not UTF-8", ErrBadPacket)
	}
	units := utf16.Encode([]rune(string(b)))
	var pkts []Packet
	for len(units) > 0 {
		i := 0
		for i < len(units) && units[i] != ':' {
			i++
		}
		n, err := strconv.Atoi(string(utf16.Decode(units[:i])))
		if err != nil || i == len(units) || n > len(units)-i-1 {
			return pkts, fmt.Errorf("%w: bad length in v3 payload %q", ErrBadPacket, b)
		}
		msg := []byte(string(utf16.Decode(units[i+1 : i+1+n])))
		units = units[i+1+n:]
		if n == 0 {
			continue
		}
		p, err := DecodePacketV3(msg)
		if err != nil {
			return pkts, err
		}
		pkts = append(pkts, p)
	}
	return pkts, nil
}

// EncodeBinaryPayloadV3 is the v3 binary payload of pkts (what a browser
// with XHR2 posts when a packet is binary).
func EncodeBinaryPayloadV3(pkts ...Packet) []byte {
	var out []byte
	for _, p := range pkts {
		var enc []byte
		kind := byte(0)
		if p.Binary {
			kind, enc = 1, append([]byte{Message}, p.Data...)
		} else {
			enc = p.Encode()
		}
		out = append(out, kind)
		for _, d := range strconv.Itoa(len(enc)) {
			out = append(out, byte(d-'0'))
		}
		out = append(out, 0xff)
		out = append(out, enc...)
	}
	return out
}

// DecodeBinaryPayloadV3 decodes a v3 binary payload.
func DecodeBinaryPayloadV3(b []byte) ([]Packet, error) {
	var pkts []Packet
	for len(b) > 0 {
		kind := b[0]
		i := bytes.IndexByte(b, 0xff)
		if i < 2 || kind > 1 {
			return pkts, fmt.Errorf("%w: bad binary payload % x", ErrBadPacket, b)
		}
		n := 0
		for _, d := range b[1:i] {
			n = n*10 + int(d)
		}
		b = b[i+1:]
		if n > len(b) || n == 0 {
			return pkts, fmt.Errorf("%w: bad binary payload length %d", ErrBadPacket, n)
		}
		part := b[:n]
		b = b[n:]
		if kind == 1 {
			if part[0] != Message {
				return pkts, fmt.Errorf("%w: binary part of type %d", ErrBadPacket, part[0])
			}
			pkts = append(pkts, Bin(append([]byte(nil), part[1:]...)))
			continue
		}
		p, err := DecodePacketV3(part)
		if err != nil {
			return pkts, err
		}
		pkts = append(pkts, p)
	}
	return pkts, nil
}

var jsonpScript = regexp.MustCompile(`^___eio\[(\d*)\]\((".*")\);$`)

// DecodeJSONP extracts the payload of a JSONP poll's script.
func DecodeJSONP(body []byte) ([]byte, error) {
	m := jsonpScript.FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("%w: not a JSONP script: %q", ErrBadPacket, body)
	}
	var s string
	if err := json.Unmarshal(m[2], &s); err != nil {
		return nil, fmt.Errorf("%w: JSONP string %q: %v", ErrBadPacket, m[2], err)
	}
	return []byte(s), nil
}

// EncodeJSONPForm is the body engine.io-client 3.x's JSONP transport
// posts: the payload with newlines escaped (a backslash-n first becomes a
// backslash and a newline, then each newline becomes backslash-n),
// form-encoded as field d.
func EncodeJSONPForm(payload []byte) []byte {
	s := strings.ReplaceAll(string(payload), `\n`, "\\\n")
	s = strings.ReplaceAll(s, "\n", `\n`)
	return []byte(url.Values{"d": {s}}.Encode())
}

// decodePollV3 decodes a v3 poll response of any framing.
func decodePollV3(r *Response, v3 *V3) ([]Packet, error) {
	switch {
	case v3.JSONP:
		payload, err := DecodeJSONP(r.Body)
		if err != nil {
			return nil, err
		}
		return DecodePayloadV3(payload)
	case r.Header.Get("Content-Type") == "application/octet-stream":
		return DecodeBinaryPayloadV3(r.Body)
	}
	return DecodePayloadV3(r.Body)
}

// encodePostV3 is the body and content type of a v3 POST of pkts.
func encodePostV3(v3 *V3, pkts []Packet) ([]byte, string) {
	switch {
	case v3.JSONP:
		return EncodeJSONPForm(EncodePayloadV3(pkts...)), "application/x-www-form-urlencoded"
	case !v3.B64 && hasBinary(pkts):
		return EncodeBinaryPayloadV3(pkts...), "application/octet-stream"
	}
	return EncodePayloadV3(pkts...), "text/plain;charset=UTF-8"
}

func hasBinary(pkts []Packet) bool {
	for _, p := range pkts {
		if p.Binary {
			return true
		}
	}
	return false
}
