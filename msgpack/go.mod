module github.com/gosio/socketio/msgpack

go 1.26.0

replace github.com/gosio/socketio => ../

require (
	github.com/gosio/socketio v0.0.0
	github.com/tinylib/msgp v1.6.5
)

require (
	github.com/philhofer/fwd v1.2.0 // indirect
	github.com/vmihailenco/msgpack/v5 v5.4.1 // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
	go.uber.org/goleak v1.3.0 // indirect
)
