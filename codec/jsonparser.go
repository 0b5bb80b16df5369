package codec

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
)

// JSONParser is the default Socket.IO parser, wire-compatible with the
// reference socket.io-parser:
//
//	<type>[<#attachments>-][<nsp>,][<ack id>][<JSON payload>]
//
// followed, for BINARY_EVENT and BINARY_ACK, by one binary Engine.IO
// message per attachment, referenced from the JSON by
// {"_placeholder":true,"num":<i>}.
type JSONParser struct{}

var _ Parser = JSONParser{}

// Encode implements Parser.
func (JSONParser) Encode(dst []Packet, p *SocketPacket) ([]Packet, error) {
	var atts [][]byte
	data := p.Data
	if data != nil && mayHoldBinary(data) {
		data, atts = deconstruct(data)
	}
	typ := p.Type
	if len(atts) > 0 {
		switch typ {
		case Event:
			typ = BinaryEvent
		case Ack:
			typ = BinaryAck
		}
	}
	buf := make([]byte, 0, 64)
	buf = append(buf, '0'+byte(typ))
	if typ == BinaryEvent || typ == BinaryAck {
		buf = strconv.AppendInt(buf, int64(len(atts)), 10)
		buf = append(buf, '-')
	}
	if p.Nsp != "" && p.Nsp != "/" {
		buf = append(buf, p.Nsp...)
		buf = append(buf, ',')
	}
	if p.HasID {
		buf = strconv.AppendUint(buf, p.ID, 10)
	}
	if data != nil {
		var err error
		if buf, err = appendJSON(buf, data); err != nil {
			return dst, err
		}
	}
	dst = append(dst, Packet{Type: PacketMessage, Data: buf})
	for _, a := range atts {
		dst = append(dst, Packet{Type: PacketMessage, Data: a, Binary: true})
	}
	return dst, nil
}

// appendJSON appends v as JSON the way JSON.stringify writes it: no HTML
// escaping and no trailing newline.
func appendJSON(dst []byte, v any) ([]byte, error) {
	if out, ok := appendSimpleJSON(dst, v); ok {
		return out, nil
	}
	w := bytes.NewBuffer(dst)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	out := w.Bytes()
	return out[:len(out)-1], nil
}

// appendSimpleJSON encodes the usual event and ack arguments (arrays of
// plain ASCII strings, integers, booleans and null) without encoding/json
// and its encoder allocations, byte for byte as encoding/json would; ok
// is false for anything else, leaving dst as it was.
func appendSimpleJSON(dst []byte, v any) (out []byte, ok bool) {
	start := len(dst)
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case bool:
		return strconv.AppendBool(dst, x), true
	case int:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int64:
		return strconv.AppendInt(dst, x, 10), true
	case string:
		for i := 0; i < len(x); i++ {
			// encoding/json escapes <, > and & only with HTML escaping on.
			if c := x[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
				return dst, false
			}
		}
		dst = append(dst, '"')
		dst = append(dst, x...)
		return append(dst, '"'), true
	case []any:
		if x == nil {
			return append(dst, "null"...), true
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, ok = appendSimpleJSON(dst, e); !ok {
				return dst[:start], false
			}
		}
		return append(dst, ']'), true
	}
	return dst, false
}

// NewDecoder implements Parser.
func (JSONParser) NewDecoder(limits DecoderLimits) Decoder {
	if limits.MaxAttachments <= 0 {
		limits.MaxAttachments = 10
	}
	return &jsonDecoder{maxAttachments: limits.MaxAttachments}
}

type jsonDecoder struct {
	maxAttachments int
	pending        *SocketPacket // a binary packet waiting for attachments
	want           int
}

// recycled holds the memory of packets given back by Recycle, for any
// connection's next text packet. A pool, not a spare per decoder: an
// idle connection then holds none, and the collector empties the pool
// when nobody takes from it.
var recycled sync.Pool

// Recycle implements Recycler: p's memory goes to the next text packet
// decoded, on any connection. Only a text EVENT or ACK that Add returned
// is taken; anything else is left alone.
func (d *jsonDecoder) Recycle(p *SocketPacket) {
	if p == nil || (p.Type != Event && p.Type != Ack) {
		return
	}
	a, ok := p.Args.(*jsonArgs)
	if !ok || a.in == nil || &a.in.pkt != p {
		return // not decoded into a decodedPacket
	}
	dp := a.in
	*dp = decodedPacket{} // lets go of the message now (and of a.in)
	recycled.Put(dp)
}

func (d *jsonDecoder) Add(msg Packet) (*SocketPacket, error) {
	if msg.Binary {
		if d.pending == nil {
			return nil, socketErr("unexpected binary attachment")
		}
		d.pending.Attachments = append(d.pending.Attachments, msg.Data)
		if len(d.pending.Attachments) < d.want {
			return nil, nil
		}
		p := d.pending
		d.pending = nil
		a := p.Args.(*jsonArgs)
		if err := checkPlaceholders(a.raw, len(p.Attachments)); err != nil {
			return nil, err
		}
		a.atts = p.Attachments
		return p, nil
	}
	if d.pending != nil {
		return nil, socketErr("text packet while expecting attachments")
	}
	p, n, err := decodeJSONPacket(msg.Data, d.maxAttachments)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		d.pending, d.want = p, n
		p.Attachments = make([][]byte, 0, n)
		return nil, nil
	}
	return p, nil
}

// decodeJSONPacket decodes the text part of a packet and returns the
// number of attachments it announces.
func decodeJSONPacket(b []byte, maxAttachments int) (*SocketPacket, int, error) {
	if len(b) == 0 {
		return nil, 0, socketErr("empty packet")
	}
	if b[0] < '0' || b[0] > '6' {
		return nil, 0, socketErr("unknown packet type")
	}
	// One allocation for the packet, its arguments and the first few
	// argument slices (see decodedPacket), or none for a recycled one.
	dp, _ := recycled.Get().(*decodedPacket)
	if dp == nil {
		dp = new(decodedPacket)
	}
	p := &dp.pkt
	p.Type, p.Nsp = SocketPacketType(b[0]-'0'), "/"
	i := 1
	n := 0
	if p.Type == BinaryEvent || p.Type == BinaryAck {
		start := i
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		if i == start || i >= len(b) || b[i] != '-' || i-start > 4 {
			return nil, 0, socketErr("illegal attachments")
		}
		n, _ = strconv.Atoi(string(b[start:i]))
		if n < 1 {
			// A binary packet without attachments is no binary packet:
			// socket.io-parser 4.2.7 refuses it too ("Illegal
			// attachments").
			return nil, 0, socketErr("illegal attachments")
		}
		if n > maxAttachments {
			return nil, 0, socketErr("too many attachments")
		}
		i++
	}
	if i < len(b) && b[i] == '/' {
		end := bytes.IndexByte(b[i:], ',')
		if end < 0 {
			p.Nsp = string(b[i:])
			i = len(b)
		} else {
			p.Nsp = string(b[i : i+end])
			i += end + 1
		}
	}
	if start := i; i < len(b) && isDigit(b[i]) {
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		if i-start > 15 { // the reference ids are JS numbers: keep them exact
			return nil, 0, socketErr("invalid ack id")
		}
		p.ID, _ = strconv.ParseUint(string(b[start:i]), 10, 64)
		p.HasID = true
	}
	if err := p.setPayload(b[i:], dp); err != nil {
		return nil, 0, err
	}
	if n > 0 {
		// Attachments complete the arguments later.
		return p, n, nil
	}
	return p, 0, nil
}

// setPayload validates the JSON payload for the packet type, as the
// reference parser's isPayloadValid does, and fills Event and Args.
//
// dp, when not nil, holds p and provides the storage of its arguments.
func (p *SocketPacket) setPayload(payload []byte, dp *decodedPacket) error {
	first := firstByte(payload)
	switch p.Type {
	case Connect:
		if first == 0 {
			p.Args = &jsonArgs{}
			return nil
		}
		if first != '{' || !json.Valid(payload) {
			return socketErr("invalid CONNECT payload")
		}
		p.Args = &jsonArgs{raw: []json.RawMessage{payload}}
		return nil
	case Disconnect:
		if first != 0 {
			return socketErr("invalid DISCONNECT payload")
		}
		return nil
	case ConnectError:
		if (first != '{' && first != '"') || !json.Valid(payload) {
			return socketErr("invalid CONNECT_ERROR payload")
		}
		p.Args = &jsonArgs{raw: []json.RawMessage{payload}}
		return nil
	}
	// EVENT, ACK and their binary forms carry an array.
	if first != '[' {
		return socketErr("invalid " + p.Type.String() + " payload")
	}
	var args *jsonArgs
	var out []json.RawMessage
	if dp != nil {
		args = &dp.args
		args.in = dp
		out = dp.elems[:0]
	} else {
		args = new(jsonArgs)
		out = make([]json.RawMessage, 0, 4)
	}
	raw, ok, deep := scanArray(out, payload)
	if deep {
		// Nested deeper than scanArray follows: encoding/json decides
		// (with its own nesting limit).
		if !json.Valid(payload) {
			return socketErr("invalid " + p.Type.String() + " payload")
		}
		raw, ok = splitArrayInto(out, payload), true
	}
	if !ok {
		return socketErr("invalid " + p.Type.String() + " payload")
	}
	if p.Type == Event || p.Type == BinaryEvent {
		if len(raw) == 0 {
			return socketErr("empty EVENT payload")
		}
		name, err := eventName(raw[0])
		if err != nil {
			return err
		}
		p.Event = name
		raw = raw[1:]
	}
	args.raw = raw
	p.Args = args
	return nil
}

// decodedPacket is a decoded EVENT or ACK with its arguments, allocated
// together: a small event costs one allocation here instead of three
// (packet, arguments, element list). elems backs the element list of an
// array of up to len(elems) elements, the event name included.
type decodedPacket struct {
	pkt   SocketPacket
	args  jsonArgs
	elems [4]json.RawMessage
}

// eventName reads the first element of an EVENT array: a string that is
// not reserved, or a number (which the reference accepts).
func eventName(raw json.RawMessage) (string, error) {
	switch firstByte(raw) {
	case '"':
		body, ok := plainBody(raw)
		name := ""
		if ok {
			name = internName(body)
		} else {
			// A variable of its own: Unmarshal moves it to the heap, and
			// name would cost every event that allocation.
			var escaped string
			if err := json.Unmarshal(raw, &escaped); err != nil {
				return "", socketErr("invalid event name")
			}
			name = escaped
		}
		if IsReservedEvent(name) {
			return "", socketErr("reserved event name")
		}
		return name, nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(bytes.TrimSpace(raw)), nil
	}
	return "", socketErr("invalid event name")
}

func firstByte(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// splitArrayInto appends the elements of a JSON array to out, as slices
// of b (no copy: the decoder owns the message). b must be valid JSON
// (json.Valid) starting with '[' after optional whitespace: then a
// top-level comma or the closing bracket is found by tracking only depth
// and strings. It serves payloads nested deeper than scanArray follows
// (jsonscan.go), which checks and splits the others in one pass.
func splitArrayInto(out []json.RawMessage, b []byte) []json.RawMessage {
	i := bytes.IndexByte(b, '[') + 1
	for {
		i = skipSpace(b, i)
		if b[i] == ']' {
			return out // empty array (a trailing comma is not valid JSON)
		}
		start, depth := i, 0
	value:
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				for i++; b[i] != '"'; i++ {
					if b[i] == '\\' {
						i++
					}
				}
			case '[', '{':
				depth++
			case ']', '}':
				if depth == 0 {
					break value
				}
				depth--
			case ',':
				if depth == 0 {
					break value
				}
			}
		}
		end := i
		for end > start && isSpace(b[end-1]) {
			end--
		}
		out = append(out, json.RawMessage(b[start:end:end]))
		if b[i] == ']' {
			return out
		}
		i++ // the comma
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// plainString returns the contents of a JSON string literal that needs no
// unescaping (printable ASCII, no backslash), the common case of event
// names and short arguments; ok is false otherwise.
func plainString(raw []byte) (string, bool) {
	body, ok := plainBody(raw)
	if !ok {
		return "", false
	}
	return string(body), true
}

// plainBody is plainString without the copy: the literal's contents, a
// slice of raw.
func plainBody(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return nil, false
		}
	}
	return body, true
}
