module github.com/gosio/socketio

go 1.24

require (
	github.com/go-chi/chi/v5 v5.5.0
	github.com/gorilla/mux v1.8.1
	github.com/gorilla/websocket v1.5.3
	github.com/rs/cors v1.11.1
	go.uber.org/goleak v1.3.0
)
