// Package wire holds the encodings the server speaks for older clients,
// beside the Engine.IO v4 and Socket.IO ones of package codec: Engine.IO
// protocol 3 (socket.io-client 2.x: its packets, text and binary polling
// payloads, and JSONP polling), the Socket.IO 0.6 framing, and the
// JavaScript string semantics they share (lengths in UTF-16 code units,
// ill-formed UTF-8 replaced as a JS string would hold it).
//
// They are internal: the session, transports and legacy packages use them
// for Options.AllowEIO3 and the 0.6 server; users and parsers need none.
//
// As in codec, everything here is a pure function over bytes: no I/O, no
// goroutines, no shared state. Decoders never panic on any input (they are
// fuzzed); Engine.IO decoding errors wrap codec.ErrInvalidPacket.
package wire

import "github.com/gosio/socketio/codec"

var (
	errEmptyPacket   = wrap("empty packet")
	errUnknownType   = wrap("unknown packet type")
	errInvalidBase64 = wrap("invalid base64 in binary packet")
)

type packetError struct{ msg string }

func (e *packetError) Error() string { return "engine.io: invalid packet: " + e.msg }
func (e *packetError) Unwrap() error { return codec.ErrInvalidPacket }

func wrap(msg string) error { return &packetError{msg} }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
