package msgpack_test

import (
	"fmt"
	"net/http"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/msgpack"
)

// A server whose clients use socket.io-msgpack-parser. Handlers are the
// same as with the JSON parser; []byte arguments travel as msgpack bin.
func Example() {
	io := socketio.NewServer(&socketio.Options{Parser: msgpack.Parser{}})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("upload", func(name string, data []byte, ack socketio.AckFunc) {
			if ack != nil {
				_ = ack(len(data))
			}
		})
	})
	http.Handle("/socket.io/", io)
}

// The packet of socket.io-msgpack-parser's README example, as this parser
// writes it.
func ExampleParser_Encode() {
	pkts, err := msgpack.Parser{}.Encode(nil, &codec.SocketPacket{Type: codec.Event, Nsp: "/", Data: []any{"hello", "you"}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("binary=%v % x\n", pkts[0].Binary, pkts[0].Data)
	// Output: binary=true 83 a4 74 79 70 65 02 a3 6e 73 70 a1 2f a4 64 61 74 61 92 a5 68 65 6c 6c 6f a3 79 6f 75
}
