package session

import (
	"context"
	"log/slog"
	"net/http"
)

// Logging (Options.Logger). Only lifecycle events are logged, never a
// packet; each call site asks Enabled first, so a disabled level (or the
// default discard logger) costs one call and builds no attribute.
//
// Attribute keys: sid, transport, remote, protocol, reason, err, status,
// code (see the README's Observability section).

// newLogger returns l, or one that discards everything.
func newLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

func (s *Server) logEnabled(level slog.Level) bool {
	return s.cfg.logger.Enabled(context.Background(), level)
}

// logOpened logs a new session (Debug).
func (s *Server) logOpened(sess *Session, r *http.Request, transport string) {
	if !s.logEnabled(slog.LevelDebug) {
		return
	}
	s.cfg.logger.LogAttrs(context.Background(), slog.LevelDebug, "engine.io session opened",
		slog.String("sid", sess.id), slog.String("transport", transport),
		slog.String("remote", r.RemoteAddr), slog.Int("protocol", sess.Protocol()))
}

// logUpgraded logs a session's move to WebSocket (Debug).
func (s *Server) logUpgraded(sess *Session) {
	if !s.logEnabled(slog.LevelDebug) {
		return
	}
	s.cfg.logger.LogAttrs(context.Background(), slog.LevelDebug, "engine.io session upgraded",
		slog.String("sid", sess.id), slog.String("transport", "websocket"))
}

// closeLevel is the level a close is logged at: Debug for the ordinary
// ends (the client left, the server closed it), Info for a client lost
// (ping timeout, a network error), Warn for a client that broke the
// protocol or a limit.
func closeLevel(reason string, err error, limit bool) slog.Level {
	switch reason {
	case ReasonParseError:
		return slog.LevelWarn
	case ReasonPingTimeout:
		return slog.LevelInfo
	case ReasonTransportError:
		if limit || isLimitError(err) {
			return slog.LevelWarn
		}
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

// logClosed logs the end of a session.
func (s *Server) logClosed(sess *Session, transport, reason string, err error, limit bool) {
	level := closeLevel(reason, err, limit)
	if !s.logEnabled(level) {
		return
	}
	attrs := []slog.Attr{slog.String("sid", sess.id), slog.String("transport", transport), slog.String("reason", reason)}
	if err != nil {
		attrs = append(attrs, slog.Any("err", err))
	}
	s.cfg.logger.LogAttrs(context.Background(), level, "engine.io session closed", attrs...)
}

// refuse answers a handshake refused for cause with status and the
// Engine.IO error code and message (msg empty: code's standard message),
// then counts and logs it (Info).
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, cause refusal, status, code int, msg string) {
	text := msg
	if text == "" {
		text = codeMessages[code]
	}
	s.refused(r, cause, slog.Int("status", status), slog.Int("code", code), slog.String("reason", text))
	writeError(w, status, code, msg)
}

// refused counts and logs (Info) a handshake refused for cause, already
// answered; attrs describe the answer.
func (s *Server) refused(r *http.Request, cause refusal, attrs ...slog.Attr) {
	s.counters.refused[cause].Add(1)
	if !s.logEnabled(slog.LevelInfo) {
		return
	}
	attrs = append(attrs, slog.String("remote", r.RemoteAddr))
	s.cfg.logger.LogAttrs(context.Background(), slog.LevelInfo, "engine.io handshake refused", attrs...)
}
