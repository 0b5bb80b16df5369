package socketio

import (
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/gosio/socketio/codec"
)

// AckFunc answers a client's acknowledgement request. Only the first call
// sends anything; later calls return ErrAckAlreadySent.
type AckFunc func(args ...any) error

// Args are the arguments of an event or an ack as received, decoded on
// demand: Len, and Decode(i, &v), as encoding/json would (a binary
// attachment decodes into []byte). A handler parameter of this type, last
// before any AckFunc, receives the arguments its other parameters did not
// take. It is codec.Args, named here so that handlers need no other
// import.
type Args = codec.Args

// ErrAckAlreadySent is returned by an AckFunc called more than once.
var ErrAckAlreadySent = errors.New("socketio: ack already sent")

// handler is a typed event handler: the func and its analysed signature.
type handler struct {
	fn   reflect.Value
	fast fastHandler // set for the common signatures: no reflection per call
	*handlerType
}

// keepsArgs reports whether the handler may keep a reference to the
// codec.Args it is called with: a reflective handler with a codec.Args
// parameter. Every other handler, typed ones included, decodes copies.
func (h *handler) keepsArgs() bool {
	return h.handlerType == nil || h.rawArgs
}

// handlerType is a handler signature, analysed once per func type: each
// parameter's kind is decided here, so dispatching an event only decodes.
// It is shared by every handler of that type (see handlerTypes): each
// socket usually registers the same few handlers, so a registration then
// costs the func value, not a fresh copy of the analysis.
type handlerType struct {
	params    []reflect.Type // decoded argument types, in order; read-only
	rawArgs   bool           // a codec.Args parameter follows the decoded ones
	ack       ackKind        // a trailing ack parameter
	errFirst  bool           // the first parameter is an error (ack callbacks with a timeout)
	returnsEr bool
}

// handlerTypes caches *handlerType by func type (reflect.Type). It only
// grows with the distinct handler types of the program, not with sockets.
var handlerTypes sync.Map

type ackKind uint8

const (
	ackNone     ackKind = iota
	ackFunc             // AckFunc
	ackVariadic         // func(...any)
)

var (
	argsType     = reflect.TypeOf((*codec.Args)(nil)).Elem()
	errorType    = reflect.TypeOf((*error)(nil)).Elem()
	ackFuncType  = reflect.TypeOf(AckFunc(nil))
	variadicType = reflect.TypeOf(func(...any) {})
)

func isFunc(v any) bool {
	return v != nil && reflect.TypeOf(v).Kind() == reflect.Func
}

// mustHandler is makeHandler for registration calls, where a bad handler
// is a programming error.
func mustHandler(event string, fn any) handler {
	h, err := makeHandler(fn)
	if err != nil {
		panic(fmt.Sprintf("socketio: handler for %q: %v", event, err))
	}
	return h
}

func newHandler(fn any) (*handler, error) {
	h, err := makeHandler(fn)
	if err != nil {
		return nil, err
	}
	return &h, nil
}

func makeHandler(fn any) (handler, error) {
	v := reflect.ValueOf(fn)
	if !v.IsValid() || v.Kind() != reflect.Func {
		return handler{}, fmt.Errorf("not a func: %T", fn)
	}
	t := v.Type()
	if ht, ok := handlerTypes.Load(t); ok {
		return handler{fn: v, fast: fastHandlerOf(fn), handlerType: ht.(*handlerType)}, nil
	}
	ht, err := analyseHandler(t)
	if err != nil {
		return handler{}, err
	}
	actual, _ := handlerTypes.LoadOrStore(t, ht)
	return handler{fn: v, fast: fastHandlerOf(fn), handlerType: actual.(*handlerType)}, nil
}

func analyseHandler(t reflect.Type) (*handlerType, error) {
	if t.IsVariadic() {
		return nil, errors.New("variadic handlers are not supported; take socketio.Args")
	}
	h := &handlerType{}
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
				return nil, errors.New("a socketio.Args parameter must come last (before the ack)")
			}
			h.rawArgs = true
			break
		}
		if pt.Kind() == reflect.Func || pt.Kind() == reflect.Chan {
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

// call decodes args into the handler's parameters and runs it. A payload
// that does not fit is reported as an *ArgumentError (and answered on the
// ack, when there is one); a panic is recovered as a *PanicError. Missing
// arguments are zero values; extra ones are ignored.
func (h *handler) call(srv *Server, event string, args codec.Args, ack AckFunc) (err error) {
	if h.fast != nil {
		err = h.callFast(event, args, ack)
		if err != nil && ack != nil {
			// Declared here: errors.As moves ae to the heap, which would
			// cost every call an allocation.
			var ae *ArgumentError
			if errors.As(err, &ae) {
				_ = ack(map[string]any{"message": ae.Error()})
			}
		}
		return err
	}
	in, err := h.decode(event, nil, args, ack)
	if err != nil {
		var ae *ArgumentError
		if ack != nil && errors.As(err, &ae) {
			_ = ack(map[string]any{"message": ae.Error()})
		}
		return err
	}
	return h.invoke(event, in)
}

func (h *handler) decode(event string, prefix error, args codec.Args, ack AckFunc) ([]reflect.Value, error) {
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
				return nil, &ArgumentError{Event: event, Index: i, Err: err}
			}
		}
		in = append(in, ptr.Elem())
	}
	if h.rawArgs {
		in = append(in, reflect.ValueOf(skipArgs{args, len(h.params)}))
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
	return in, nil
}

func (h *handler) invoke(event string, in []reflect.Value) (err error) {
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

// skipArgs presents the arguments after the first n.
type skipArgs struct {
	codec.Args
	n int
}

func (a skipArgs) Len() int {
	if a.Args == nil || a.Args.Len() < a.n {
		return 0
	}
	return a.Args.Len() - a.n
}

func (a skipArgs) Decode(i int, v any) error {
	if i < 0 || i >= a.Len() {
		return codec.ErrNoArgument
	}
	return a.Args.Decode(i+a.n, v)
}

// fastHandler runs a handler of a common signature without reflection:
// decoding into a typed local and a direct call cost a fraction of
// reflect.Value.Call on a path taken for every event.
type fastHandler func(event string, args codec.Args, ack AckFunc) error

func (h *handler) callFast(event string, args codec.Args, ack AckFunc) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Event: event, Value: v}
		}
	}()
	return h.fast(event, args, ack)
}

// fastHandlerOf returns the fast form of fn, or nil for other signatures
// (they take the reflective path, with the same semantics).
func fastHandlerOf(fn any) fastHandler {
	switch f := fn.(type) {
	case func():
		return func(string, codec.Args, AckFunc) error { f(); return nil }
	case func(AckFunc):
		return func(_ string, _ codec.Args, ack AckFunc) error { f(ack); return nil }
	case func(codec.Args):
		return func(_ string, a codec.Args, _ AckFunc) error { f(skipArgs{a, 0}); return nil }
	case func(codec.Args, AckFunc):
		return func(_ string, a codec.Args, ack AckFunc) error { f(skipArgs{a, 0}, ack); return nil }
	// A string or any argument that is a plain string is handed over
	// directly; otherwise it is decoded. One closure, calling f itself:
	// each level of closure is one more object per socket, and one more
	// read of memory that is often not in cache when an event wakes the
	// connection (docs/architecture.md, "Where the ack gap to raw is").
	case func(any):
		return func(event string, a codec.Args, _ AckFunc) error {
			if s, ok := plainArg(a); ok {
				f(s)
				return nil
			}
			return decode1(event, a, f)
		}
	case func(any, AckFunc):
		return func(event string, a codec.Args, ack AckFunc) error {
			if s, ok := plainArg(a); ok {
				f(s, ack)
				return nil
			}
			return decode1Ack(event, a, ack, f)
		}
	case func(string):
		return func(event string, a codec.Args, _ AckFunc) error {
			if s, ok := plainArg(a); ok {
				f(s)
				return nil
			}
			return decode1(event, a, f)
		}
	case func(string, AckFunc):
		return func(event string, a codec.Args, ack AckFunc) error {
			if s, ok := plainArg(a); ok {
				f(s, ack)
				return nil
			}
			return decode1Ack(event, a, ack, f)
		}
	case func(map[string]any):
		return fast1(f)
	case func(map[string]any, AckFunc):
		return fast1Ack(f)
	case func(string) error:
		return func(event string, a codec.Args, _ AckFunc) error {
			var v string
			if err := decodeArg(event, a, 0, &v); err != nil {
				return err
			}
			return f(v)
		}
	}
	return nil
}

func fast1[T any](f func(T)) fastHandler {
	return func(event string, a codec.Args, _ AckFunc) error { return decode1(event, a, f) }
}

// decode1 decodes the first argument into a T and calls f with it. The
// destination variable escapes to the heap (decodeArg takes it as an
// any): the plain-string paths above save that allocation.
func decode1[T any](event string, a codec.Args, f func(T)) error {
	var v T
	if err := decodeArg(event, a, 0, &v); err != nil {
		return err
	}
	f(v)
	return nil
}

// plainArg returns the first argument when the parser can hand it over
// as a plain string (codec's JSON arguments: see jsonArgs.PlainString).
func plainArg(a codec.Args) (string, bool) {
	if p, ok := a.(interface{ PlainString(i int) (string, bool) }); ok {
		return p.PlainString(0)
	}
	return "", false
}

func fast1Ack[T any](f func(T, AckFunc)) fastHandler {
	return func(event string, a codec.Args, ack AckFunc) error { return decode1Ack(event, a, ack, f) }
}

// decode1Ack is decode1 for a handler that takes an ack.
func decode1Ack[T any](event string, a codec.Args, ack AckFunc, f func(T, AckFunc)) error {
	var v T
	if err := decodeArg(event, a, 0, &v); err != nil {
		return err
	}
	f(v, ack)
	return nil
}

// decodeArg decodes argument i into v as the reflective path does: a
// missing argument leaves the zero value.
func decodeArg(event string, a codec.Args, i int, v any) error {
	if a == nil || i >= a.Len() {
		return nil
	}
	if err := a.Decode(i, v); err != nil {
		return &ArgumentError{Event: event, Index: i, Err: err}
	}
	return nil
}
