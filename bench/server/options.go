//go:build linux

package main

import (
	"fmt"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/msgpack"
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
// bench/server is a module of its own so that it can use the msgpack
// parser (a module of its own too); bench/cmd/run builds it with -C.
func wireOptions(f wireFlags) (sio *socketio.Options, eio *session.Options, err error) {
	sio, eio = &socketio.Options{}, &session.Options{}
	switch f.parser {
	case "", "json":
	case "msgpack":
		sio.Parser = msgpack.Parser{}
	default:
		return nil, nil, fmt.Errorf("-parser must be json or msgpack, not %q", f.parser)
	}
	if f.deflate {
		// Our defaults: threshold 1024 as Node's, level flate.BestSpeed
		// (Node's ws compresses at zlib's level 6).
		sio.Engine.PerMessageDeflate = &session.Deflate{}
		eio.PerMessageDeflate = &session.Deflate{}
	}
	switch f.httpCompression {
	case "", "on":
		// The default: long-polling responses of 1024 bytes and more are
		// compressed when the request accepts gzip or deflate.
	case "off":
		sio.Engine.HTTPCompression.Disable = true
		eio.HTTPCompression.Disable = true
	default:
		return nil, nil, fmt.Errorf("-http-compression must be on or off, not %q", f.httpCompression)
	}
	return sio, eio, nil
}
