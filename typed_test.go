package socketio_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	socketio "github.com/gosio/socketio"
)

type chatMessage struct {
	Room string `json:"room"`
	Text string `json:"text"`
}

// socketio.On decodes the first argument into T.
func TestTypedOn(t *testing.T) {
	got := make(chan chatMessage, 1)
	e, c, s := connectOne(t, nil, nil)
	socketio.On(s, "chat", func(m chatMessage) { got <- m })
	send(t, c, `2["chat",{"room":"r","text":"hi"}]`)
	if m := recvChan(t, got, "chat"); m != (chatMessage{"r", "hi"}) {
		t.Fatalf("got %+v", m)
	}
	// A payload that does not fit: the error handler gets an
	// *ArgumentError, the client's ack the message, fn is not called.
	send(t, c, `27["chat","not an object"]`)
	p := recv(t, c)
	if p.Type != 3 || p.ID != 7 || !strings.Contains(p.Text, `"message":"socketio: event \"chat\": argument 0`) {
		t.Fatalf("ack %q", p.Text)
	}
	var ae *socketio.ArgumentError
	if err := e.nextErr(); !errors.As(err, &ae) || ae.Event != "chat" {
		t.Fatalf("error %v, want an *ArgumentError", err)
	}
	select {
	case m := <-got:
		t.Fatalf("fn called with %+v", m)
	default:
	}
}

// socketio.OnAck answers the ack with fn's result, or its error's message.
func TestTypedOnAck(t *testing.T) {
	e, c, s := connectOne(t, nil, nil)
	socketio.OnAck(s, "sum", func(ctx context.Context, xs []int) (int, error) {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if len(xs) == 0 {
			return 0, errors.New("nothing to add")
		}
		n := 0
		for _, x := range xs {
			n += x
		}
		return n, nil
	})
	send(t, c, `21["sum",[1,2,3]]`)
	expect(t, c, `31[6]`)
	send(t, c, `22["sum",[]]`)
	expect(t, c, `32[{"message":"nothing to add"}]`)
	if err := e.nextErr(); err == nil || err.Error() != "nothing to add" {
		t.Fatalf("error handler got %v", err)
	}
	// Without an ack id fn still runs; nothing is sent back.
	send(t, c, `2["sum",[4]]`)
	send(t, c, `23["sum",[5]]`)
	expect(t, c, `33[5]`)
}

// Reserved event names are refused at registration, by On and the typed
// helpers alike.
func TestOnReservedEventPanics(t *testing.T) {
	_, _, s := connectOne(t, nil, nil)
	for _, reg := range []func(){
		func() { s.On("connect", func() {}) },
		func() { socketio.On(s, "connect_error", func(string) {}) },
		func() {
			socketio.OnAck(s, "newListener", func(context.Context, int) (int, error) { return 0, nil })
		},
	} {
		func() {
			defer func() {
				if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), "reserved event name") {
					t.Errorf("recovered %v, want a reserved-name panic", v)
				}
			}()
			reg()
		}()
	}
}
