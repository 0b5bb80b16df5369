package socketio

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/wire"
	"github.com/gosio/socketio/legacy"
)

// Socket.IO 0.6 clients (Options.Legacy06): the seed's protocol, served by
// package legacy next to Engine.IO on the same Server. A 0.6 client is a
// socket of namespace "/" from its first request (it has no namespaces
// and no CONNECT); its messages are "message" events, and "message" events
// sent to it become its messages. legacyConn translates between the two.

// errLegacyJSON closes a 0.6 connection that sent "~j~" and no JSON.
var errLegacyJSON = errors.New("socketio: invalid JSON in a 0.6 ~j~ message")

// newLegacy sets up the 0.6 server when Options.Legacy06 asks for it.
// Limits left zero there follow the Engine.IO options.
func (s *Server) newLegacy() {
	if s.opts.Legacy06 == nil {
		return
	}
	o := *s.opts.Legacy06
	if o.MaxPayload == 0 {
		o.MaxPayload = s.opts.Engine.MaxPayload
	}
	if o.MaxBufferedMessages == 0 {
		o.MaxBufferedMessages = s.opts.Engine.MaxBufferedPackets
	}
	if o.MaxBufferedBytes == 0 {
		o.MaxBufferedBytes = s.opts.Engine.MaxBufferedBytes
	}
	if o.BodyTimeout == 0 && s.opts.Engine.PollingBodyTimeout > 0 {
		o.BodyTimeout = s.opts.Engine.PollingBodyTimeout
	}
	if o.AllowRequest == nil {
		o.AllowRequest = s.opts.Engine.AllowRequest
	}
	s.legacy = legacy.NewServer(&o)
	s.legacy.OnConnection(s.onLegacyConnection)
}

// isLegacyRequest tells a 0.6 request from an Engine.IO one: no EIO query
// parameter, and a 0.6 path shape after whatever prefix the server is
// mounted under.
func (s *Server) isLegacyRequest(r *http.Request) bool {
	return s.legacy != nil && !strings.Contains(r.URL.RawQuery, "EIO=") && legacy.Match(r.URL.Path)
}

// Legacy06 returns the server of Socket.IO 0.6 clients, or nil when
// Options.Legacy06 is not set. Its OnConnection, and a connection's
// OnMessage and OnClose, add callbacks beside the Socket.IO server's own
// (to log 0.6 clients, say) without changing what Socket.IO does.
func (s *Server) Legacy06() *legacy.Server { return s.legacy }

// LegacyConn returns the Socket.IO 0.6 connection carrying the socket, or
// nil for any other client (see Session).
func (s *Socket) LegacyConn() *legacy.Conn {
	if l, ok := s.client.conn.(*legacyConn); ok {
		return l.lc
	}
	return nil
}

// shutdownLegacy closes the 0.6 connections alongside the Engine.IO ones.
func (s *Server) shutdownLegacy(ctx context.Context) (wait func() error) {
	if s.legacy == nil {
		return func() error { return nil }
	}
	done := make(chan error, 1)
	go func() { done <- s.legacy.Shutdown(ctx) }()
	return func() error { return <-done }
}

func (s *Server) onLegacyConnection(lc *legacy.Conn) {
	l := &legacyConn{lc: lc, parser: s.parser, dec: s.parser.NewDecoder(codec.DecoderLimits{MaxAttachments: s.opts.MaxAttachments})}
	c := s.newClient(l)
	// The implicit CONNECT to "/": the 0.6 client considers itself
	// connected once it has its session id.
	pkts, err := s.parser.Encode(nil, &codec.SocketPacket{Type: codec.Connect, Nsp: "/"})
	if err != nil || len(pkts) != 1 {
		lc.CloseWithReason(ReasonParseError, err)
		return
	}
	c.onMessage(pkts[0].Data, pkts[0].Binary)
}

// legacyConn presents a 0.6 connection to a client as an Engine.IO
// session: the packets the server sends are decoded and the "message"
// events among them written as 0.6 messages; the client's messages come
// in as "message" events.
//
// Concurrency: safe for concurrent use; the decoder of outgoing packets
// is guarded by mu (broadcasts send from many goroutines).
type legacyConn struct {
	lc     *legacy.Conn
	parser codec.Parser

	mu  sync.Mutex
	dec codec.Decoder // guarded by mu
}

func (l *legacyConn) Request() *http.Request                   { return l.lc.Request() }
func (l *legacyConn) Protocol() int                            { return 0 }
func (l *legacyConn) ID() string                               { return l.lc.ID() }
func (l *legacyConn) Close() error                             { return l.lc.Close() }
func (l *legacyConn) CloseWithReason(reason string, err error) { l.lc.CloseWithReason(reason, err) }
func (l *legacyConn) HoldReading() func()                      { return l.lc.HoldReading() }
func (l *legacyConn) OnClose(fn func(reason string, err error)) {
	l.lc.OnClose(fn)
}

// OnMessage delivers each 0.6 message as the Socket.IO packet of a
// "message" event: the string, or the decoded JSON of a "~j~" message.
func (l *legacyConn) OnMessage(fn func(data []byte, binary bool)) {
	_, isJSON := l.parser.(codec.JSONParser)
	l.lc.OnMessage(func(text string, jsonMsg bool) {
		var arg any = text
		if jsonMsg {
			if !json.Valid([]byte(text)) {
				l.lc.CloseWithReason(ReasonParseError, errLegacyJSON)
				return
			}
			if isJSON {
				arg = json.RawMessage(text)
			} else {
				var v any
				_ = json.Unmarshal([]byte(text), &v)
				arg = v
			}
		}
		pkts, err := l.parser.Encode(nil, &codec.SocketPacket{Type: codec.Event, Nsp: "/", Data: []any{"message", arg}})
		if err != nil || len(pkts) != 1 {
			l.lc.CloseWithReason(ReasonParseError, err)
			return
		}
		fn(pkts[0].Data, pkts[0].Binary)
	})
}

func (l *legacyConn) Send(pkts ...codec.Packet) error {
	msgs, end := l.translate(pkts)
	var err error
	if len(msgs) > 0 {
		err = l.lc.Send(msgs...)
	}
	if end {
		_ = l.lc.Close()
	}
	return err
}

func (l *legacyConn) SendVolatile(pkts ...codec.Packet) bool {
	msgs, end := l.translate(pkts)
	ok := len(msgs) == 0 || l.lc.SendVolatile(msgs...)
	if end {
		_ = l.lc.Close()
	}
	return ok
}

func (l *legacyConn) Enqueue(pkts ...codec.Packet) error        { return l.Send(pkts...) }
func (l *legacyConn) EnqueueVolatile(pkts ...codec.Packet) bool { return l.SendVolatile(pkts...) }

// translate turns Socket.IO packets into 0.6 messages. Only "message"
// events have a 0.6 form; other events (and binary ones) are skipped, the
// CONNECT reply too (the session id was the 0.6 handshake). A DISCONNECT
// or CONNECT_ERROR of "/" ends the connection (end).
func (l *legacyConn) translate(pkts []codec.Packet) (msgs []string, end bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range pkts {
		sp, err := l.dec.Add(p)
		if err != nil {
			// Our own encoding: cannot happen short of a custom parser's bug.
			l.dec = l.parser.NewDecoder(codec.DecoderLimits{})
			continue
		}
		if sp == nil {
			continue
		}
		switch sp.Type {
		case codec.Event:
			if sp.Event == "message" {
				msgs = append(msgs, legacyMessage(sp.Args))
			}
		case codec.Disconnect, codec.ConnectError:
			end = true
		}
	}
	return msgs, end
}

// legacyMessage is the 0.6 form of a "message" event's arguments: a
// string as is, any other value as "~j~" and its JSON; several arguments
// as "~j~" and the JSON array of them; none as the empty string.
func legacyMessage(args codec.Args) string {
	if args == nil || args.Len() == 0 {
		return ""
	}
	if args.Len() == 1 {
		var s string
		if args.Decode(0, &s) == nil {
			return s
		}
		return wire.Legacy06JSON + string(argJSON(args, 0))
	}
	b := []byte{'['}
	for i := 0; i < args.Len(); i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, argJSON(args, i)...)
	}
	return wire.Legacy06JSON + string(append(b, ']'))
}

func argJSON(args codec.Args, i int) []byte {
	var raw json.RawMessage
	if args.Decode(i, &raw) == nil && json.Valid(raw) {
		return raw
	}
	var v any
	if args.Decode(i, &v) != nil {
		return []byte("null")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return []byte("null")
	}
	return b
}

var _ conn = (*legacyConn)(nil)
