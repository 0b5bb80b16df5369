package socketio

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gosio/socketio/codec"
)

// White-box tests of typed handlers: signature analysis (newHandler) and
// argument decoding (handler.call), including a fuzz target.

// hArgs decodes one EVENT packet (text, then attachments) and returns its
// arguments.
func hArgs(t testing.TB, text string, atts ...[]byte) codec.Args {
	t.Helper()
	d := codec.JSONParser{}.NewDecoder(codec.DecoderLimits{})
	p, err := d.Add(codec.Packet{Type: codec.PacketMessage, Data: []byte(text)})
	for _, a := range atts {
		if err != nil {
			break
		}
		p, err = d.Add(codec.Packet{Type: codec.PacketMessage, Data: a, Binary: true})
	}
	if err != nil || p == nil {
		t.Fatalf("decoding %q: %v, %v", text, p, err)
	}
	return p.Args
}

func TestNewHandlerSignatures(t *testing.T) {
	tests := []struct {
		name    string
		fn      any
		wantErr string // "" for a valid handler
	}{
		{"no params", func() {}, ""},
		{"typed params", func(string, int, []byte, map[string]any, *struct{ A int }) {}, ""},
		{"ack func", func(string, AckFunc) {}, ""},
		{"variadic ack", func(string, func(...any)) {}, ""},
		{"raw args", func(string, codec.Args) {}, ""},
		{"raw args then ack", func(codec.Args, AckFunc) {}, ""},
		{"error first", func(error, string) {}, ""},
		{"returns error", func(string) error { return nil }, ""},
		{"nil", nil, "not a func"},
		{"not a func", 42, "not a func"},
		{"variadic", func(...string) {}, "variadic"},
		{"raw args not last", func(codec.Args, string) {}, "must come last"},
		{"func param", func(func(), string) {}, "cannot decode"},
		{"chan param", func(chan int) {}, "cannot decode"},
		{"ack not last", func(AckFunc, string) {}, "cannot decode"},
		{"returns int", func() int { return 0 }, "may only return an error"},
		{"returns two", func() (error, error) { return nil, nil }, "may only return an error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := newHandler(tt.fn)
			if tt.wantErr == "" {
				if err != nil || h == nil {
					t.Fatalf("newHandler: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("newHandler error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestMustHandlerPanics(t *testing.T) {
	defer func() {
		v := recover()
		if v == nil || !strings.Contains(v.(string), `"ev"`) {
			t.Fatalf("recover() = %v, want a panic naming the event", v)
		}
	}()
	mustHandler("ev", 1)
}

type hStruct struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
	N    *int   `json:"n,omitempty"`
}

func TestHandlerCall(t *testing.T) {
	type result struct {
		s    string
		n    int
		st   hStruct
		b    []byte
		rest int
		ack  bool
	}
	var got result
	h := mustHandler("e", func(s string, n int, st hStruct, b []byte, rest codec.Args, ack AckFunc) {
		got = result{s, n, st, b, rest.Len(), ack != nil}
	})
	var acked []any
	ack := AckFunc(func(a ...any) error { acked = a; return nil })

	args := hArgs(t, `52-["e","s",3,{"name":"x","data":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1},"r1","r2"]`, []byte{1}, []byte{2, 3})
	if err := h.call(nil, "e", args, ack); err != nil {
		t.Fatal(err)
	}
	want := result{"s", 3, hStruct{Name: "x", Data: []byte{1}}, []byte{2, 3}, 2, true}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if acked != nil {
		t.Fatalf("ack called with %v by a successful call", acked)
	}

	// Missing arguments are zero values; no ack is nil.
	got = result{}
	if err := h.call(nil, "e", hArgs(t, `2["e","only"]`), nil); err != nil {
		t.Fatal(err)
	}
	if want := (result{s: "only"}); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}

	// A misfit is an *ArgumentError, answered on the ack.
	err := h.call(nil, "e", hArgs(t, `2["e","s","three"]`), ack)
	ae, ok := err.(*ArgumentError)
	if !ok {
		t.Fatalf("err = %T %v, want *ArgumentError", err, err)
	}
	if ae.Event != "e" || ae.Index != 1 || ae.Unwrap() == nil {
		t.Fatalf("ArgumentError = %+v", ae)
	}
	if len(acked) != 1 || !reflect.DeepEqual(acked[0], map[string]any{"message": ae.Error()}) {
		t.Fatalf("ack got %#v, want {message: %q}", acked, ae.Error())
	}
}

func TestHandlerCallErrorsAndPanics(t *testing.T) {
	boom := errors.New("boom")
	h := mustHandler("e", func() error { return boom })
	if err := h.call(nil, "e", hArgs(t, `2["e"]`), nil); err != boom {
		t.Fatalf("returned error = %v, want boom", err)
	}
	h = mustHandler("e", func(s string) { panic("bad " + s) })
	err := h.call(nil, "e", hArgs(t, `2["e","x"]`), nil)
	pe, ok := err.(*PanicError)
	if !ok || pe.Event != "e" || pe.Value != "bad x" || !strings.Contains(pe.Error(), "bad x") {
		t.Fatalf("err = %#v, want *PanicError", err)
	}
}

func TestHandlerVariadicAck(t *testing.T) {
	var acked []any
	ack := AckFunc(func(a ...any) error { acked = a; return nil })
	h := mustHandler("e", func(n int, cb func(...any)) { cb(n+1, "x") })
	if err := h.call(nil, "e", hArgs(t, `2["e",1]`), ack); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(acked, []any{2, "x"}) {
		t.Fatalf("acked %v", acked)
	}
	// Without an ack the callback is nil.
	h = mustHandler("e", func(cb func(...any)) {
		if cb != nil {
			t.Error("callback is not nil without an ack id")
		}
	})
	if err := h.call(nil, "e", hArgs(t, `2["e"]`), nil); err != nil {
		t.Fatal(err)
	}
}

func TestSkipArgs(t *testing.T) {
	a := skipArgs{hArgs(t, `2["e",1,2,3]`), 2}
	var n int
	if a.Len() != 1 || a.Decode(0, &n) != nil || n != 3 {
		t.Fatalf("Len %d, Decode(0) = %d", a.Len(), n)
	}
	for _, i := range []int{-1, 1} {
		if err := a.Decode(i, &n); !errors.Is(err, codec.ErrNoArgument) {
			t.Fatalf("Decode(%d) = %v", i, err)
		}
	}
	if (skipArgs{hArgs(t, `2["e"]`), 3}).Len() != 0 || (skipArgs{nil, 0}).Len() != 0 {
		t.Fatal("Len of short args is not 0")
	}
}

// hFuzzParams are the decoded parameters of the fuzzed handler.
var hFuzzParams = []reflect.Type{
	reflect.TypeFor[string](),
	reflect.TypeFor[int](),
	reflect.TypeFor[hStruct](),
	reflect.TypeFor[[]any](),
	reflect.TypeFor[map[string]any](),
	reflect.TypeFor[*float64](),
	reflect.TypeFor[[]byte](),
	reflect.TypeFor[any](),
}

// FuzzArgsDecode calls a handler with typed parameters (string, int, a
// struct with []byte, []any, map[string]any, a pointer, []byte, any, then
// codec.Args and an ack) with fuzzed JSON arguments and, optionally, a
// binary attachment. It must never panic; it returns nil or an
// *ArgumentError naming the first argument that does not fit, which is
// the first one encoding/json refuses when there is no attachment; the ack
// then receives {"message": ...}.
func FuzzArgsDecode(f *testing.F) {
	for _, s := range []string{
		`[]`,
		`["s",1,{"name":"x","data":"AQ=="},[1,"a"],{"a":1},2.5,"AQID",{"k":[null]}]`,
		`["s",1,{"name":"x","data":{"_placeholder":true,"num":0}},[{"_placeholder":true,"num":0}],{"b":{"_placeholder":true,"num":0}},null,{"_placeholder":true,"num":0},{"_placeholder":true,"num":0},"extra"]`,
		`[1]`, `["s","1"]`, `["s",1.5]`, `["s",1e400]`, `["s",99999999999999999999]`,
		`["s",1,[]]`, `["s",1,{"data":1}]`, `["s",1,{"n":"x"}]`, `["s",1,null,{}]`, `["s",1,null,null,[]]`,
		`["s",1,null,null,null,"x"]`, `["s",1,null,null,null,null,[1]]`, `["s",1,null,null,null,null,"!!"]`,
		`[{"_placeholder":true,"num":1}]`, `[null,null,{"_placeholder":true,"num":-1}]`,
		`["` + strings.Repeat("a", 100) + `"]`, `[[[[[[[[[[]]]]]]]]]]`,
	} {
		f.Add(s, []byte(nil), false)
		f.Add(s, []byte{1, 2, 3}, true)
	}
	srv := NewServer(nil)
	f.Fuzz(func(t *testing.T, argsJSON string, bin []byte, withAck bool) {
		var raws []json.RawMessage
		if json.Unmarshal([]byte(argsJSON), &raws) != nil {
			return
		}
		var sb strings.Builder
		if len(bin) > 0 {
			sb.WriteString("51-")
		} else {
			sb.WriteString("2")
		}
		if withAck {
			sb.WriteString("7")
		}
		sb.WriteString(`["e"`)
		for _, r := range raws {
			sb.WriteByte(',')
			sb.Write(r)
		}
		sb.WriteByte(']')
		d := codec.JSONParser{}.NewDecoder(codec.DecoderLimits{})
		p, err := d.Add(codec.Packet{Type: codec.PacketMessage, Data: []byte(sb.String())})
		if err == nil && len(bin) > 0 {
			p, err = d.Add(codec.Packet{Type: codec.PacketMessage, Data: bin, Binary: true})
		}
		if err != nil && len(bin) > 0 && errors.Is(err, codec.ErrInvalidSocketPacket) {
			return // a placeholder designating no attachment: refused by the decoder
		}
		if err != nil {
			t.Fatalf("decoding %q: %v", sb.String(), err)
		}

		called := false
		h := mustHandler("e", func(s string, n int, st hStruct, list []any, m map[string]any, pf *float64, b []byte, a any, rest codec.Args, ack AckFunc) error {
			called = true
			if want := max(0, len(raws)-len(hFuzzParams)); rest.Len() != want {
				t.Errorf("rest.Len() = %d, want %d", rest.Len(), want)
			}
			for i := 0; i < rest.Len(); i++ {
				var v any
				_ = rest.Decode(i, &v)
			}
			if withAck != (ack != nil) {
				t.Errorf("ack = %v with withAck = %v", ack != nil, withAck)
			}
			return nil
		})
		var acks [][]any
		var ack AckFunc
		if withAck {
			ack = func(a ...any) error { acks = append(acks, a); return nil }
		}
		err = h.call(srv, "e", p.Args, ack)

		// The first argument that does not fit, by the Args' own decoding
		// (and, without attachments, by encoding/json's).
		firstBad := -1
		for i, pt := range hFuzzParams {
			if i >= len(raws) {
				break
			}
			e1 := p.Args.Decode(i, reflect.New(pt).Interface())
			if len(bin) == 0 {
				e2 := json.Unmarshal(raws[i], reflect.New(pt).Interface())
				if (e1 == nil) != (e2 == nil) {
					t.Fatalf("argument %d (%s) into %s: Args.Decode %v, encoding/json %v", i, raws[i], pt, e1, e2)
				}
			}
			if e1 != nil {
				firstBad = i
				break
			}
		}
		if firstBad < 0 {
			if err != nil {
				t.Fatalf("call(%s) = %v, want nil", sb.String(), err)
			}
			if !called {
				t.Fatal("handler not called")
			}
			if len(acks) != 0 {
				t.Fatalf("ack sent %v by a successful call", acks)
			}
			return
		}
		ae, ok := err.(*ArgumentError)
		if !ok {
			t.Fatalf("call(%s) = %T %v, want *ArgumentError", sb.String(), err, err)
		}
		if ae.Event != "e" || ae.Index != firstBad || ae.Err == nil {
			t.Fatalf("ArgumentError %+v, want index %d", ae, firstBad)
		}
		if !strings.Contains(ae.Error(), strconv.Quote("e")) {
			t.Fatalf("message %q does not name the event", ae.Error())
		}
		if called {
			t.Fatal("handler called despite a misfit")
		}
		if withAck {
			if len(acks) != 1 || len(acks[0]) != 1 || !reflect.DeepEqual(acks[0][0], map[string]any{"message": ae.Error()}) {
				t.Fatalf("acks = %#v, want one {message: %q}", acks, ae.Error())
			}
		} else if len(acks) != 0 {
			t.Fatal("ack without an ack id")
		}
	})
}

// Handlers of one string or any argument take a plain string without the
// decoder (fastHandlerOf); every other argument takes the decoding path. Both
// give what encoding/json gives, and the plain path allocates only the
// string (and, for any, its box).
func TestPlainStringArgument(t *testing.T) {
	var gotS string
	var gotA any
	var acked bool
	hs := mustHandler("e", func(s string) { gotS = s })
	ha := mustHandler("e", func(v any) { gotA = v })
	hsa := mustHandler("e", func(s string, ack AckFunc) { gotS, acked = s, ack != nil })
	haa := mustHandler("e", func(v any, ack AckFunc) { gotA, acked = v, ack != nil })
	ack := AckFunc(func(...any) error { return nil })
	for _, raw := range []string{`"plain"`, `""`, `"esc\"aped"`, `"tab\t"`, `"ünï"`, `"\u00e9"`} {
		var want string
		if err := json.Unmarshal([]byte(raw), &want); err != nil {
			t.Fatal(err)
		}
		args := hArgs(t, `2["e",`+raw+`]`)
		for _, h := range []*handler{&hs, &hsa} {
			gotS, acked = "", false
			if err := h.call(nil, "e", args, ack); err != nil || gotS != want {
				t.Errorf("string handler on %s: %q, %v; want %q", raw, gotS, err, want)
			}
		}
		for _, h := range []*handler{&ha, &haa} {
			gotA = nil
			if err := h.call(nil, "e", args, ack); err != nil || gotA != any(want) {
				t.Errorf("any handler on %s: %#v, %v; want %q", raw, gotA, err, want)
			}
		}
		if !acked {
			t.Errorf("the ack was not passed on (%s)", raw)
		}
	}
	// Not a string: decoded (any) or refused (string), as before.
	if err := ha.call(nil, "e", hArgs(t, `2["e",42]`), nil); err != nil || gotA != any(float64(42)) {
		t.Errorf("any handler on 42: %#v, %v", gotA, err)
	}
	if err := hs.call(nil, "e", hArgs(t, `2["e",42]`), nil); err == nil {
		t.Error("string handler on 42: no error")
	}
	// No argument: the zero value.
	gotS = "x"
	if err := hs.call(nil, "e", hArgs(t, `2["e"]`), nil); err != nil || gotS != "" {
		t.Errorf("string handler without an argument: %q, %v", gotS, err)
	}

	args := hArgs(t, `2["e","0123456789abcdef"]`)
	for _, c := range []struct {
		name string
		h    *handler
		want float64
	}{{"string", &hs, 1}, {"any", &ha, 2}} {
		if n := testing.AllocsPerRun(100, func() { _ = c.h.call(nil, "e", args, nil) }); n != c.want {
			t.Errorf("%s handler: %v allocations per call, want %v", c.name, n, c.want)
		}
	}
}
