package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosio/socketio/codec"
)

// handshake is the JSON of the Engine.IO open packet.
type handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"` // ms
	PingTimeout  int64    `json:"pingTimeout"`  // ms
	MaxPayload   int64    `json:"maxPayload"`   // bytes; 0: not announced
}

var errHandshake = errors.New("socketio: invalid Engine.IO handshake")

// maxHeartbeat caps the announced ping interval and timeout (about 24
// days each), so that their sum is a valid time.Duration.
const maxHeartbeat = 1 << 31

// parseHandshake decodes and checks the open packet's JSON.
func parseHandshake(data []byte) (handshake, error) {
	var hs handshake
	if err := json.Unmarshal(data, &hs); err != nil {
		return hs, fmt.Errorf("%w: %v", errHandshake, err)
	}
	if hs.SID == "" || hs.PingInterval <= 0 || hs.PingTimeout <= 0 ||
		hs.PingInterval > maxHeartbeat || hs.PingTimeout > maxHeartbeat || hs.MaxPayload < 0 {
		return hs, errHandshake
	}
	return hs, nil
}

// endpoint builds the request URLs of one server.
type endpoint struct {
	base  url.URL    // http or https, host, Engine.IO path
	query url.Values // the URL's and the options' query
	seq   *atomic.Uint64
}

// parseEndpoint splits a server URL into its endpoint and the namespace
// its path names ("/" when none). ws and wss URLs are accepted as http
// and https.
func parseEndpoint(raw string, cfg *config) (endpoint, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return endpoint{}, "", err
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "ws":
		u.Scheme = "http"
	case "https", "wss":
		u.Scheme = "https"
	default:
		return endpoint{}, "", fmt.Errorf("socketio: unsupported URL scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return endpoint{}, "", errors.New("socketio: URL without host")
	}
	nsp := u.Path
	if nsp == "" {
		nsp = "/"
	}
	q := u.Query()
	for k, vs := range cfg.query {
		q[k] = append(q[k], vs...)
	}
	base := url.URL{Scheme: u.Scheme, Host: u.Host, User: u.User, Path: cfg.path}
	return endpoint{base: base, query: q, seq: new(atomic.Uint64)}, nsp, nil
}

// url is the URL of a request on transport; sid is empty for a handshake.
// Polling requests carry the JS client's cache-busting t parameter.
func (ep endpoint) url(transport, sid string) string {
	q := make(url.Values, len(ep.query)+4)
	for k, vs := range ep.query {
		q[k] = vs
	}
	q.Set("EIO", "4")
	q.Set("transport", transport)
	if sid != "" {
		q.Set("sid", sid)
	}
	u := ep.base
	if transport == WebSocket {
		if u.Scheme == "https" {
			u.Scheme = "wss"
		} else {
			u.Scheme = "ws"
		}
	} else {
		q.Set("t", strconv.FormatInt(time.Now().UnixMilli(), 36)+"."+strconv.FormatUint(ep.seq.Add(1), 36))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// dialEngine opens an Engine.IO connection on the first configured
// transport and performs the handshake. The engine returned is open but
// not started.
func dialEngine(ctx context.Context, cfg *config, ep endpoint, gor *tracker, hooks engineHooks) (*engine, error) {
	e := &engine{cfg: cfg, hooks: hooks, gor: gor, ep: ep, quit: make(chan struct{})}
	e.cond = sync.NewCond(&e.mu)
	var open []byte
	switch cfg.transports[0] {
	case Polling:
		p := &pollingTransport{e: e}
		body, err := p.get(ctx, "")
		if err != nil {
			return nil, err
		}
		first := true
		err = codec.DecodePayload(body, func(pk codec.Packet) error {
			if first {
				if pk.Type != codec.PacketOpen {
					return errHandshake
				}
				open, first = pk.Data, false
				return nil
			}
			e.initial = append(e.initial, pk)
			return nil
		})
		if err != nil {
			return nil, &TransportError{Transport: Polling, Code: -1, Err: err}
		}
		e.tr = p
	case WebSocket:
		ws, err := dialWebSocket(ctx, e, "")
		if err != nil {
			return nil, err
		}
		pk, err := ws.readOpen(ctx)
		if err != nil {
			_ = ws.conn.Close()
			return nil, err
		}
		open = pk.Data
		e.tr = ws
	}
	hs, err := parseHandshake(open)
	if err != nil {
		if ws, ok := e.tr.(*wsTransport); ok {
			_ = ws.conn.Close()
		}
		return nil, &TransportError{Transport: cfg.transports[0], Code: -1, Err: err}
	}
	e.hs = hs
	e.upgrade = cfg.upgrade && cfg.transports[0] == Polling &&
		slices.Contains(cfg.transports, WebSocket) && slices.Contains(hs.Upgrades, WebSocket)
	e.ctx, e.cancel = context.WithCancel(context.Background())
	return e, nil
}

// writeTimeout is the bound of one write (Options.WriteTimeout).
func (e *engine) writeTimeout() time.Duration {
	switch {
	case e.cfg.writeTimeout > 0:
		return e.cfg.writeTimeout
	case e.cfg.writeTimeout < 0:
		return 0
	}
	return time.Duration(e.hs.PingInterval+e.hs.PingTimeout) * time.Millisecond
}
