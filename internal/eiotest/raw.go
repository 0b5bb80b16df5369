package eiotest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// URL returns base with EIO=4 and the given transport (and sid, when
// non-empty) added to its query. base is the server URL including the
// Engine.IO path, e.g. "http://127.0.0.1:1234/engine.io/", possibly with
// query parameters of its own.
func URL(base, transport, sid string) string {
	q := url.Values{"EIO": {"4"}, "transport": {transport}}
	if sid != "" {
		q.Set("sid", sid)
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + q.Encode()
}

// WebSocketURL is URL with the scheme changed to ws or wss.
func WebSocketURL(base, sid string) string {
	u := URL(base, "websocket", sid)
	if rest, ok := strings.CutPrefix(u, "http"); ok {
		return "ws" + rest
	}
	return u
}

// Response is a buffered HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r *Response) String() string {
	return fmt.Sprintf("HTTP %d %q (Content-Type %q)", r.Status, r.Body, r.Header.Get("Content-Type"))
}

// JSONError decodes the body of an error response.
func (r *Response) JSONError() (ErrorBody, error) {
	var e ErrorBody
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return e, fmt.Errorf("eiotest: error body %q is not {code,message} JSON: %v", r.Body, err)
	}
	return e, nil
}

// Do sends one request and reads the whole response.
func Do(ctx context.Context, c *http.Client, method, target string, body io.Reader, header http.Header) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// StatusError is a polling request answered with something other than 200.
type StatusError struct{ Resp *Response }

func (e *StatusError) Error() string { return "eiotest: unexpected response: " + e.Resp.String() }

// Polling is the raw long-polling transport of one session.
type Polling struct {
	HTTP *http.Client
	Base string
	SID  string
	V3   *V3 // nil: protocol 4
}

// HandshakePolling opens a session over polling. It returns the open
// packet's contents and any packets that followed it in the same payload.
func HandshakePolling(ctx context.Context, c *http.Client, base string) (*Polling, Handshake, []Packet, error) {
	return HandshakePollingV3(ctx, c, base, nil)
}

// HandshakePollingV3 is HandshakePolling for protocol 3 (v3 nil: 4).
func HandshakePollingV3(ctx context.Context, c *http.Client, base string, v3 *V3) (*Polling, Handshake, []Packet, error) {
	p := &Polling{HTTP: c, Base: base, V3: v3}
	resp, err := Do(ctx, c, http.MethodGet, p.URL(), nil, nil)
	if err != nil {
		return nil, Handshake{}, nil, err
	}
	if resp.Status != http.StatusOK {
		return nil, Handshake{}, nil, &StatusError{resp}
	}
	pkts, err := p.decode(resp)
	if err != nil {
		return nil, Handshake{}, nil, err
	}
	if len(pkts) == 0 {
		return nil, Handshake{}, nil, fmt.Errorf("%w: empty handshake payload", ErrBadPacket)
	}
	h, err := p.parseOpen(pkts[0])
	if err != nil {
		return nil, h, nil, err
	}
	p.SID = h.SID
	return p, h, pkts[1:], nil
}

// URL is the polling URL of the session.
func (p *Polling) URL() string {
	if p.V3 != nil {
		return URLV3(p.Base, "polling", p.SID, p.V3)
	}
	return URL(p.Base, "polling", p.SID)
}

func (p *Polling) parseOpen(pk Packet) (Handshake, error) {
	if p.V3 != nil {
		return ParseOpenV3(pk)
	}
	return ParseOpen(pk)
}

func (p *Polling) decode(r *Response) ([]Packet, error) {
	if p.V3 != nil {
		return decodePollV3(r, p.V3)
	}
	return DecodePayload(r.Body)
}

// Get sends one poll and returns the response as is.
func (p *Polling) Get(ctx context.Context) (*Response, error) {
	return Do(ctx, p.HTTP, http.MethodGet, p.URL(), nil, nil)
}

// Post sends body as is and returns the response as is.
func (p *Polling) Post(ctx context.Context, body []byte) (*Response, error) {
	return Do(ctx, p.HTTP, http.MethodPost, p.URL(), bytes.NewReader(body), nil)
}

// Poll sends one poll and decodes the payload; anything but 200 is a
// *StatusError.
func (p *Polling) Poll(ctx context.Context) ([]Packet, error) {
	resp, err := p.Get(ctx)
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusOK {
		return nil, &StatusError{resp}
	}
	return p.decode(resp)
}

// Send POSTs pkts as one payload and expects 200 "ok".
func (p *Polling) Send(ctx context.Context, pkts ...Packet) error {
	var resp *Response
	var err error
	if p.V3 != nil {
		body, ct := encodePostV3(p.V3, pkts)
		resp, err = Do(ctx, p.HTTP, http.MethodPost, p.URL(), bytes.NewReader(body), http.Header{"Content-Type": {ct}})
	} else {
		resp, err = p.Post(ctx, EncodePayload(pkts...))
	}
	if err != nil {
		return err
	}
	if resp.Status != http.StatusOK || string(resp.Body) != "ok" {
		return &StatusError{resp}
	}
	return nil
}

// WebSocket is the raw WebSocket transport of one session.
type WebSocket struct {
	Conn *websocket.Conn
	V3   *V3 // nil: protocol 4
}

// writeWait bounds every frame written, so a test never hangs on a peer
// that stopped reading.
const writeWait = 10 * time.Second

// DialWebSocket opens a WebSocket to base (for the session sid, or a new
// session when sid is empty). On a refused handshake the HTTP response is
// returned with its body read into the returned Response.
func DialWebSocket(ctx context.Context, d *websocket.Dialer, base, sid string) (*WebSocket, *Response, error) {
	return DialWebSocketV3(ctx, d, base, sid, nil)
}

// DialWebSocketV3 is DialWebSocket for protocol 3 (v3 nil: 4).
func DialWebSocketV3(ctx context.Context, d *websocket.Dialer, base, sid string, v3 *V3) (*WebSocket, *Response, error) {
	if d == nil {
		d = websocket.DefaultDialer
	}
	target := WebSocketURL(base, sid)
	if v3 != nil {
		target = "ws" + strings.TrimPrefix(URLV3(base, "websocket", sid, v3), "http")
	}
	conn, resp, err := d.DialContext(ctx, target, nil)
	var r *Response
	if resp != nil {
		r = &Response{Status: resp.StatusCode, Header: resp.Header}
		if resp.Body != nil {
			r.Body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
	}
	if err != nil {
		return nil, r, err
	}
	return &WebSocket{Conn: conn, V3: v3}, r, nil
}

// HandshakeWebSocket opens a session over WebSocket and reads its open
// packet.
func HandshakeWebSocket(ctx context.Context, d *websocket.Dialer, base string, timeout time.Duration) (*WebSocket, Handshake, error) {
	return HandshakeWebSocketV3(ctx, d, base, timeout, nil)
}

// HandshakeWebSocketV3 is HandshakeWebSocket for protocol 3 (v3 nil: 4).
func HandshakeWebSocketV3(ctx context.Context, d *websocket.Dialer, base string, timeout time.Duration, v3 *V3) (*WebSocket, Handshake, error) {
	ws, resp, err := DialWebSocketV3(ctx, d, base, "", v3)
	if err != nil {
		if resp != nil {
			return nil, Handshake{}, fmt.Errorf("%w (%s)", err, resp)
		}
		return nil, Handshake{}, err
	}
	p, err := ws.Read(timeout)
	if err != nil {
		ws.Conn.Close()
		return nil, Handshake{}, err
	}
	parse := ParseOpen
	if v3 != nil {
		parse = ParseOpenV3
	}
	h, err := parse(p)
	if err != nil {
		ws.Conn.Close()
		return nil, h, err
	}
	return ws, h, nil
}

// ErrTimeout is returned when nothing arrived in time.
var ErrTimeout = errors.New("eiotest: timed out")

// Read reads one frame, waiting at most timeout (zero: no limit). A timeout
// leaves the connection unusable, as gorilla does with any read error.
func (w *WebSocket) Read(timeout time.Duration) (Packet, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	if err := w.Conn.SetReadDeadline(deadline); err != nil {
		return Packet{}, err
	}
	typ, data, err := w.Conn.ReadMessage()
	if err != nil {
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			return Packet{}, fmt.Errorf("%w: %v", ErrTimeout, err)
		}
		return Packet{}, err
	}
	return w.decode(typ, data)
}

func (w *WebSocket) decode(typ int, data []byte) (Packet, error) {
	switch {
	case w.V3 == nil && typ == websocket.BinaryMessage:
		return Bin(data), nil
	case w.V3 == nil:
		return DecodePacket(data)
	case typ == websocket.BinaryMessage:
		if len(data) == 0 || data[0] != Message {
			return Packet{}, fmt.Errorf("%w: v3 binary frame % x", ErrBadPacket, data)
		}
		return Bin(data[1:]), nil
	}
	return DecodePacketV3(data)
}

// Write sends p as one frame: a binary frame for a binary message, a text
// frame otherwise.
func (w *WebSocket) Write(p Packet) error {
	if p.Binary && w.V3 != nil {
		if w.V3.B64 {
			return w.WriteFrame(websocket.TextMessage, p.EncodeV3())
		}
		return w.WriteFrame(websocket.BinaryMessage, append([]byte{Message}, p.Data...))
	}
	if p.Binary {
		return w.WriteFrame(websocket.BinaryMessage, p.Data)
	}
	return w.WriteFrame(websocket.TextMessage, p.Encode())
}

// WriteFrame sends one raw frame.
func (w *WebSocket) WriteFrame(messageType int, data []byte) error {
	if err := w.Conn.SetWriteDeadline(time.Now().Add(writeWait)); err != nil {
		return err
	}
	return w.Conn.WriteMessage(messageType, data)
}

// CloseWith sends a close frame with code (best effort) and closes the
// connection.
func (w *WebSocket) CloseWith(code int) error {
	_ = w.Conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(time.Second))
	return w.Conn.Close()
}
