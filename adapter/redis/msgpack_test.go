package redis_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
	"github.com/gosio/socketio/msgpack"
)

// The adapter with the msgpack parser: a node re-encodes what another
// node broadcasts (decoded from Redis into generic values) with its own
// parser, and sends the answers of its clients' acks back in the
// adapter's own format, whatever the parser.
func TestMsgpackParserAcrossNodes(t *testing.T) {
	var key string
	nodes := clusterWith(t, 2, &key, func(o *socketio.Options) { o.Parser = msgpack.Parser{} }, func(_ int, s *socketio.Server) {
		s.OnConnection(func(s *socketio.Socket) { s.Join("room") })
	})
	eio, err := eiotest.Dial(t.Context(), eiotest.Config{Base: nodes[0].base, HTTP: &http.Client{Timeout: wait}}, eiotest.ModeWebSocket)
	if err != nil {
		t.Fatal(err)
	}
	defer eio.Stop()
	send := func(p codec.SocketPacket) {
		pkts, err := msgpack.Parser{}.Encode(nil, &p)
		if err != nil {
			t.Fatal(err)
		}
		if err := eio.Send(eiotest.Bin(pkts[0].Data)); err != nil {
			t.Fatal(err)
		}
	}
	dec := msgpack.Parser{}.NewDecoder(codec.DecoderLimits{})
	recv := func() *codec.SocketPacket {
		m, err := eio.Recv(wait)
		if err != nil {
			t.Fatal(err)
		}
		p, err := dec.Add(codec.Packet{Type: codec.PacketMessage, Data: m.Data, Binary: m.Binary})
		if err != nil {
			t.Fatalf("% x: %v", m.Data, err)
		}
		return p
	}
	send(codec.SocketPacket{Type: codec.Connect, Nsp: "/"})
	if p := recv(); p.Type != codec.Connect {
		t.Fatalf("got %v, want the CONNECT reply", p.Type)
	}
	inRoom(t, nodes[1].srv, "room", 1)

	// A broadcast from node 1, with binary and a struct.
	type item struct {
		Name string `json:"name"`
		Blob []byte `json:"blob"`
	}
	if err := nodes[1].srv.To("room").Emit("news", []byte{1, 2}, item{"x", []byte{3}}, 7); err != nil {
		t.Fatal(err)
	}
	p := recv()
	var got []any
	for i := 0; i < p.Args.Len(); i++ {
		var v any
		if err := p.Args.Decode(i, &v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	want := []any{[]byte{1, 2}, map[string]any{"name": "x", "blob": []byte{3}}, 7.0}
	if p.Event != "news" || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %s %#v, want news %#v", p.Event, got, want)
	}

	// A broadcast with acks from node 1: the client on node 0 answers with
	// binary.
	type result struct {
		args []codec.Args
		err  error
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		args, err := nodes[1].srv.To("room").EmitWithAck(ctx, "question", "q")
		done <- result{args, err}
	}()
	q := recv()
	if q.Event != "question" || !q.HasID {
		t.Fatalf("got %+v, want the question with an ack id", q)
	}
	send(codec.SocketPacket{Type: codec.Ack, Nsp: "/", ID: q.ID, HasID: true, Data: []any{[]byte("42")}})
	r := <-done
	if r.err != nil || len(r.args) != 1 {
		t.Fatalf("EmitWithAck: %v, %d answers", r.err, len(r.args))
	}
	var answer []byte
	if err := r.args[0].Decode(0, &answer); err != nil || string(answer) != "42" {
		t.Fatalf("answer %q %v", answer, err)
	}
}
