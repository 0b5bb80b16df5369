module github.com/gosio/socketio/cmd/conformance

go 1.26.0

require (
	github.com/gosio/socketio v0.0.0
	github.com/gosio/socketio/msgpack v0.0.0
	github.com/rs/cors v1.11.1
)

require (
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/philhofer/fwd v1.2.0 // indirect
	github.com/tinylib/msgp v1.6.5 // indirect
)

// adapter/redis is not used here: the msgpack module's tests import it,
// and go mod tidy resolves the tests of the packages it builds.
replace (
	github.com/gosio/socketio => ../..
	github.com/gosio/socketio/adapter/redis => ../../adapter/redis
	github.com/gosio/socketio/msgpack => ../../msgpack
)
