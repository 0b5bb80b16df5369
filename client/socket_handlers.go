package client

import (
	"fmt"
	"log"
	"slices"

	"github.com/gosio/socketio/codec"
)

// On registers the handler of an event from the server, replacing any
// previous one. fn is a func whose parameters receive the event's
// arguments in order, decoded as encoding/json would ([]byte receives a
// binary attachment); an Args parameter after them receives the
// remaining arguments undecoded, and a trailing AckFunc (or func(...any))
// the ack callback when the server asked for one (nil otherwise). It may
// return an error, which goes to the OnError handlers. Missing arguments
// are zero values; extra ones are ignored; arguments that do not fit are
// reported as an *ArgumentError instead of running the handler.
//
// On("connect", func()), On("connect_error", func(error)) and
// On("disconnect", func(reason string)) are OnConnect, OnConnectError and
// OnDisconnect. The signature is checked here: On panics if fn is not
// such a func or event is another reserved name, which are programming
// errors.
func (s *Socket) On(event string, fn any) {
	switch event {
	case "connect":
		f, ok := fn.(func())
		if !ok {
			panic("socketio: On(\"connect\") needs a func()")
		}
		s.OnConnect(f)
		return
	case "connect_error":
		f, ok := fn.(func(error))
		if !ok {
			panic("socketio: On(\"connect_error\") needs a func(error)")
		}
		s.OnConnectError(f)
		return
	case "disconnect":
		f, ok := fn.(func(string))
		if !ok {
			panic("socketio: On(\"disconnect\") needs a func(reason string)")
		}
		s.OnDisconnect(f)
		return
	}
	if codec.IsReservedEvent(event) {
		panic(fmt.Sprintf("socketio: %q is a reserved event name", event))
	}
	h, err := newHandler(fn)
	if err != nil {
		panic(fmt.Sprintf("socketio: handler for %q: %v", event, err))
	}
	if h.errFirst {
		panic(fmt.Sprintf("socketio: handler for %q: an event handler cannot take an error first", event))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.h.events == nil {
		s.h.events = make(map[string]*handler)
	}
	s.h.events[event] = h
}

// Off removes the handler of event.
func (s *Socket) Off(event string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.h.events, event)
}

// OnAny adds a handler called for every event, before the event's own
// handler, with its name and arguments (without the recovery offset).
func (s *Socket) OnAny(fn func(event string, args Args)) { addSocketHandler(s, &s.h.any, fn) }

// OnConnect adds a handler called each time the socket connects (after
// the events the server replayed on a recovered connection).
func (s *Socket) OnConnect(fn func()) { addSocketHandler(s, &s.h.connect, fn) }

// OnConnectError adds a handler called when a connection attempt fails: a
// *ConnectError when the server refused the socket (it then stops
// trying), the transport's error (often a *TransportError) when the
// Manager could not connect (it retries unless reconnection is disabled).
func (s *Socket) OnConnectError(fn func(err error)) { addSocketHandler(s, &s.h.connectError, fn) }

// OnDisconnect adds a handler called when the connected socket
// disconnects, with the reason (ReasonServerDisconnect,
// ReasonTransportClose, …). The socket reconnects by itself unless the
// reason is ReasonServerDisconnect, ReasonClientDisconnect or
// ReasonForcedClose, or reconnection is disabled. Unlike the JS client, a
// socket that never connected gets no disconnect event.
func (s *Socket) OnDisconnect(fn func(reason string)) { addSocketHandler(s, &s.h.disconnect, fn) }

// OnError adds a handler for the errors of this socket's handlers and ack
// callbacks (*ArgumentError, *PanicError, returned errors). Without one,
// they are logged.
func (s *Socket) OnError(fn func(err error)) { addSocketHandler(s, &s.h.err, fn) }

// addSocketHandler appends fn to *list under s.mu, copy-on-write: a list
// already handed to the dispatcher is never modified.
func addSocketHandler[F any](s *Socket, list *[]F, fn F) {
	s.mu.Lock()
	*list = append(slices.Clip(*list), fn)
	s.mu.Unlock()
}

// report hands an error from a handler to the OnError handlers (logged
// when there is none). It runs on the dispatcher.
func (s *Socket) report(err error) {
	s.mu.Lock()
	fns := s.h.err
	s.mu.Unlock()
	if len(fns) == 0 {
		log.Printf("socketio client %s: %v", s.nsp, err)
		return
	}
	for _, fn := range fns {
		safeCall(func() { fn(err) })
	}
}
