module github.com/gosio/socketio/msgpack

go 1.26.0

replace github.com/gosio/socketio => ../

require (
	github.com/gosio/socketio v0.0.0
	github.com/tinylib/msgp v1.6.5
	github.com/vmihailenco/msgpack/v5 v5.4.1
	go.uber.org/goleak v1.3.0
)

require (
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/philhofer/fwd v1.2.0 // indirect
	github.com/rs/cors v1.11.1 // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
)
