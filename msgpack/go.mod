module github.com/gosio/socketio/msgpack

go 1.26.0

// The parser needs the server module (codec) and tinylib/msgp. The others
// are for tests only: vmihailenco/msgpack for the benchmarks that chose
// the library, adapter/redis and go-redis for the cluster test, goleak.
require (
	github.com/gosio/socketio v0.0.0
	github.com/gosio/socketio/adapter/redis v0.0.0
	github.com/redis/go-redis/v9 v9.23.0
	github.com/tinylib/msgp v1.6.5
	github.com/vmihailenco/msgpack/v5 v5.4.1
	go.uber.org/goleak v1.3.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/philhofer/fwd v1.2.0 // indirect
	github.com/rs/cors v1.11.1 // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
)

replace (
	github.com/gosio/socketio => ../
	github.com/gosio/socketio/adapter/redis => ../adapter/redis
)
