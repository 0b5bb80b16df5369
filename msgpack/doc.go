// Package msgpack is a Socket.IO parser wire-compatible with the npm
// package socket.io-msgpack-parser 3.0.x, the msgpack alternative to the
// default JSON parser. Give it to the server, and the same parser to every
// client:
//
//	io := socketio.NewServer(&socketio.Options{Parser: msgpack.Parser{}})
//
//	// Node.js
//	const socket = io(url, { parser: require("socket.io-msgpack-parser") });
//	// browsers: socket.io-client's dist/socket.io.msgpack.min.js, which has it built in
//
// It is a module of its own (github.com/gosio/socketio/msgpack), so that
// the server module does not depend on a msgpack library.
//
// # Wire format
//
// Each Socket.IO packet is one binary Engine.IO message (a binary
// WebSocket frame; "b" and base64 in a polling payload) holding a msgpack
// map {type, nsp, data, id}: types 0 to 4 only (binary data is native
// msgpack bin, so there are no BINARY_EVENT or BINARY_ACK packets), nsp
// always present, data and id when the packet has them.
//
// # Encoding
//
// Emitted values are written as encoding/json would write them, so that a
// handler written for the JSON parser sends the same JavaScript values:
// json struct tags (omitempty, omitzero, string, "-", embedded structs),
// json.Marshaler (time.Time as its RFC 3339 string, for instance) and
// encoding.TextMarshaler, map keys sorted. json.RawMessage is sent as the
// JSON value it holds (an object as a msgpack map, key order kept), not as
// bytes. What msgpack changes: []byte is bin (a Buffer in Node.js, an
// ArrayBuffer in browsers), integral numbers are integers, other numbers
// float64, and NaN and ±Inf are sent as such where encoding/json fails.
//
// # Decoding
//
// Args.Decode into a typed target decodes as encoding/json would decode
// the JSON a JavaScript client would have sent with the default parser
// for the same value (field names and tags, case-insensitive field
// matching, json.Unmarshaler, numbers checked against the target type),
// with binary data given to []byte targets and dates as strings in
// Date.prototype.toJSON's form (so time.Time targets work); a
// json.RawMessage target gets that JSON, binary as base64 strings.
//
// An any target, and the elements of []any and map[string]any targets
// and of any-typed fields, get:
//
//	msgpack                                Go
//	nil, undefined (fixext 1 type 0)       nil
//	true, false                            bool
//	every integer and float                float64, as with the JSON parser
//	str                                    string (invalid UTF-8 → U+FFFD)
//	bin; ext type 0 (Node's ArrayBuffer)   []byte
//	array                                  []any
//	map                                    map[string]any (integer keys as decimal strings)
//	Date (fixext 8 type 0), timestamp      time.Time, UTC (nil beyond a JavaScript Date's range)
//	  (ext type -1)
//	any other extension                    []any{float64(type), []byte}, as notepack reads it
//
// A []byte shares the memory of the received message: keep it as long as
// you like (the message is not reused), but copy it before modifying it
// if the argument is decoded again.
//
// The decoder checks what the reference decoder checks (type 0 to 4, nsp
// a string, CONNECT data absent or a map, DISCONNECT data absent,
// CONNECT_ERROR data a string or a map, EVENT and ACK data an array, id
// absent or an integer) and more: nsp must start with "/" (as every
// client's does), the id must be between 0 and 2^53-1, an
// EVENT must have a string first element that is not a reserved event
// name (the JSON parser refuses those too), the message must be exactly one
// msgpack value, nested at most 1,000 deep, with map keys that are strings
// or integers. Every length is checked against the message before
// anything is allocated for it. A violation is an error wrapping
// codec.ErrInvalidSocketPacket, and the server closes that connection.
//
// # Concurrency
//
// Parser is stateless and safe for concurrent use; so are its decoders,
// which keep nothing between messages (msgpack packets have no
// attachments to wait for).
//
// # Performance
//
// tinylib/msgp's append and read functions write and read the bytes; the
// walk over Go values (encoding/json's rules) is this package's. The
// benchmarks that chose the library, and their figures, are in README.md.
package msgpack
