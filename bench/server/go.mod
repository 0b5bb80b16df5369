module github.com/gosio/socketio/bench/server

go 1.26.0

replace (
	github.com/gosio/socketio => ../..
	github.com/gosio/socketio/adapter/redis => ../../adapter/redis
	github.com/gosio/socketio/msgpack => ../../msgpack
)

require (
	github.com/gosio/socketio v0.0.0
	github.com/gosio/socketio/msgpack v0.0.0-00010101000000-000000000000
)

require (
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/philhofer/fwd v1.2.0 // indirect
	github.com/rs/cors v1.11.1 // indirect
	github.com/tinylib/msgp v1.6.5 // indirect
)
