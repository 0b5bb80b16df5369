package redis

import (
	"context"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
)

// FuzzMessages feeds arbitrary bytes, as another node (or anyone who can
// publish on the Redis) could, to the adapter's three message handlers:
// broadcasts, requests and responses, JSON or msgpack. Nothing may panic;
// answers go to a Redis that is not there (their failure is reported).
func FuzzMessages(f *testing.F) {
	for _, s := range []string{
		`{"type":5,"requestId":"x","opts":{"rooms":["a"],"except":[]}}`,
		`{"type":2,"opts":{"rooms":[1.5,"r"]},"rooms":["j"]}`,
		`{"type":6,"data":["ev",1,{"a":[true]}],"requestId":"r"}`,
		`{"type":1,"requestId":"y"}`,
		`{"type":8,"requestId":"x","clientCount":3}`,
		"\x93\xa6emitter\x83\xa4type\x02\xa4data\x92\xa1e\xc4\x01\x07\xa3nsp\xa1/\x82\xa5rooms\x91\xa1r\xa5flags\x80",
		"\x85\xa3uid\xa1u\xa9requestId\xa1r\xa4type\x07\xa6packet\x82\xa4type\x02\xa4data\x91\xa1e\xa4opts\x80",
	} {
		f.Add([]byte(s))
	}
	rdb := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer rdb.Close()
	srv := socketio.NewServer(nil)
	n := srv.Sockets()
	a := &Adapter{
		MemoryAdapter: socketio.NewMemoryAdapter(n),
		nsp:           n,
		rdb:           rdb,
		opts:          Options{Key: "k", RequestsTimeout: 1, ErrorHandler: func(error) {}},
		uid:           "me",
		pend:          newPending(),
		handlers:      newHandlerSlots(),
	}
	a.pend.addRequest("x", reqRemoteFetch, 2)
	a.pend.addRequest("y", reqAllRooms, 1)
	a.channel, a.requestChannel, a.responseChannel = "k#/#", "k-request#/#", "k-response#/#"
	a.pub = newPublisher(rdb, false, 4, func(error) {})
	defer a.pub.close()
	sh := &ShardedAdapter{
		MemoryAdapter: a.MemoryAdapter,
		nsp:           n,
		rdb:           rdb,
		opts:          ShardedOptions{ChannelPrefix: "k", RequestsTimeout: 1, ErrorHandler: func(error) {}},
		uid:           "me",
		channel:       "k#/#",
		pend:          newPending(),
		handlers:      newHandlerSlots(),
	}
	sh.pend.addRequest("x", cmFetchSockets, 2)
	sh.pend.addRequest("y", cmServerSideEmit, 1)
	_ = sh.pend.addAck(context.Background(), "z", func(int) {}, func(codec.Args, error) {})
	sh.pub = newPublisher(rdb, true, 4, func(error) {})
	defer sh.pub.close()
	f.Add([]byte(`{"uid":"o","nsp":"/","type":3,"data":{"opts":{"rooms":["r"],"except":[],"flags":{}},"packet":{"type":2,"data":["e",1]},"requestId":"q"}}`))
	f.Add([]byte(`{"uid":"o","nsp":"/","type":8,"data":{"requestId":"x","sockets":[{"id":"s","rooms":["s"],"data":null,"handshake":{"headers":{"host":"h"},"query":{"EIO":"4"}}}]}}`))
	f.Add([]byte(`{"uid":"o","nsp":"/","type":12,"data":{"requestId":"z","packet":[1]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a.onBroadcast("k#/#", b)
		a.onBroadcast("k#/#r#", b)
		a.onRequest(b)
		a.onResponse(b)
		if m, err := decodeMessage(b); err == nil {
			sh.onMessage(m)
			sh.onResponse(m)
		}
	})
}

// Whatever the library encodes passes validMsgpack (the check refuses
// only what the library could not have written, or would choke on).
func TestValidMsgpackAcceptsEncoded(t *testing.T) {
	values := []any{
		nil, true, false, 0, 1, -1, 127, 128, -33, 1 << 40, -(1 << 40), 1.5, float32(2.5),
		"", "short", string(make([]byte, 40)), string(make([]byte, 300)), string(make([]byte, 70000)),
		[]byte{}, []byte{1, 2, 3}, make([]byte, 300), make([]byte, 70000),
		[]any{}, []any{1, "a", []any{nil}}, make([]any, 20), make([]any, 70000),
		map[string]any{}, map[string]any{"a": 1, "b": map[string]any{"c": []any{true}}},
	}
	big := map[string]any{}
	for i := range 70000 {
		big[string(rune('a'+i%26))+string(rune(i))] = i
	}
	values = append(values, big)
	for i, v := range values {
		b, err := encodeMsgpack(v)
		if err != nil {
			t.Fatal(err)
		}
		if !validMsgpack(b) {
			t.Errorf("value %d (%T): encoding refused", i, v)
		}
		if validMsgpack(b[:len(b)-1]) && len(b) > 1 {
			t.Errorf("value %d (%T): truncated encoding accepted", i, v)
		}
	}
}

// Server-side events from other nodes run at most maxRunningHandlers at a
// time; past that they are dropped and reported, not queued without bound.
func TestHandlerSlotsBound(t *testing.T) {
	srv := socketio.NewServer(nil)
	n := srv.Sockets()
	release := make(chan struct{})
	started := make(chan struct{}, maxRunningHandlers)
	n.OnServerSideEmit("block", func() {
		started <- struct{}{}
		<-release
	})
	slots := newHandlerSlots()
	var dropped int
	for range maxRunningHandlers + 10 {
		slots.run(n, "block", nil, nil, func(error) { dropped++ })
	}
	for range maxRunningHandlers {
		<-started
	}
	if dropped != 10 {
		t.Fatalf("%d events dropped, want 10", dropped)
	}
	close(release)
	for range maxRunningHandlers { // every slot comes back
		slots <- struct{}{}
	}
}
