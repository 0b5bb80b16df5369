module github.com/gosio/socketio/chi_example

go 1.26.0

require (
	github.com/go-chi/chi/v5 v5.5.0
	github.com/gosio/socketio v0.0.0
	github.com/gosio/socketio/adapter/redis v0.0.0
	github.com/gosio/socketio/metrics/prometheus v0.0.0
	github.com/prometheus/client_golang v1.25.0
	github.com/redis/go-redis/v9 v9.23.0
)

require (
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/prometheus/client_model v0.6.3 // indirect
	github.com/prometheus/common v0.72.0 // indirect
	github.com/prometheus/procfs v0.22.0 // indirect
	github.com/rs/cors v1.11.1 // indirect
	github.com/vmihailenco/msgpack/v5 v5.4.1 // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace (
	github.com/gosio/socketio => ../
	github.com/gosio/socketio/adapter/redis => ../adapter/redis
	github.com/gosio/socketio/metrics/prometheus => ../metrics/prometheus
)
