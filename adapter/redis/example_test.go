package redis_test

import (
	"context"
	"log"
	"net/http"

	goredis "github.com/redis/go-redis/v9"

	socketio "github.com/gosio/socketio"
	redisadapter "github.com/gosio/socketio/adapter/redis"
)

// A node of a cluster: every server on the same Redis (and key), Go or
// Node.js with @socket.io/redis-adapter, shares rooms and broadcasts.
func ExampleNewAdapter() {
	rdb := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"})
	io := socketio.NewServer(&socketio.Options{
		Adapter: redisadapter.NewAdapter(rdb, &redisadapter.Options{Key: "socket.io"}),
	})
	io.OnConnection(func(s *socketio.Socket) {
		s.Join("lobby")
		s.On("chat", func(msg string) {
			// Reaches the lobby's sockets on every node.
			_ = s.To("lobby").Emit("chat", s.ID(), msg)
		})
	})
	http.Handle("/socket.io/", io)
}

// On Redis 7, the sharded adapter spreads the channels over a Redis
// Cluster's shards; every node must use the same subscription mode.
func ExampleNewShardedAdapter() {
	rdb := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: []string{"127.0.0.1:7000"}})
	io := socketio.NewServer(&socketio.Options{
		Adapter: redisadapter.NewShardedAdapter(rdb, &redisadapter.ShardedOptions{
			SubscriptionMode: redisadapter.Dynamic,
		}),
	})
	http.Handle("/socket.io/", io)
}

// A worker that serves no clients notifies those of the cluster.
func ExampleEmitter() {
	rdb := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"})
	em := redisadapter.NewEmitter(rdb, "socket.io")
	ctx := context.Background()
	if err := em.To("lobby").Emit(ctx, "news", map[string]any{"title": "deployed"}); err != nil {
		log.Print(err)
	}
	_ = em.Of("/admin").In("ops").DisconnectSockets(ctx, true)
}
