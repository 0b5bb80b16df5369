package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"

	"github.com/gosio/socketio/codec"
)

// pollingTransport is HTTP long-polling: a GET loop reads (pollLoop), the
// engine's writer POSTs batches. Its fields are set before the engine
// starts and only read afterwards.
type pollingTransport struct {
	e *engine
}

func (p *pollingTransport) name() string { return Polling }

var errReadLimit = errors.New("socketio: response larger than Options.MaxReadSize")

// get sends one polling GET (a handshake when sid is empty) and returns
// its body.
//
// net/http silently retries a GET on a new connection when a reused one
// fails after the request was written; the server may have answered on
// the dead connection, and those packets would be lost without the
// session noticing. Such a retry is aborted instead, so a lost connection
// is a "transport error", as in the JS client. (A retry before anything
// was written — a keep-alive connection the server had just closed — is
// harmless and let through.)
func (p *pollingTransport) get(ctx context.Context, sid string) ([]byte, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var written, conns atomic.Int32
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) {
			if conns.Add(1) > 1 && written.Load() > 0 {
				cancel(errConnectionLost)
			}
		},
		WroteRequest: func(httptrace.WroteRequestInfo) { written.Add(1) },
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.e.ep.url(Polling, sid), nil)
	if err != nil {
		return nil, &TransportError{Transport: Polling, Code: -1, Err: err}
	}
	body, err := p.do(req)
	if err != nil && errors.Is(context.Cause(ctx), errConnectionLost) {
		err = &TransportError{Transport: Polling, Code: -1, Err: errConnectionLost}
	}
	return body, err
}

var errConnectionLost = errors.New("socketio: connection lost during a poll")

// write POSTs one batch as a polling payload.
func (p *pollingTransport) write(ctx context.Context, pkts []codec.Packet) error {
	if d := p.e.writeTimeout(); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	body := codec.AppendPayload(make([]byte, 0, codec.PayloadLen(pkts)), pkts)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.e.ep.url(Polling, p.e.hs.SID), bytes.NewReader(body))
	if err != nil {
		return &TransportError{Transport: Polling, Code: -1, Err: err}
	}
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	_, err = p.do(req)
	return err
}

// do sends a request with the configured headers and returns the body of
// a 200 answer, read up to MaxReadSize; any other status is a
// *TransportError carrying the server's {"code","message"} when there is
// one.
func (p *pollingTransport) do(req *http.Request) ([]byte, error) {
	for k, vs := range p.e.cfg.header {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "*/*")
	resp, err := p.e.cfg.httpClient.Do(req)
	if err != nil {
		return nil, &TransportError{Transport: Polling, Code: -1, Err: err}
	}
	defer resp.Body.Close()
	limit := p.e.cfg.maxReadSize
	var r io.Reader = resp.Body
	if limit > 0 {
		r = io.LimitReader(resp.Body, limit+1)
	}
	body, err := io.ReadAll(r)
	if resp.StatusCode != http.StatusOK {
		te := &TransportError{Transport: Polling, StatusCode: resp.StatusCode, Code: -1}
		var answer struct {
			Code    *int   `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &answer) == nil && answer.Code != nil {
			te.Code, te.Message = *answer.Code, answer.Message
		}
		return nil, te
	}
	if err != nil {
		return nil, &TransportError{Transport: Polling, StatusCode: resp.StatusCode, Code: -1, Err: err}
	}
	if limit > 0 && int64(len(body)) > limit {
		return nil, &TransportError{Transport: Polling, StatusCode: resp.StatusCode, Code: -1, Err: errReadLimit}
	}
	return body, nil
}

// pollLoop is the reading goroutine on polling: the packets that came
// with the handshake, then one GET after another, until the engine closes
// or an upgrade pauses polling.
func (e *engine) pollLoop(p *pollingTransport) {
	e.mu.Lock()
	initial := e.initial
	e.initial = nil
	e.mu.Unlock()
	for _, pk := range initial {
		if e.receive(pk) {
			return
		}
	}
	for {
		e.mu.Lock()
		if e.state == engineClosed {
			e.mu.Unlock()
			return
		}
		if e.upgrading {
			e.pollStopped = true
			e.cond.Broadcast()
			e.mu.Unlock()
			return
		}
		e.mu.Unlock()
		body, err := p.get(e.ctx, e.hs.SID)
		if err != nil {
			e.closeNow(ReasonTransportError, err)
			return
		}
		err = codec.DecodePayload(body, func(pk codec.Packet) error {
			if e.receive(pk) {
				return errStop
			}
			return nil
		})
		if errors.Is(err, errStop) {
			return
		}
		if err != nil {
			e.closeNow(ReasonTransportError, &TransportError{Transport: Polling, StatusCode: http.StatusOK, Code: -1, Err: err})
			return
		}
	}
}
