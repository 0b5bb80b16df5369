// Package eiotest is a minimal raw Engine.IO v4 client for tests. It speaks
// the wire protocol directly — long-polling over an http.Client, WebSocket
// over gorilla/websocket — with its own small encoder and decoder, so that
// tests check the server against an encoding independent of the server's
// codec package.
//
// Three layers:
//
//   - Packet, EncodePayload and DecodePayload: the wire encodings.
//   - Polling and WebSocket: one request or one frame at a time, for tests
//     that need to control (or break) every step.
//   - Client: a session in mode "polling", "websocket" or "upgrade", with
//     background readers, automatic pongs and a step-by-step upgrade, for
//     behaviour tests that must run the same way over every transport.
//
// Nothing here is safe for production use; errors are plain and timeouts
// are the caller's business.
package eiotest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Engine.IO v4 packet types.
const (
	Open    = 0
	Close   = 1
	Ping    = 2
	Pong    = 3
	Message = 4
	Upgrade = 5
	Noop    = 6
)

// RecordSeparator joins the packets of a polling payload.
const RecordSeparator = 0x1e

// Packet is one Engine.IO packet. Data excludes the type digit; a binary
// message has Binary set and Data holds the raw bytes.
type Packet struct {
	Type   int
	Data   []byte
	Binary bool
}

// Text returns a text packet of the given type.
func Text(typ int, data string) Packet { return Packet{Type: typ, Data: []byte(data)} }

// Msg returns a text message packet.
func Msg(s string) Packet { return Packet{Type: Message, Data: []byte(s)} }

// Bin returns a binary message packet.
func Bin(b []byte) Packet { return Packet{Type: Message, Data: b, Binary: true} }

// Encode returns the text form of p: the type digit and the data, or 'b'
// and the standard base64 of the data for a binary message.
func (p Packet) Encode() []byte {
	if p.Binary {
		return append([]byte{'b'}, base64.StdEncoding.EncodeToString(p.Data)...)
	}
	return append([]byte{byte('0' + p.Type)}, p.Data...)
}

// String is the text form, for test messages and comparisons.
func (p Packet) String() string { return string(p.Encode()) }

// Equal reports whether p and q are the same packet.
func (p Packet) Equal(q Packet) bool {
	return p.Type == q.Type && p.Binary == q.Binary && bytes.Equal(p.Data, q.Data)
}

// ErrBadPacket is wrapped by the decoding errors.
var ErrBadPacket = errors.New("eiotest: malformed packet")

// DecodePacket decodes the text form of one packet.
func DecodePacket(b []byte) (Packet, error) {
	if len(b) == 0 {
		return Packet{}, fmt.Errorf("%w: empty", ErrBadPacket)
	}
	if b[0] == 'b' {
		data, err := base64.StdEncoding.DecodeString(string(b[1:]))
		if err != nil {
			return Packet{}, fmt.Errorf("%w: %q: %v", ErrBadPacket, b, err)
		}
		return Bin(data), nil
	}
	if b[0] < '0' || b[0] > '6' {
		return Packet{}, fmt.Errorf("%w: unknown type in %q", ErrBadPacket, b)
	}
	return Packet{Type: int(b[0] - '0'), Data: append([]byte(nil), b[1:]...)}, nil
}

// EncodePayload joins the text forms of pkts with the record separator.
func EncodePayload(pkts ...Packet) []byte {
	var out []byte
	for i, p := range pkts {
		if i > 0 {
			out = append(out, RecordSeparator)
		}
		out = append(out, p.Encode()...)
	}
	return out
}

// DecodePayload splits a polling payload into packets.
func DecodePayload(b []byte) ([]Packet, error) {
	var pkts []Packet
	for _, seg := range bytes.Split(b, []byte{RecordSeparator}) {
		p, err := DecodePacket(seg)
		if err != nil {
			return pkts, err
		}
		pkts = append(pkts, p)
	}
	return pkts, nil
}

// Handshake is the JSON of the open packet.
type Handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload"`
}

// ParseOpen decodes an open packet, checking that every field is present.
func ParseOpen(p Packet) (Handshake, error) {
	return parseOpen(p, false)
}

// ParseOpenV3 decodes a protocol 3 open packet: sid, upgrades,
// pingInterval and pingTimeout, and no maxPayload.
func ParseOpenV3(p Packet) (Handshake, error) {
	return parseOpen(p, true)
}

func parseOpen(p Packet, v3 bool) (Handshake, error) {
	var h Handshake
	if p.Type != Open || p.Binary {
		return h, fmt.Errorf("eiotest: want an open packet, got %q", p)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(p.Data, &raw); err != nil {
		return h, fmt.Errorf("eiotest: open packet %q: %v", p, err)
	}
	keys := []string{"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}
	if v3 {
		if _, ok := raw["maxPayload"]; ok {
			return h, fmt.Errorf("eiotest: v3 open packet %q has a maxPayload", p)
		}
		keys = keys[:4]
	}
	for _, k := range keys {
		if _, ok := raw[k]; !ok {
			return h, fmt.Errorf("eiotest: open packet %q has no %q", p, k)
		}
	}
	if string(raw["upgrades"]) == "null" {
		return h, fmt.Errorf("eiotest: open packet %q: upgrades is null, want an array", p)
	}
	if err := json.Unmarshal(p.Data, &h); err != nil {
		return h, fmt.Errorf("eiotest: open packet %q: %v", p, err)
	}
	if h.SID == "" {
		return h, fmt.Errorf("eiotest: open packet %q: empty sid", p)
	}
	return h, nil
}

// ErrorBody is the JSON body of a refused request.
type ErrorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e ErrorBody) String() string {
	return `{"code":` + strconv.Itoa(e.Code) + `,"message":` + strconv.Quote(e.Message) + `}`
}
