// Package siotest is a minimal raw Socket.IO v5 client for tests, built on
// the raw Engine.IO client of internal/eiotest. It writes and reads the
// Socket.IO wire format itself (not through the server's codec package),
// so tests check the server against an independent reading of the
// protocol:
//
//	<type>[<#attachments>-][<nsp>,][<ack id>][<JSON payload>]
//
// followed, for BINARY_EVENT (5) and BINARY_ACK (6), by one binary
// Engine.IO message per attachment.
//
// Tests send packets as text (c.Send(`2["hello",1]`)) and compare what they
// receive as text (p.Text), so a failure shows the exact wire form.
package siotest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gosio/socketio/internal/eiotest"
)

// Socket.IO v5 packet types.
const (
	Connect      = 0
	Disconnect   = 1
	Event        = 2
	Ack          = 3
	ConnectError = 4
	BinaryEvent  = 5
	BinaryAck    = 6
)

// Packet is one received Socket.IO packet.
type Packet struct {
	// Text is the text message as received, without the Engine.IO "4".
	Text        string
	Type        int
	Nsp         string // "/" when absent on the wire
	ID          int64  // ack id; -1 when absent
	Data        string // JSON payload text; "" when none
	Attachments [][]byte
}

// String is the text form followed by the number of attachments, if any.
func (p Packet) String() string {
	if len(p.Attachments) == 0 {
		return p.Text
	}
	return fmt.Sprintf("%s +%d binary", p.Text, len(p.Attachments))
}

// Event splits an EVENT payload into the event name and the raw
// arguments.
func (p Packet) Event() (string, []json.RawMessage, error) {
	var arr []json.RawMessage
	if err := json.Unmarshal([]byte(p.Data), &arr); err != nil || len(arr) == 0 {
		return "", nil, fmt.Errorf("siotest: %q is not an EVENT payload", p.Text)
	}
	var name string
	if err := json.Unmarshal(arr[0], &name); err != nil {
		return "", nil, fmt.Errorf("siotest: %q: event name: %v", p.Text, err)
	}
	return name, arr[1:], nil
}

// Args returns the raw arguments of an ACK payload.
func (p Packet) Args() ([]json.RawMessage, error) {
	var arr []json.RawMessage
	if err := json.Unmarshal([]byte(p.Data), &arr); err != nil {
		return nil, fmt.Errorf("siotest: %q is not an ACK payload", p.Text)
	}
	return arr, nil
}

// Parse decodes the text part of a packet and returns the number of
// binary attachments it announces.
func Parse(text string) (Packet, int, error) {
	p := Packet{Text: text, Nsp: "/", ID: -1}
	if text == "" || text[0] < '0' || text[0] > '6' {
		return p, 0, fmt.Errorf("siotest: bad packet type in %q", text)
	}
	p.Type = int(text[0] - '0')
	rest := text[1:]
	n := 0
	if p.Type == BinaryEvent || p.Type == BinaryAck {
		count, after, ok := strings.Cut(rest, "-")
		var err error
		if n, err = strconv.Atoi(count); !ok || err != nil {
			return p, 0, fmt.Errorf("siotest: bad attachment count in %q", text)
		}
		rest = after
	}
	if strings.HasPrefix(rest, "/") {
		nsp, after, ok := strings.Cut(rest, ",")
		p.Nsp = nsp
		if ok {
			rest = after
		} else {
			rest = ""
		}
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i > 0 {
		id, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil {
			return p, 0, fmt.Errorf("siotest: bad ack id in %q", text)
		}
		p.ID = id
	}
	p.Data = rest[i:]
	if p.Data != "" && !json.Valid([]byte(p.Data)) {
		return p, 0, fmt.Errorf("siotest: invalid JSON payload in %q", text)
	}
	return p, n, nil
}

// Client is one Socket.IO connection (an Engine.IO session and the
// namespaces multiplexed over it).
type Client struct {
	EIO *eiotest.Client
}

// Dial opens an Engine.IO session to base (the server URL including the
// path, e.g. "http://127.0.0.1:1234/socket.io/") in the given mode. No
// namespace is joined: call Connect.
func Dial(ctx context.Context, base string, mode eiotest.Mode) (*Client, error) {
	// No keep-alive: a finished test leaves no idle connection (and no
	// goroutine) behind.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	c, err := eiotest.Dial(ctx, eiotest.Config{Base: base, HTTP: hc}, mode)
	if err != nil {
		return nil, err
	}
	return &Client{EIO: c}, nil
}

// DialConfig is Dial with an Engine.IO client configuration (a Dialer
// that offers compression, say); a nil cfg.HTTP is a client without
// keep-alive, as Dial's.
func DialConfig(ctx context.Context, cfg eiotest.Config, mode eiotest.Mode) (*Client, error) {
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	}
	c, err := eiotest.Dial(ctx, cfg, mode)
	if err != nil {
		return nil, err
	}
	return &Client{EIO: c}, nil
}

// DialV3 is Dial for a socket.io-client 2.x connection: Socket.IO
// protocol 4 over Engine.IO 3 with the given framing. The server joins
// such a connection to "/" by itself; its first packet is that CONNECT
// reply ("0").
func DialV3(ctx context.Context, base string, mode eiotest.Mode, v3 eiotest.V3) (*Client, error) {
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	c, err := eiotest.Dial(ctx, eiotest.Config{Base: base, HTTP: hc, V3: &v3}, mode)
	if err != nil {
		return nil, err
	}
	return &Client{EIO: c}, nil
}

// Send writes one packet given in its text form, followed by its binary
// attachments (one POST on polling, one frame each on WebSocket).
func (c *Client) Send(text string, attachments ...[]byte) error {
	pkts := make([]eiotest.Packet, 0, 1+len(attachments))
	pkts = append(pkts, eiotest.Msg(text))
	for _, a := range attachments {
		pkts = append(pkts, eiotest.Bin(a))
	}
	return c.EIO.Send(pkts...)
}

// ErrNotMessage is returned by Recv for an Engine.IO packet that is not a
// message (a close packet, say).
var ErrNotMessage = errors.New("siotest: not a message packet")

// Recv returns the next packet with its attachments, waiting at most
// timeout for each Engine.IO message. Once the session has ended it returns
// the error that ended it (see eiotest.Client.Recv).
func (c *Client) Recv(timeout time.Duration) (Packet, error) {
	m, err := c.EIO.Recv(timeout)
	if err != nil {
		return Packet{}, err
	}
	if m.Binary {
		return Packet{}, fmt.Errorf("siotest: unexpected binary message %x", m.Data)
	}
	if m.Type != eiotest.Message {
		return Packet{}, fmt.Errorf("%w: %q", ErrNotMessage, m)
	}
	p, n, err := Parse(string(m.Data))
	if err != nil {
		return p, err
	}
	for i := 0; i < n; i++ {
		b, err := c.EIO.Recv(timeout)
		if err != nil {
			return p, fmt.Errorf("siotest: attachment %d of %q: %w", i, p.Text, err)
		}
		if !b.Binary {
			return p, fmt.Errorf("siotest: attachment %d of %q: got text %q", i, p.Text, b)
		}
		p.Attachments = append(p.Attachments, b.Data)
	}
	return p, nil
}

// Expect receives one packet and checks its text form.
func (c *Client) Expect(timeout time.Duration, want string) (Packet, error) {
	p, err := c.Recv(timeout)
	if err != nil {
		return p, fmt.Errorf("siotest: waiting for %q: %w", want, err)
	}
	if p.Text != want {
		return p, fmt.Errorf("siotest: got %q, want %q", p, want)
	}
	return p, nil
}

// Connect joins a namespace ("/" or "/admin") with an optional auth
// payload (a JSON object, "" for none) and returns the socket id of the
// server's CONNECT reply. A CONNECT_ERROR reply is returned as a
// *ConnectError.
func (c *Client) Connect(nsp, auth string, timeout time.Duration) (string, error) {
	if err := c.Send(ConnectText(nsp, auth)); err != nil {
		return "", err
	}
	p, err := c.Recv(timeout)
	if err != nil {
		return "", err
	}
	switch {
	case p.Type == ConnectError && p.Nsp == normNsp(nsp):
		return "", &ConnectErr{Packet: p}
	case p.Type != Connect || p.Nsp != normNsp(nsp):
		return "", fmt.Errorf("siotest: got %q, want a CONNECT reply for %s", p, nsp)
	}
	var reply struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal([]byte(p.Data), &reply); err != nil || reply.SID == "" {
		return "", fmt.Errorf("siotest: CONNECT reply %q has no sid", p)
	}
	return reply.SID, nil
}

// ConnectErr is a CONNECT_ERROR answering Connect.
type ConnectErr struct{ Packet Packet }

func (e *ConnectErr) Error() string { return "siotest: connect error " + e.Packet.Text }

// ConnectText is the text of a CONNECT packet.
func ConnectText(nsp, auth string) string {
	return "0" + Prefix(nsp) + auth
}

// Prefix is what precedes the ack id and payload for a namespace: "" for
// "/", "/admin," otherwise.
func Prefix(nsp string) string {
	nsp = normNsp(nsp)
	if nsp == "/" {
		return ""
	}
	return nsp + ","
}

func normNsp(nsp string) string {
	if !strings.HasPrefix(nsp, "/") {
		return "/" + nsp
	}
	return nsp
}

// Drain reads until the session ends and returns what was received and
// the error that ended it; eiotest.ErrTimeout if it did not end within
// timeout.
func (c *Client) Drain(timeout time.Duration) ([]Packet, error) {
	deadline := time.Now().Add(timeout)
	var got []Packet
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return got, eiotest.ErrTimeout
		}
		m, err := c.EIO.Recv(left)
		if err != nil {
			return got, err
		}
		if m.Binary || m.Type != eiotest.Message {
			got = append(got, Packet{Text: m.String(), Type: -1, ID: -1})
			continue
		}
		p, _, _ := Parse(string(m.Data))
		got = append(got, p)
	}
}

// Close closes the session from the client side (see
// eiotest.Client.Close) and stops the client.
func (c *Client) Close() error { return c.EIO.Close(5 * time.Second) }

// Stop ends the client at once.
func (c *Client) Stop() { c.EIO.Stop() }
