// Package legacytest is a raw Socket.IO 0.6 client for tests: it speaks
// each 0.6 transport on the wire as the 0.6 browser client and the 0.6
// server's own tests (tests/transports.*.js) do, and hands over every
// message it receives, heartbeats included, so tests see the wire.
package legacytest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosio/socketio/internal/wire"
)

// ErrTimeout is returned by Recv when nothing arrived in time.
var ErrTimeout = errors.New("legacytest: timeout")

// ErrClosed is returned by Recv once the transport has ended and every
// message has been read.
var ErrClosed = errors.New("legacytest: closed")

// Client is one 0.6 connection.
type Client struct {
	Base      string // e.g. http://127.0.0.1:1234/socket.io
	Transport string
	Header    http.Header // sent with every request (Origin, say)
	// noEcho stops answering "~h~<n>" (see SetEchoHeartbeats).
	noEcho atomic.Bool

	SID string

	ctx    context.Context
	cancel context.CancelFunc
	msgs   chan string
	done   chan struct{} // closed when the reader ends
	ws     *websocket.Conn
	wsMu   sync.Mutex
	hc     *http.Client
	errMu  sync.Mutex
	err    error // why the reader ended

	started bool          // the reader goroutine runs
	polls   chan struct{} // a poll was answered
}

// SetEchoHeartbeats sets whether heartbeats are answered, as the 0.6
// client does (the default); they are handed to Recv either way.
func (c *Client) SetEchoHeartbeats(on bool) { c.noEcho.Store(!on) }

// Polled returns a channel that receives after each answered poll.
func (c *Client) Polled() <-chan struct{} { return c.polls }

// Dial opens a connection and reads the session id (the first message).
// sid, when not empty, resumes an existing session instead.
func Dial(ctx context.Context, base, transport, sid string, header http.Header) (*Client, error) {
	c := &Client{Base: strings.TrimSuffix(base, "/"), Transport: transport, Header: header, SID: sid,
		msgs: make(chan string, 1024), polls: make(chan struct{}, 64), done: make(chan struct{}), hc: &http.Client{}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	first, err := c.start(ctx)
	if err != nil {
		c.Stop()
		return nil, err
	}
	if sid == "" && !c.polling() {
		select {
		case _, ok := <-first: // the reader has set c.SID (deliver)
			if !ok {
				c.Stop()
				return nil, fmt.Errorf("legacytest: no session id: %v", c.Err())
			}
		case <-ctx.Done():
			c.Stop()
			return nil, ctx.Err()
		}
	}
	return c, nil
}

func (c *Client) url(sid string, tail ...string) string {
	u := c.Base + "/" + c.Transport + "/" + sid
	for _, t := range tail {
		u += "/" + t
	}
	return u
}

func stamp() string { return strconv.FormatInt(time.Now().UnixMilli(), 10) }

// start begins reading; first delivers the messages of the transport.
func (c *Client) start(ctx context.Context) (<-chan string, error) {
	switch c.Transport {
	case "websocket", "flashsocket":
		u := "ws" + strings.TrimPrefix(c.url(c.SID), "http")
		ws, resp, err := websocket.DefaultDialer.DialContext(ctx, u, c.Header)
		if err != nil {
			if resp != nil {
				return nil, fmt.Errorf("legacytest: dial: %w (HTTP %d)", err, resp.StatusCode)
			}
			return nil, err
		}
		c.ws = ws
		c.started = true
		go c.readWS()
	case "xhr-polling", "jsonp-polling":
		// The first poll runs here so that errors reach Dial.
		body, err := c.get(ctx, c.pollURL())
		if err != nil {
			return nil, err
		}
		msgs, err := c.decodePoll(body)
		if err != nil {
			return nil, err
		}
		if c.SID == "" {
			// The session id, first: later polls need it at once.
			if len(msgs) == 0 {
				return nil, errors.New("legacytest: first poll without a session id")
			}
			c.SID, msgs = msgs[0], msgs[1:]
		}
		c.started = true
		go c.readPolls(msgs)
	case "htmlfile", "xhr-multipart":
		u := c.url(c.SID)
		if c.Transport == "htmlfile" {
			u = c.url(c.SID, stamp())
		}
		req, _ := http.NewRequestWithContext(c.ctx, http.MethodGet, u, nil)
		c.addHeader(req)
		resp, err := c.hc.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, &StatusError{resp.StatusCode}
		}
		c.started = true
		go c.readStream(resp)
	default:
		return nil, fmt.Errorf("legacytest: unknown transport %q", c.Transport)
	}
	return c.msgs, nil
}

func (c *Client) polling() bool {
	return c.Transport == "xhr-polling" || c.Transport == "jsonp-polling"
}

// StatusError is an HTTP status other than 200.
type StatusError struct{ Code int }

func (e *StatusError) Error() string { return "legacytest: HTTP " + strconv.Itoa(e.Code) }

func (c *Client) addHeader(req *http.Request) {
	for k, v := range c.Header {
		req.Header[k] = v
	}
}

func (c *Client) pollURL() string {
	if c.Transport == "jsonp-polling" {
		return c.url(c.SID, stamp(), "0")
	}
	return c.url(c.SID, stamp())
}

func (c *Client) get(ctx context.Context, u string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	c.addHeader(req)
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", &StatusError{resp.StatusCode}
	}
	return string(b), nil
}

// decodePoll reads a poll's body: a payload, or for JSONP the call
// io.JSONP[0]._("<payload>");
func (c *Client) decodePoll(body string) ([]string, error) {
	if c.Transport == "jsonp-polling" {
		const pre, post = "io.JSONP[0]._(", ");"
		if !strings.HasPrefix(body, pre) || !strings.HasSuffix(body, post) {
			return nil, fmt.Errorf("legacytest: bad JSONP body %q", body)
		}
		if err := json.Unmarshal([]byte(body[len(pre):len(body)-len(post)]), &body); err != nil {
			return nil, err
		}
	}
	return wire.DecodeLegacy06(body)
}

func (c *Client) end(err error) {
	c.errMu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.errMu.Unlock()
	close(c.msgs)
	close(c.done)
}

// Err returns why the transport ended.
func (c *Client) Err() error {
	c.errMu.Lock()
	defer c.errMu.Unlock()
	return c.err
}

func (c *Client) deliver(msgs []string) {
	for _, m := range msgs {
		if c.SID == "" {
			c.SID = m // the first message; Dial reads it after receiving it
		} else if !c.noEcho.Load() && strings.HasPrefix(m, "~h~") {
			_ = c.Send(m) // on the reader, as the 0.6 client answers at once
		}
		select {
		case c.msgs <- m:
		case <-c.ctx.Done():
			return
		}
	}
}

func (c *Client) readPolls(first []string) {
	c.deliver(first)
	for {
		body, err := c.get(c.ctx, c.pollURL())
		if err != nil {
			c.end(err)
			return
		}
		msgs, err := c.decodePoll(body)
		if err != nil {
			c.end(err)
			return
		}
		select {
		case c.polls <- struct{}{}:
		default:
		}
		c.deliver(msgs)
	}
}

func (c *Client) readWS() {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.end(err)
			return
		}
		msgs, err := wire.DecodeLegacy06(string(data))
		if err != nil {
			c.end(err)
			return
		}
		c.deliver(msgs)
	}
}

// readStream reads htmlfile's script elements or xhr-multipart's parts.
func (c *Client) readStream(resp *http.Response) {
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	var buf strings.Builder
	var sep string
	if c.Transport == "htmlfile" {
		sep = "</script>"
		// The preamble: <html><body> and padding to 256 bytes.
		pre := make([]byte, 256)
		if _, err := io.ReadFull(r, pre); err != nil || !strings.HasPrefix(string(pre), "<html><body>") {
			c.end(fmt.Errorf("legacytest: bad htmlfile preamble %q: %v", pre, err))
			return
		}
	} else {
		sep = "--socketio\n"
	}
	for {
		b, err := r.ReadByte()
		if err != nil {
			c.end(err)
			return
		}
		buf.WriteByte(b)
		s := buf.String()
		if !strings.HasSuffix(s, sep) {
			continue
		}
		buf.Reset()
		var payload string
		if c.Transport == "htmlfile" {
			const pre, post = "<script>parent.s._(", ", document);</script>"
			if !strings.HasPrefix(s, pre) || !strings.HasSuffix(s, post) {
				c.end(fmt.Errorf("legacytest: bad htmlfile script %q", s))
				return
			}
			if err := json.Unmarshal([]byte(s[len(pre):len(s)-len(post)]), &payload); err != nil {
				c.end(err)
				return
			}
		} else {
			s = strings.TrimSuffix(s, sep)
			if s == "" {
				continue // the opening boundary
			}
			const pre = "Content-Type: text/plain\n\n"
			if !strings.HasPrefix(s, pre) || !strings.HasSuffix(s, "\n") {
				c.end(fmt.Errorf("legacytest: bad multipart part %q", s))
				return
			}
			payload = s[len(pre) : len(s)-1]
		}
		msgs, err := wire.DecodeLegacy06(payload)
		if err != nil {
			c.end(err)
			return
		}
		c.deliver(msgs)
	}
}

// Send sends messages (already in their 0.6 form) in one payload.
func (c *Client) Send(msgs ...string) error {
	return c.SendRaw(wire.EncodeLegacy06(msgs...))
}

// SendRaw sends a payload as is.
func (c *Client) SendRaw(payload string) error {
	_, err := c.Post(payload)
	return err
}

// Post sends a payload and returns the HTTP status (0 on a WebSocket).
func (c *Client) Post(payload string) (int, error) {
	if c.ws != nil {
		c.wsMu.Lock()
		defer c.wsMu.Unlock()
		return 0, c.ws.WriteMessage(websocket.TextMessage, []byte(payload))
	}
	u := c.url(c.SID, "send")
	if c.Transport == "jsonp-polling" {
		u = c.url(c.SID, stamp(), "0")
	}
	body := url.Values{"data": {payload}}.Encode()
	req, _ := http.NewRequestWithContext(c.ctx, http.MethodPost, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	c.addHeader(req)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, &StatusError{resp.StatusCode}
	}
	if string(b) != "ok" {
		return resp.StatusCode, fmt.Errorf("legacytest: POST answered %q", b)
	}
	return resp.StatusCode, nil
}

// Recv returns the next message.
func (c *Client) Recv(timeout time.Duration) (string, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			return "", ErrClosed
		}
		return m, nil
	case <-t.C:
		return "", ErrTimeout
	}
}

// Next returns the next message that is not a heartbeat.
func (c *Client) Next(timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		m, err := c.Recv(time.Until(deadline))
		if err != nil || !strings.HasPrefix(m, "~h~") {
			return m, err
		}
	}
}

// Done is closed when the transport has ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// Drop ends the transport without a goodbye (a WebSocket is closed
// without a close frame), as a network failure would; the session stays
// on the server for its CloseTimeout.
func (c *Client) Drop() {
	c.cancel()
	if c.ws != nil {
		_ = c.ws.NetConn().Close()
	}
	if c.started {
		<-c.done
	}
}

// Stop ends the client: a WebSocket says goodbye with a close frame.
func (c *Client) Stop() {
	if c.ws != nil {
		c.wsMu.Lock()
		_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		c.wsMu.Unlock()
		_ = c.ws.Close()
	}
	c.cancel()
	if c.started {
		<-c.done
	}
}
