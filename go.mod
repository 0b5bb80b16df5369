module github.com/gosio/socketio

go 1.22

require (
	github.com/go-chi/chi/v5 v5.5.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/rs/cors v1.11.1 // indirect
	go.uber.org/goleak v1.3.0 // indirect
)
