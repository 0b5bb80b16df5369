package socketio

import (
	"context"
	"log/slog"
)

// Logging (Options.Logger) of the Socket.IO layer: sockets connected and
// disconnected, CONNECTs refused. Never per packet; each call asks
// Enabled first, so a disabled level costs one call and no attribute.
// Keys: sid (the Engine.IO session id), nsp, socket, reason, err.

// logSocket logs a socket's lifecycle event; reason is omitted when empty.
func (s *Server) logSocket(level slog.Level, msg string, sock *Socket, reason string) {
	if !s.logger.Enabled(context.Background(), level) {
		return
	}
	attrs := [4]slog.Attr{
		slog.String("sid", sock.client.conn.ID()),
		slog.String("nsp", sock.nsp.name),
		slog.String("socket", sock.ID()),
	}
	n := 3
	if reason != "" {
		attrs[3] = slog.String("reason", reason)
		n = 4
	}
	s.logger.LogAttrs(context.Background(), level, msg, attrs[:n]...)
}

// connectRefused counts and logs (Info) a namespace CONNECT answered with
// a CONNECT_ERROR, for cause (the reason attribute); err, when non-nil,
// is the middleware's or the adapter's error.
func (s *Server) connectRefused(c *client, nsp string, cause refusalCause, err error) {
	s.counters.refusals[cause].Add(1)
	if !s.logger.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	attrs := []slog.Attr{slog.String("sid", c.conn.ID()), slog.String("nsp", nsp), slog.String("reason", refusalCauses[cause])}
	if err != nil {
		attrs = append(attrs, slog.Any("err", err))
	}
	s.logger.LogAttrs(context.Background(), slog.LevelInfo, "socket.io connect refused", attrs...)
}
