//go:build linux

package main

import (
	"fmt"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/session"
)

// wireFlags are the wire options of issue 13 as the command line gives
// them (bench/node/server.js takes the same ones):
//
//	-parser json|msgpack      the Socket.IO parser
//	-deflate                  permessage-deflate on the WebSocket transport
//	                          (threshold 1024 bytes, no context takeover)
//	-http-compression on|off  gzip/deflate of long-polling responses
//	                          (threshold 1024 bytes; on is the default)
type wireFlags struct {
	parser          string
	deflate         bool
	httpCompression string
}

// wireOptions turns the flags into the options of the Socket.IO server
// (sio) and of the Engine.IO echo server of the polling scenario (eio).
// Nil options are the defaults.
//
// TODO(issue 13): this build has no msgpack parser, permessage-deflate or
// switch for HTTP compression, so those flags are refused: "option X not
// available in this build" (the harness reports such a server as not
// available instead of failed; bench/cmd/run looks for that text). Once
// the options are merged, set them here:
//
//   - parser msgpack: sio.Parser = <the msgpack codec.Parser>
//
// and drop the errors; nothing else in bench/server needs to change.
func wireOptions(f wireFlags) (sio *socketio.Options, eio *session.Options, err error) {
	sio, eio = &socketio.Options{}, &session.Options{}
	switch f.parser {
	case "", "json":
	case "msgpack":
		return nil, nil, unavailable("-parser msgpack")
	default:
		return nil, nil, fmt.Errorf("-parser must be json or msgpack, not %q", f.parser)
	}
	if f.deflate {
		// Our defaults: threshold 1024 as Node's, level flate.BestSpeed
		// (Node's ws compresses at zlib's level 6).
		sio.Options.PerMessageDeflate = &session.Deflate{}
		eio.PerMessageDeflate = &session.Deflate{}
	}
	switch f.httpCompression {
	case "", "on":
		// The default: long-polling responses of 1024 bytes and more are
		// compressed when the request accepts gzip or deflate.
	case "off":
		sio.Options.HTTPCompression.Disable = true
		eio.HTTPCompression.Disable = true
	default:
		return nil, nil, fmt.Errorf("-http-compression must be on or off, not %q", f.httpCompression)
	}
	return sio, eio, nil
}

func unavailable(option string) error {
	return fmt.Errorf("option %s not available in this build", option)
}
