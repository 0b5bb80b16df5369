package session

import (
	"context"

	"github.com/gosio/socketio/transports"
)

type maxPayloadKey struct{}

// WithMaxPayload returns a context that lowers MaxPayload to n bytes for
// the session opened by a request carrying it: HTTP middleware uses it to
// set a per-route message size limit. The limit is fixed at the
// handshake, announced to the client, and applies to the session's polling
// bodies and WebSocket messages. It can only lower the server's
// MaxPayload; n <= 0 is ignored.
func WithMaxPayload(ctx context.Context, n int64) context.Context {
	if n <= 0 {
		return ctx
	}
	if cur, ok := ctx.Value(maxPayloadKey{}).(int64); ok && cur <= n {
		return ctx
	}
	return context.WithValue(ctx, maxPayloadKey{}, n)
}

// maxPayloadFor is the MaxPayload of a session opened with ctx.
func (c *config) maxPayloadFor(ctx context.Context) int64 {
	if n, ok := ctx.Value(maxPayloadKey{}).(int64); ok && n < c.maxPayload {
		return n
	}
	return c.maxPayload
}

// wsConfigFor is the WebSocket configuration for a session's limit.
func (c *config) wsConfigFor(maxPayload int64) transports.WebSocketConfig {
	wc := c.wsConfig
	wc.MaxPayload = maxPayload
	return wc
}

// MaxPayloadFrom returns the limit WithMaxPayload put in ctx, if any: the
// Socket.IO 0.6 transports (package legacy) apply the same per-route limit.
func MaxPayloadFrom(ctx context.Context) (int64, bool) {
	n, ok := ctx.Value(maxPayloadKey{}).(int64)
	return n, ok
}
