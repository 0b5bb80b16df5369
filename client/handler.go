package client

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/gosio/socketio/codec"
)

// AckFunc answers the server's acknowledgement request of an event. Only
// the first call sends anything; later calls return ErrAckAlreadySent. It
// returns ErrDisconnected when the connection the event came on is gone.
// It may be kept and called later, from any goroutine.
type AckFunc func(args ...any) error

// Args are the arguments of an event or an ack as received, decoded on
// demand: Len, and Decode(i, &v), as encoding/json would (a binary
// attachment decodes into []byte). A handler parameter of this type, last
// before any AckFunc, receives the arguments its other parameters did not
// take. It is codec.Args, named here so that handlers need no other
// import.
type Args = codec.Args

// handler is a typed event handler or ack callback: the func and its
// signature, analysed once when it is registered, so that a call only
// decodes.
type handler struct {
	fn        reflect.Value
	params    []reflect.Type // decoded argument types, in order
	rawArgs   bool           // a codec.Args parameter follows the decoded ones
	ack       ackKind        // a trailing ack parameter
	errFirst  bool           // the first parameter is an error (ack callbacks)
	returnsEr bool
}

type ackKind uint8

const (
	ackNone     ackKind = iota
	ackFunc             // AckFunc
	ackVariadic         // func(...any)
)

var (
	argsType     = reflect.TypeFor[codec.Args]()
	errorType    = reflect.TypeFor[error]()
	ackFuncType  = reflect.TypeFor[AckFunc]()
	variadicType = reflect.TypeFor[func(...any)]()
)

// newHandler analyses fn: a func whose parameters receive the arguments in
// order (decoded as encoding/json would; []byte receives a binary
// attachment), optionally followed by an Args receiving the remaining
// arguments undecoded, and by an AckFunc or func(...any) receiving the ack
// callback; it may return an error, which is reported. An ack callback may
// take an error first: it then also learns of timeouts and
// disconnections.
func newHandler(fn any) (*handler, error) {
	v := reflect.ValueOf(fn)
	if !v.IsValid() || v.Kind() != reflect.Func {
		return nil, fmt.Errorf("not a func: %T", fn)
	}
	if v.IsNil() {
		return nil, errors.New("nil func")
	}
	t := v.Type()
	if t.IsVariadic() {
		return nil, errors.New("variadic handlers are not supported; take client.Args")
	}
	h := &handler{fn: v}
	n := t.NumIn()
	if n > 0 {
		switch t.In(n - 1) {
		case ackFuncType:
			h.ack, n = ackFunc, n-1
		case variadicType:
			h.ack, n = ackVariadic, n-1
		}
	}
	start := 0
	if n > 0 && t.In(0) == errorType {
		h.errFirst, start = true, 1
	}
	for i := start; i < n; i++ {
		pt := t.In(i)
		if pt == argsType {
			if i != n-1 {
				return nil, errors.New("a client.Args parameter must come last (before the ack)")
			}
			h.rawArgs = true
			break
		}
		switch pt.Kind() {
		case reflect.Func, reflect.Chan, reflect.UnsafePointer, reflect.Complex64, reflect.Complex128:
			return nil, fmt.Errorf("parameter %d: cannot decode into %s", i, pt)
		}
		h.params = append(h.params, pt)
	}
	switch t.NumOut() {
	case 0:
	case 1:
		if t.Out(0) != errorType {
			return nil, errors.New("a handler may only return an error")
		}
		h.returnsEr = true
	default:
		return nil, errors.New("a handler may only return an error")
	}
	return h, nil
}

// call decodes args into the parameters and runs the handler. A payload
// that does not fit is an *ArgumentError (the handler does not run); a
// panic is recovered as a *PanicError; an error the handler returns is
// returned. Missing arguments are zero values; extra ones are ignored.
// prefix is the error given to an error-first callback.
func (h *handler) call(event string, prefix error, args codec.Args, ack AckFunc) (err error) {
	in := make([]reflect.Value, 0, len(h.params)+3)
	if h.errFirst {
		if prefix == nil {
			in = append(in, reflect.Zero(errorType))
		} else {
			in = append(in, reflect.ValueOf(prefix))
		}
	}
	nargs := 0
	if args != nil {
		nargs = args.Len()
	}
	for i, pt := range h.params {
		ptr := reflect.New(pt)
		if i < nargs {
			if err := args.Decode(i, ptr.Interface()); err != nil {
				return &ArgumentError{Event: event, Index: i, Err: err}
			}
		}
		in = append(in, ptr.Elem())
	}
	if h.rawArgs {
		in = append(in, reflect.ValueOf(codec.Args(sliceArgs{args, len(h.params), nargs})))
	}
	switch h.ack {
	case ackFunc:
		in = append(in, reflect.ValueOf(ack))
	case ackVariadic:
		var f func(...any)
		if ack != nil {
			f = func(a ...any) { _ = ack(a...) }
		}
		in = append(in, reflect.ValueOf(f))
	}
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Event: event, Value: v}
		}
	}()
	out := h.fn.Call(in)
	if h.returnsEr && !out[0].IsNil() {
		return out[0].Interface().(error)
	}
	return nil
}

// sliceArgs presents the arguments from..to of an Args: the rest of an
// event's arguments, or all but the recovery offset the server appended.
type sliceArgs struct {
	a        codec.Args
	from, to int
}

func (s sliceArgs) Len() int {
	if s.a == nil || s.to <= s.from {
		return 0
	}
	return s.to - s.from
}

func (s sliceArgs) Decode(i int, v any) error {
	if i < 0 || i >= s.Len() {
		return codec.ErrNoArgument
	}
	return s.a.Decode(i+s.from, v)
}
