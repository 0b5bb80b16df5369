package codec

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// Socket.IO JSON parser tests. Helpers are prefixed "sio" to stay apart
// from the Engine.IO tests of this package.

// sioWire renders encoded Engine.IO messages as the text of the first
// (the Socket.IO packet) and the attachments that follow.
func sioWire(t *testing.T, pkts []Packet) (string, [][]byte) {
	t.Helper()
	if len(pkts) == 0 {
		t.Fatal("Encode produced no message")
	}
	if pkts[0].Type != PacketMessage || pkts[0].Binary {
		t.Fatalf("first message = %v binary=%v, want a text message", pkts[0].Type, pkts[0].Binary)
	}
	var atts [][]byte
	for i, p := range pkts[1:] {
		if p.Type != PacketMessage || !p.Binary {
			t.Fatalf("message %d = %v binary=%v, want a binary message", i+1, p.Type, p.Binary)
		}
		atts = append(atts, p.Data)
	}
	return string(pkts[0].Data), atts
}

func sioEncode(t *testing.T, p *SocketPacket) (string, [][]byte) {
	t.Helper()
	pkts, err := JSONParser{}.Encode(nil, p)
	if err != nil {
		t.Fatalf("Encode(%+v): %v", p, err)
	}
	return sioWire(t, pkts)
}

func sioPH(n int) string { return fmt.Sprintf(`{"_placeholder":true,"num":%d}`, n) }

func TestSocketEncodeSpecExamples(t *testing.T) {
	// The examples of the Socket.IO v5 protocol document.
	tests := []struct {
		name string
		p    SocketPacket
		want string
		atts [][]byte
	}{
		{"connect main", SocketPacket{Type: Connect}, `0`, nil},
		{"connect reply admin", SocketPacket{Type: Connect, Nsp: "/admin", Data: map[string]any{"sid": "x"}}, `0/admin,{"sid":"x"}`, nil},
		{"connect error", SocketPacket{Type: ConnectError, Data: map[string]any{"message": "Not authorized"}}, `4{"message":"Not authorized"}`, nil},
		{"event", SocketPacket{Type: Event, Data: []any{"foo"}}, `2["foo"]`, nil},
		{"event nsp", SocketPacket{Type: Event, Nsp: "/admin", Data: []any{"bar"}}, `2/admin,["bar"]`, nil},
		{"event ack id", SocketPacket{Type: Event, ID: 12, HasID: true, Data: []any{"foo"}}, `212["foo"]`, nil},
		{"ack nsp", SocketPacket{Type: Ack, Nsp: "/admin", ID: 13, HasID: true, Data: []any{"bar"}}, `3/admin,13["bar"]`, nil},
		{"binary event", SocketPacket{Type: Event, Data: []any{"baz", []byte{1, 2, 3, 4}}},
			`51-["baz",` + sioPH(0) + `]`, [][]byte{{1, 2, 3, 4}}},
		{"binary event nsp two attachments", SocketPacket{Type: Event, Nsp: "/admin", Data: []any{"baz", []byte{1, 2}, []byte{3, 4}}},
			`52-/admin,["baz",` + sioPH(0) + `,` + sioPH(1) + `]`, [][]byte{{1, 2}, {3, 4}}},
		{"binary ack", SocketPacket{Type: Ack, ID: 15, HasID: true, Data: []any{"bar", []byte{1, 2, 3, 4}}},
			`61-15["bar",` + sioPH(0) + `]`, [][]byte{{1, 2, 3, 4}}},
		{"disconnect main", SocketPacket{Type: Disconnect}, `1`, nil},
		{"disconnect admin", SocketPacket{Type: Disconnect, Nsp: "/admin"}, `1/admin,`, nil},
		{"explicit root nsp", SocketPacket{Type: Event, Nsp: "/", Data: []any{"a"}}, `2["a"]`, nil},
		{"ack id zero", SocketPacket{Type: Ack, ID: 0, HasID: true, Data: []any{}}, `30[]`, nil},
		{"no html escaping", SocketPacket{Type: Event, Data: []any{"<b>&amp;</b>", map[string]string{"k": "a<b>c&d"}}},
			`2["<b>&amp;</b>",{"k":"a<b>c&d"}]`, nil},
		{"no html escaping with binary", SocketPacket{Type: Event, Data: []any{"<&>", []byte{9}}},
			`51-["<&>",` + sioPH(0) + `]`, [][]byte{{9}}},
		{"unicode", SocketPacket{Type: Event, Data: []any{"héllo 😀"}}, `2["héllo 😀"]`, nil},
		{"nil slice is null, not binary", SocketPacket{Type: Event, Data: []any{"x", []byte(nil)}}, `2["x",null]`, nil},
		{"empty slice is an attachment", SocketPacket{Type: Event, Data: []any{"x", []byte{}}},
			`51-["x",` + sioPH(0) + `]`, [][]byte{{}}},
		{"raw JSON is kept", SocketPacket{Type: Event, Data: []any{"x", json.RawMessage(`{"a":[1,2]}`), []byte{7}}},
			`51-["x",{"a":[1,2]},` + sioPH(0) + `]`, [][]byte{{7}}},
		{"ten attachments", SocketPacket{Type: Event, Data: []any{"x", []byte{0}, []byte{1}, []byte{2}, []byte{3}, []byte{4}, []byte{5}, []byte{6}, []byte{7}, []byte{8}, []byte{9}}},
			`510-["x",` + sioPH(0) + `,` + sioPH(1) + `,` + sioPH(2) + `,` + sioPH(3) + `,` + sioPH(4) + `,` + sioPH(5) + `,` + sioPH(6) + `,` + sioPH(7) + `,` + sioPH(8) + `,` + sioPH(9) + `]`,
			[][]byte{{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			text, atts := sioEncode(t, &p)
			if text != tt.want {
				t.Errorf("text = %s\nwant   %s", text, tt.want)
			}
			if !reflect.DeepEqual(atts, tt.atts) {
				t.Errorf("attachments = %v, want %v", atts, tt.atts)
			}
		})
	}
}

func TestSocketEncodeAppendsToDst(t *testing.T) {
	dst := []Packet{{Type: PacketPing}}
	out, err := JSONParser{}.Encode(dst, &SocketPacket{Type: Event, Data: []any{"a", []byte{1}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || out[0].Type != PacketPing {
		t.Fatalf("Encode must append after dst: got %d messages, first %v", len(out), out[0].Type)
	}
}

func TestSocketEncodeError(t *testing.T) {
	for _, data := range []any{
		[]any{"x", make(chan int)},
		[]any{"x", math.NaN()},
		[]any{"x", []byte{1}, func() {}},
		[]any{"x", map[string]any{"b": []byte{1}, "f": math.Inf(1)}},
	} {
		dst := []Packet{{Type: PacketNoop}}
		out, err := JSONParser{}.Encode(dst, &SocketPacket{Type: Event, Data: data})
		if err == nil {
			t.Errorf("Encode(%#v): no error", data)
			continue
		}
		if len(out) != 1 {
			t.Errorf("Encode(%#v) failed but changed dst: %d messages", data, len(out))
		}
	}
}

// Binary nested in containers: placeholders are numbered depth first, in
// the order the JSON is written.

type sioInner struct {
	Data []byte `json:"data"`
	Name string `json:"name,omitempty"`
}

type sioEmbedded struct {
	E []byte `json:"e"`
}

type sioOuter struct {
	sioEmbedded
	ID      int        `json:"id"`
	Skip    []byte     `json:"-"`
	Opt     []byte     `json:"opt,omitempty"`
	In      sioInner   `json:"in"`
	Ptr     *sioInner  `json:"ptr"`
	NilPtr  *sioInner  `json:"nilptr"`
	List    [][]byte   `json:"list"`
	Untyped any        `json:"untyped"`
	NoTag   []byte     // named by the Go field name
	private []byte     //nolint:unused // must not be sent
	Items   []sioInner `json:"items,omitempty"`
}

func TestSocketEncodeNestedBinary(t *testing.T) {
	b := func(v byte) []byte { return []byte{v} }
	tests := []struct {
		name string
		arg  any
		want string
		atts [][]byte
	}{
		{"slice of any", []any{1, b(0), "x", b(1)}, `[1,` + sioPH(0) + `,"x",` + sioPH(1) + `]`, [][]byte{{0}, {1}}},
		{"pointer to bytes", func() any { v := b(5); return &v }(), sioPH(0), [][]byte{{5}}},
		{"map with one binary", map[string]any{"file": b(3), "n": 1}, `{"file":` + sioPH(0) + `,"n":1}`, [][]byte{{3}}},
		{"map in slice in map", map[string]any{"a": []any{map[string]any{"b": b(4)}}}, `{"a":[{"b":` + sioPH(0) + `}]}`, [][]byte{{4}}},
		{"int keys", map[int][]byte{7: b(7)}, `{"7":` + sioPH(0) + `}`, [][]byte{{7}}},
		{"array of bytes", [2][]byte{b(1), b(2)}, `[` + sioPH(0) + `,` + sioPH(1) + `]`, [][]byte{{1}, {2}}},
		{"struct", sioOuter{
			sioEmbedded: sioEmbedded{E: b(0)},
			ID:          1,
			Skip:        b(99),
			In:          sioInner{Data: b(1)},
			Ptr:         &sioInner{Data: b(2), Name: "p"},
			List:        [][]byte{b(3), b(4)},
			Untyped:     []any{b(5)},
			NoTag:       b(6),
			private:     b(98),
		},
			`{"e":` + sioPH(0) + `,"id":1,"in":{"data":` + sioPH(1) + `},"ptr":{"data":` + sioPH(2) + `,"name":"p"},"nilptr":null,` +
				`"list":[` + sioPH(3) + `,` + sioPH(4) + `],"untyped":[` + sioPH(5) + `],"NoTag":` + sioPH(6) + `}`,
			[][]byte{{0}, {1}, {2}, {3}, {4}, {5}, {6}}},
		{"pointer to struct", &sioInner{Data: b(8)}, `{"data":` + sioPH(0) + `}`, [][]byte{{8}}},
		{"struct without binary value", sioInner{Name: "n"}, `{"data":null,"name":"n"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, atts := sioEncode(t, &SocketPacket{Type: Event, Data: []any{"e", tt.arg}})
			typ := "2"
			if len(tt.atts) > 0 {
				typ = fmt.Sprintf("5%d-", len(tt.atts))
			}
			want := typ + `["e",` + tt.want + `]`
			if text != want {
				t.Errorf("text = %s\nwant   %s", text, want)
			}
			if !reflect.DeepEqual(atts, tt.atts) {
				t.Errorf("attachments = %v, want %v", atts, tt.atts)
			}
		})
	}
}

// sioResolveBase64 replaces the placeholders of an encoded payload by the
// base64 of their attachments: the result must be what encoding/json
// writes for the original value.
func sioResolveBase64(t *testing.T, payload string, atts [][]byte) any {
	t.Helper()
	var tree any
	if err := json.Unmarshal([]byte(payload), &tree); err != nil {
		t.Fatalf("payload %s: %v", payload, err)
	}
	used := make([]bool, len(atts))
	var walk func(any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			if v["_placeholder"] == true {
				n := int(v["num"].(float64))
				if n < 0 || n >= len(atts) {
					t.Fatalf("placeholder %d out of range in %s", n, payload)
				}
				if used[n] {
					t.Fatalf("placeholder %d used twice in %s", n, payload)
				}
				used[n] = true
				return base64.StdEncoding.EncodeToString(atts[n])
			}
			for k, e := range v {
				v[k] = walk(e)
			}
		case []any:
			for i, e := range v {
				v[i] = walk(e)
			}
		}
		return v
	}
	tree = walk(tree)
	for i, u := range used {
		if !u {
			t.Fatalf("attachment %d is referenced by no placeholder in %s", i, payload)
		}
	}
	return tree
}

// TestSocketEncodeBinaryMatchesEncodingJSON checks that a value holding
// []byte is written the way encoding/json writes it, with each []byte as
// a placeholder: same field names, same omissions.
func TestSocketEncodeBinaryMatchesEncodingJSON(t *testing.T) {
	type withOmit struct {
		Bin      []byte            `json:"bin"`
		EmptyS   []string          `json:"emptyS,omitempty"`
		EmptyM   map[string]int    `json:"emptyM,omitempty"`
		EmptyB   []byte            `json:"emptyB,omitempty"`
		ZeroArr  [2]int            `json:"zeroArr,omitempty"`
		ZeroSt   sioInner          `json:"zeroSt,omitempty"`
		ZeroInt  int               `json:"zeroInt,omitempty"`
		ZeroStr  string            `json:"zeroStr,omitempty"`
		NilPtr   *int              `json:"nilPtr,omitempty"`
		NilIface any               `json:"nilIface,omitempty"`
		Full     map[string][]byte `json:"full,omitempty"`
		NilMap   map[string][]byte `json:"nilMap"`
		NilSlice [][]byte          `json:"nilSlice"`
		ZeroZ    int               `json:"zeroZ,omitzero"`
		ZeroTime time.Time         `json:"zeroTime,omitzero"`
		SetTime  time.Time         `json:"setTime,omitzero"`
		ZeroStZ  sioInner          `json:"zeroStZ,omitzero"`
		EmptyBZ  []byte            `json:"emptyBZ,omitzero"`
		StrOpt   int               `json:"strOpt,string"`
		StrOptS  string            `json:"strOptS,omitempty,string"`
		StrOptF  float64           `json:"strOptF,string"`
	}
	values := []any{
		sioOuter{ID: 3, In: sioInner{Data: []byte{1}}, List: [][]byte{{2}, nil}},
		map[string]any{"a": []byte{1}, "b": []any{[]byte{2}, map[string][]byte{"c": {3}}}, "d": 4},
		withOmit{
			Bin:     []byte{1},
			EmptyS:  []string{},
			EmptyM:  map[string]int{},
			EmptyB:  []byte{},
			Full:    map[string][]byte{"x": {2}},
			SetTime: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
			EmptyBZ: []byte{},
			StrOptS: `say "hi"`,
			StrOptF: 1.5,
		},
	}
	for i, v := range values {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			text, atts := sioEncode(t, &SocketPacket{Type: Event, Data: []any{"e", v}})
			_, payload, ok := strings.Cut(text, "-")
			if !ok {
				t.Fatalf("not a binary packet: %s", text)
			}
			got := sioResolveBase64(t, payload, atts)
			ref, err := json.Marshal([]any{"e", v})
			if err != nil {
				t.Fatal(err)
			}
			var want any
			if err := json.Unmarshal(ref, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				t.Errorf("with placeholders resolved:\n got %s\nwant %s (encoding/json)", g, ref)
			}
		})
	}
}

// A map's placeholders are numbered in the order the JSON is written:
// keys sorted as encoding/json sorts them, whatever Go's iteration order.
func TestSocketEncodeMapBinaryOrder(t *testing.T) {
	m := map[string]any{}
	want := `5%d-["e",{`
	for i := 0; i < 12; i++ {
		m[fmt.Sprintf("k%02d", i)] = []byte{byte(i)}
		if i > 0 {
			want += ","
		}
		want += fmt.Sprintf(`"k%02d":%s`, i, sioPH(i))
	}
	want = fmt.Sprintf(want, 12) + `}]`
	ints := map[int][]byte{10: {10}, 9: {9}, -1: {0}}
	wantInts := `53-["e",{"-1":` + sioPH(0) + `,"10":` + sioPH(1) + `,"9":` + sioPH(2) + `}]`
	for range 20 {
		if text, atts := sioEncode(t, &SocketPacket{Type: Event, Data: []any{"e", m}}); text != want || atts[11][0] != 11 {
			t.Fatalf("text = %s\nwant   %s", text, want)
		}
		if text, atts := sioEncode(t, &SocketPacket{Type: Event, Data: []any{"e", ints}}); text != wantInts || atts[1][0] != 10 {
			t.Fatalf("text = %s\nwant   %s", text, wantInts)
		}
	}
}

// Every attachment of a map is referenced exactly once by the right key.
func TestSocketEncodeMapBinaryRoundTrip(t *testing.T) {
	m := map[string][]byte{}
	for i := 0; i < 8; i++ {
		m[fmt.Sprint("k", i)] = []byte{byte(i)}
	}
	for range 10 {
		pkts, err := JSONParser{}.Encode(nil, &SocketPacket{Type: Event, Data: []any{"e", m}})
		if err != nil {
			t.Fatal(err)
		}
		p := sioDecodeAll(t, pkts)
		var got map[string][]byte
		if err := p.Args.Decode(0, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("round trip: got %v, want %v", got, m)
		}
	}
}

// Recursive types: every []byte reachable through the type graph must be
// an attachment, whatever the order the types were first seen in.
type sioTree struct {
	Kids []*sioTree `json:"kids,omitempty"`
	Data []byte     `json:"data,omitempty"`
}

type sioMutualA struct {
	B *sioMutualB `json:"b,omitempty"`
}

type sioMutualB struct {
	A    *sioMutualA `json:"a,omitempty"`
	Data []byte      `json:"data,omitempty"`
}

func TestSocketEncodeRecursiveTypes(t *testing.T) {
	tests := []struct {
		name string
		arg  any
		want string
		atts [][]byte
	}{
		{"tree", sioTree{Data: []byte{0}, Kids: []*sioTree{{Data: []byte{1}}, {Kids: []*sioTree{{Data: []byte{2}}}}}},
			`{"kids":[{"data":` + sioPH(0) + `},{"kids":[{"data":` + sioPH(1) + `}]}],"data":` + sioPH(2) + `}`,
			[][]byte{{1}, {2}, {0}}},
		{"mutual", sioMutualB{Data: []byte{0}, A: &sioMutualA{B: &sioMutualB{Data: []byte{1}}}},
			`{"a":{"b":{"data":` + sioPH(0) + `}},"data":` + sioPH(1) + `}`,
			[][]byte{{1}, {0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, atts := sioEncode(t, &SocketPacket{Type: Event, Data: []any{"e", tt.arg}})
			want := fmt.Sprintf(`5%d-["e",%s]`, strings.Count(tt.want, "_placeholder"), tt.want)
			if text != want {
				t.Errorf("text = %s\nwant   %s", text, want)
			}
			if !reflect.DeepEqual(atts, tt.atts) {
				t.Errorf("attachments = %v, want %v", atts, tt.atts)
			}
		})
	}
}

// TestSocketEncodeTypeAnalysisConcurrent encodes values of types whose
// analysis is not cached yet from several goroutines at once: none may see
// a half-done analysis and send a []byte as base64 text.
func TestSocketEncodeTypeAnalysisConcurrent(t *testing.T) {
	type fresh struct {
		Name string `json:"name"`
		Data []byte `json:"data"`
	}
	v := []any{"e", fresh{Name: "n", Data: []byte{1, 2}}}
	want := `51-["e",{"name":"n","data":` + sioPH(0) + `}]`
	for round := 0; round < 200; round++ {
		typeHoldsBinary.Range(func(k, _ any) bool { typeHoldsBinary.Delete(k); return true })
		var wg sync.WaitGroup
		errs := make(chan string, 4)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pkts, err := JSONParser{}.Encode(nil, &SocketPacket{Type: Event, Data: v})
				if err != nil {
					errs <- err.Error()
					return
				}
				if got := string(pkts[0].Data); got != want {
					errs <- got
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Fatalf("round %d: got %s, want %s", round, e, want)
		}
	}
}

// Decoding.

func sioDecoder() Decoder { return JSONParser{}.NewDecoder(DecoderLimits{}) }

func sioText(s string) Packet { return Packet{Type: PacketMessage, Data: []byte(s)} }
func sioBin(b ...byte) Packet { return Packet{Type: PacketMessage, Data: b, Binary: true} }

// sioDecodeAll feeds msgs and expects exactly one packet, after the last.
func sioDecodeAll(t *testing.T, msgs []Packet) *SocketPacket {
	t.Helper()
	d := sioDecoder()
	for i, m := range msgs {
		p, err := d.Add(m)
		if err != nil {
			t.Fatalf("message %d (%q): %v", i, m.Data, err)
		}
		if (p != nil) != (i == len(msgs)-1) {
			t.Fatalf("message %d of %d: packet=%v", i, len(msgs), p != nil)
		}
		if p != nil {
			return p
		}
	}
	return nil
}

// sioArgsJSON decodes every argument into any and renders the list as
// JSON, []byte as {"bin":[...]} so that attachments show.
func sioArgsJSON(t *testing.T, a Args) string {
	t.Helper()
	if a == nil {
		return "<nil>"
	}
	var parts []string
	for i := 0; i < a.Len(); i++ {
		var v any
		if err := a.Decode(i, &v); err != nil {
			t.Fatalf("Decode(%d): %v", i, err)
		}
		parts = append(parts, sioShow(v))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func sioShow(v any) string {
	var walk func(any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case []byte:
			ints := make([]int, len(v))
			for i, c := range v {
				ints[i] = int(c)
			}
			return map[string]any{"bin": ints}
		case map[string]any:
			out := make(map[string]any, len(v))
			for k, e := range v {
				out[k] = walk(e)
			}
			return out
		case []any:
			out := make([]any, len(v))
			for i, e := range v {
				out[i] = walk(e)
			}
			return out
		}
		return v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(walk(v))
	return strings.TrimSuffix(buf.String(), "\n")
}

func TestSocketDecodeValid(t *testing.T) {
	tests := []struct {
		name  string
		msgs  []Packet
		typ   SocketPacketType
		nsp   string
		id    int64 // -1: none
		event string
		args  string // sioArgsJSON of Args
	}{
		{"connect", []Packet{sioText(`0`)}, Connect, "/", -1, "", `[]`},
		{"connect nsp", []Packet{sioText(`0/admin,`)}, Connect, "/admin", -1, "", `[]`},
		{"connect nsp no comma", []Packet{sioText(`0/admin`)}, Connect, "/admin", -1, "", `[]`},
		{"connect auth", []Packet{sioText(`0{"token":"abc"}`)}, Connect, "/", -1, "", `[{"token":"abc"}]`},
		{"connect nsp auth", []Packet{sioText(`0/admin,{"token":"abc","n":1}`)}, Connect, "/admin", -1, "", `[{"n":1,"token":"abc"}]`},
		{"connect reply", []Packet{sioText(`0/admin,{"sid":"x"}`)}, Connect, "/admin", -1, "", `[{"sid":"x"}]`},
		{"connect error", []Packet{sioText(`4{"message":"Not authorized"}`)}, ConnectError, "/", -1, "", `[{"message":"Not authorized"}]`},
		{"connect error string", []Packet{sioText(`4/admin,"nope"`)}, ConnectError, "/admin", -1, "", `["nope"]`},
		{"event", []Packet{sioText(`2["foo"]`)}, Event, "/", -1, "foo", `[]`},
		{"event args", []Packet{sioText(`2["foo",1,"a",{"b":[true,null]}]`)}, Event, "/", -1, "foo", `[1,"a",{"b":[true,null]}]`},
		{"event nsp", []Packet{sioText(`2/admin,["bar"]`)}, Event, "/admin", -1, "bar", `[]`},
		{"event ack id", []Packet{sioText(`212["foo"]`)}, Event, "/", 12, "foo", `[]`},
		{"event nsp ack id", []Packet{sioText(`2/admin,0["foo",2]`)}, Event, "/admin", 0, "foo", `[2]`},
		{"event numeric name", []Packet{sioText(`2[42,"x"]`)}, Event, "/", -1, "42", `["x"]`},
		{"event html", []Packet{sioText(`2["<&>","\u003c"]`)}, Event, "/", -1, "<&>", `["<"]`},
		{"event whitespace", []Packet{sioText("2 [ \"foo\" , 1 ]")}, Event, "/", -1, "foo", `[1]`},
		{"event 15-digit ack id", []Packet{sioText(`2999999999999999["a"]`)}, Event, "/", 999999999999999, "a", `[]`},
		{"ack", []Packet{sioText(`3/admin,13["bar"]`)}, Ack, "/admin", 13, "", `["bar"]`},
		{"ack empty", []Packet{sioText(`30[]`)}, Ack, "/", 0, "", `[]`},
		{"disconnect", []Packet{sioText(`1`)}, Disconnect, "/", -1, "", `<nil>`},
		{"disconnect nsp", []Packet{sioText(`1/admin,`)}, Disconnect, "/admin", -1, "", `<nil>`},
		{"binary event", []Packet{sioText(`51-["baz",{"_placeholder":true,"num":0}]`), sioBin(1, 2, 3)},
			BinaryEvent, "/", -1, "baz", `[{"bin":[1,2,3]}]`},
		{"binary event nsp two", []Packet{sioText(`52-/admin,["baz",{"_placeholder":true,"num":1},{"a":{"_placeholder":true,"num":0}}]`), sioBin(1), sioBin(2)},
			BinaryEvent, "/admin", -1, "baz", `[{"bin":[2]},{"a":{"bin":[1]}}]`},
		{"binary event ack id", []Packet{sioText(`51-/admin,7["baz",[{"_placeholder":true,"num":0}]]`), sioBin()},
			BinaryEvent, "/admin", 7, "baz", `[[{"bin":[]}]]`},
		{"binary ack", []Packet{sioText(`61-15["bar",{"_placeholder":true,"num":0}]`), sioBin(4)},
			BinaryAck, "/", 15, "", `["bar",{"bin":[4]}]`},
		{"ten attachments", append([]Packet{sioText(`510-["x"]`)}, sioBin(0), sioBin(1), sioBin(2), sioBin(3), sioBin(4), sioBin(5), sioBin(6), sioBin(7), sioBin(8), sioBin(9)),
			BinaryEvent, "/", -1, "x", `[]`},
		{"placeholder in a packet without attachments stays an object", []Packet{sioText(`2["a",{"_placeholder":true,"num":0}]`)},
			Event, "/", -1, "a", `[{"_placeholder":true,"num":0}]`},
		{"placeholder false stays an object", []Packet{sioText(`51-["a",{"_placeholder":false,"num":0}]`), sioBin(1)},
			BinaryEvent, "/", -1, "a", `[{"_placeholder":false,"num":0}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := sioDecodeAll(t, tt.msgs)
			if p.Type != tt.typ || p.Nsp != tt.nsp || p.Event != tt.event {
				t.Errorf("got type %v nsp %q event %q, want %v %q %q", p.Type, p.Nsp, p.Event, tt.typ, tt.nsp, tt.event)
			}
			if tt.id < 0 && p.HasID {
				t.Errorf("HasID with id %d, want none", p.ID)
			}
			if tt.id >= 0 && (!p.HasID || p.ID != uint64(tt.id)) {
				t.Errorf("id = %d (HasID %v), want %d", p.ID, p.HasID, tt.id)
			}
			if got := sioArgsJSON(t, p.Args); got != tt.args {
				t.Errorf("args = %s, want %s", got, tt.args)
			}
			if want := len(tt.msgs) - 1; len(p.Attachments) != want {
				t.Errorf("%d attachments, want %d", len(p.Attachments), want)
			}
		})
	}
}

func TestSocketDecodeInvalid(t *testing.T) {
	tests := []struct {
		name string
		msgs []Packet // the last one must fail
	}{
		{"empty", []Packet{sioText(``)}},
		{"unknown type 7", []Packet{sioText(`7["a"]`)}},
		{"unknown type letter", []Packet{sioText(`a`)}},
		{"unknown type 9", []Packet{sioText(`9`)}},
		{"binary without dash", []Packet{sioText(`5["a",{"_placeholder":true,"num":0}]`)}},
		{"binary bare", []Packet{sioText(`5`)}},
		{"binary count without dash", []Packet{sioText(`51`)}},
		{"binary dash without count", []Packet{sioText(`5-["a"]`)}},
		{"binary event without attachments", []Packet{sioText(`50-["a"]`)}},
		{"binary ack without attachments", []Packet{sioText(`60-1[]`)}},
		{"binary event with 00 attachments", []Packet{sioText(`500-/admin,["a"]`)}},
		{"binary count not a number", []Packet{sioText(`5a-["a"]`)}},
		{"binary ack without dash", []Packet{sioText(`61["a"]`)}},
		{"too many attachments", []Packet{sioText(`511-["a"]`)}},
		{"far too many attachments", []Packet{sioText(`59999-["a"]`)}},
		{"attachment count too long", []Packet{sioText(`500001-["a"]`)}},
		{"ack id too long", []Packet{sioText(`21234567890123456["a"]`)}},
		{"ack id overflows uint64", []Packet{sioText(`299999999999999999999999["a"]`)}},
		{"reserved connect", []Packet{sioText(`2["connect"]`)}},
		{"reserved connect_error", []Packet{sioText(`2["connect_error",1]`)}},
		{"reserved disconnect", []Packet{sioText(`2/admin,["disconnect"]`)}},
		{"reserved disconnecting", []Packet{sioText(`2["disconnecting"]`)}},
		{"reserved newListener", []Packet{sioText(`2["newListener"]`)}},
		{"reserved removeListener", []Packet{sioText(`21["removeListener"]`)}},
		{"reserved binary", []Packet{sioText(`51-["disconnect",{"_placeholder":true,"num":0}]`)}},
		{"event object", []Packet{sioText(`2{"a":1}`)}},
		{"event string", []Packet{sioText(`2"foo"`)}},
		{"event number", []Packet{sioText(`21`)}},
		{"event no payload", []Packet{sioText(`2`)}},
		{"event nsp no payload", []Packet{sioText(`2/admin,`)}},
		{"event empty array", []Packet{sioText(`2[]`)}},
		{"event null name", []Packet{sioText(`2[null]`)}},
		{"event object name", []Packet{sioText(`2[{"a":1}]`)}},
		{"event bool name", []Packet{sioText(`2[true]`)}},
		{"event array name", []Packet{sioText(`2[["a"]]`)}},
		{"event bad JSON", []Packet{sioText(`2["foo"`)}},
		{"event trailing garbage", []Packet{sioText(`2["foo"]x`)}},
		{"binary event empty array", []Packet{sioText(`51-[]`)}},
		{"ack object", []Packet{sioText(`31{"a":1}`)}},
		{"ack no payload", []Packet{sioText(`31`)}},
		{"ack bad JSON", []Packet{sioText(`31[`)}},
		{"disconnect with payload", []Packet{sioText(`1{}`)}},
		{"disconnect nsp with payload", []Packet{sioText(`1/admin,["a"]`)}},
		{"disconnect with string", []Packet{sioText(`1"bye"`)}},
		{"connect array", []Packet{sioText(`0[1]`)}},
		{"connect string", []Packet{sioText(`0"token"`)}},
		{"connect number after id", []Packet{sioText(`0/admin,1 2`)}},
		{"connect bad object", []Packet{sioText(`0{"a":`)}},
		{"connect error bare word", []Packet{sioText(`4abc`)}},
		{"connect error array", []Packet{sioText(`4[1]`)}},
		{"connect error empty", []Packet{sioText(`4`)}},
		{"unexpected attachment", []Packet{sioBin(1, 2)}},
		{"attachment after complete packet", []Packet{sioText(`2["a"]`), sioBin(1)}},
		{"extra attachment", []Packet{sioText(`51-["a",{"_placeholder":true,"num":0}]`), sioBin(1), sioBin(2)}},
		{"text while expecting attachments", []Packet{sioText(`52-["a"]`), sioBin(1), sioText(`2["b"]`)}},
		{"text right after binary header", []Packet{sioText(`51-["a"]`), sioText(`2["b"]`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := sioDecoder()
			for i, m := range tt.msgs[:len(tt.msgs)-1] {
				if _, err := d.Add(m); err != nil {
					t.Fatalf("message %d (%q): unexpected error %v", i, m.Data, err)
				}
			}
			last := tt.msgs[len(tt.msgs)-1]
			p, err := d.Add(last)
			if err == nil {
				t.Fatalf("Add(%q) = %+v, want an error", last.Data, p)
			}
			if !errors.Is(err, ErrInvalidSocketPacket) {
				t.Errorf("error %v does not wrap ErrInvalidSocketPacket", err)
			}
			if p != nil {
				t.Errorf("packet %+v returned with the error", p)
			}
			if !strings.HasPrefix(err.Error(), "socket.io: invalid packet: ") {
				t.Errorf("error text %q", err)
			}
		})
	}
}

func TestSocketDecodeMaxAttachments(t *testing.T) {
	d := JSONParser{}.NewDecoder(DecoderLimits{MaxAttachments: 2})
	if _, err := d.Add(sioText(`53-["a"]`)); !errors.Is(err, ErrInvalidSocketPacket) {
		t.Fatalf("3 attachments with a limit of 2: err = %v", err)
	}
	d = JSONParser{}.NewDecoder(DecoderLimits{MaxAttachments: 2})
	p := sioDecodeAllWith(t, d, sioText(`52-["a"]`), sioBin(1), sioBin(2))
	if len(p.Attachments) != 2 {
		t.Fatalf("got %d attachments", len(p.Attachments))
	}
	d = JSONParser{}.NewDecoder(DecoderLimits{MaxAttachments: 20})
	msgs := []Packet{sioText(`520-["a"]`)}
	for i := 0; i < 20; i++ {
		msgs = append(msgs, sioBin(byte(i)))
	}
	if p := sioDecodeAllWith(t, d, msgs...); len(p.Attachments) != 20 {
		t.Fatalf("got %d attachments", len(p.Attachments))
	}
}

func sioDecodeAllWith(t *testing.T, d Decoder, msgs ...Packet) *SocketPacket {
	t.Helper()
	var p *SocketPacket
	for i, m := range msgs {
		var err error
		if p, err = d.Add(m); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if p == nil {
		t.Fatal("no packet after the last message")
	}
	return p
}

// The decoder is reusable: packets after a binary one decode normally.
func TestSocketDecodeSequence(t *testing.T) {
	d := sioDecoder()
	seq := []struct {
		msg   Packet
		event string // "" when no packet is expected yet
	}{
		{sioText(`2["a"]`), "a"},
		{sioText(`52-["b",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), ""},
		{sioBin(1), ""},
		{sioBin(2), "b"},
		{sioText(`2["c"]`), "c"},
		{sioText(`51-["d",{"_placeholder":true,"num":0}]`), ""},
		{sioBin(3), "d"},
	}
	for i, s := range seq {
		p, err := d.Add(s.msg)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if (p == nil) != (s.event == "") {
			t.Fatalf("step %d: packet %v, want event %q", i, p, s.event)
		}
		if p != nil && p.Event != s.event {
			t.Fatalf("step %d: event %q, want %q", i, p.Event, s.event)
		}
	}
}

// The decoder keeps the attachment bytes it is given (the session hands
// over ownership): no copy is needed, but none may be shared between
// packets either.
func TestSocketDecodeAttachmentsIndependent(t *testing.T) {
	d := sioDecoder()
	var got [][]byte
	for i := 0; i < 2; i++ {
		if _, err := d.Add(sioText(`51-["a",{"_placeholder":true,"num":0}]`)); err != nil {
			t.Fatal(err)
		}
		p, err := d.Add(sioBin(byte(i)))
		if err != nil || p == nil {
			t.Fatalf("packet %d: %v %v", i, p, err)
		}
		var b []byte
		if err := p.Args.Decode(0, &b); err != nil {
			t.Fatal(err)
		}
		got = append(got, b)
	}
	if got[0][0] != 0 || got[1][0] != 1 {
		t.Fatalf("attachments = %v", got)
	}
}

// Args.Decode.

func TestSocketArgsDecodeTyped(t *testing.T) {
	p := sioDecodeAll(t, []Packet{
		sioText(`52-["ev","s",42,{"name":"n","data":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1},` +
			`[1,"x",{"_placeholder":true,"num":0}],{"k":{"_placeholder":true,"num":1}},null,{"big":12345678901234567,"bin":{"_placeholder":true,"num":0}}]`),
		sioBin(1, 2, 3), sioBin(4, 5),
	})
	if p.Event != "ev" || p.Args.Len() != 8 {
		t.Fatalf("event %q with %d args", p.Event, p.Args.Len())
	}
	var s string
	var n int
	var in sioInner
	var b []byte
	var list []any
	var m map[string][]byte
	var ptr *int
	var big struct {
		Big int64  `json:"big"`
		Bin []byte `json:"bin"`
	}
	checks := []struct {
		i    int
		v    any
		want any
	}{
		{0, &s, "s"},
		{1, &n, 42},
		{2, &in, sioInner{Name: "n", Data: []byte{1, 2, 3}}},
		{3, &b, []byte{4, 5}},
		{4, &list, []any{1.0, "x", []byte{1, 2, 3}}},
		{5, &m, map[string][]byte{"k": {4, 5}}},
		{6, &ptr, (*int)(nil)},
		{7, &big, struct {
			Big int64  `json:"big"`
			Bin []byte `json:"bin"`
		}{12345678901234567, []byte{1, 2, 3}}},
	}
	for _, c := range checks {
		if err := p.Args.Decode(c.i, c.v); err != nil {
			t.Errorf("Decode(%d, %T): %v", c.i, c.v, err)
			continue
		}
		if got := reflect.ValueOf(c.v).Elem().Interface(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Decode(%d, %T) = %#v, want %#v", c.i, c.v, got, c.want)
		}
	}

	// any receives []byte for attachments.
	var a any
	if err := p.Args.Decode(3, &a); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, []byte{4, 5}) {
		t.Errorf("Decode into any = %#v, want []byte{4, 5}", a)
	}
	if err := p.Args.Decode(2, &a); err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"name": "n", "data": []byte{1, 2, 3}}; !reflect.DeepEqual(a, want) {
		t.Errorf("Decode into any = %#v, want %#v", a, want)
	}

	// A non-nil map is added to, as encoding/json does.
	merged := map[string]any{"keep": true}
	if err := p.Args.Decode(2, &merged); err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"keep": true, "name": "n", "data": []byte{1, 2, 3}}; !reflect.DeepEqual(merged, want) {
		t.Errorf("Decode into a non-nil map = %#v, want %#v", merged, want)
	}
	// An any field of a typed target gets float64 numbers, as from
	// encoding/json.
	var withAny struct {
		Big any    `json:"big"`
		Bin []byte `json:"bin"`
	}
	if err := p.Args.Decode(7, &withAny); err != nil {
		t.Fatal(err)
	}
	if _, ok := withAny.Big.(float64); !ok {
		t.Errorf("any field = %T, want float64", withAny.Big)
	}

	// json.RawMessage receives the JSON as sent, placeholder included.
	var raw json.RawMessage
	if err := p.Args.Decode(3, &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw) != `{"_placeholder":true,"num":1}` {
		t.Errorf("Decode into RawMessage = %s", raw)
	}

	// A typed mismatch is an error, not a panic or a zero value.
	if err := p.Args.Decode(0, &n); err == nil {
		t.Error("string into int: no error")
	}
	if err := p.Args.Decode(2, &n); err == nil {
		t.Error("object with attachment into int: no error")
	}
	if err := p.Args.Decode(4, &b); err == nil {
		t.Error("array with attachment into []byte: no error")
	}
	for _, i := range []int{-1, 8, 100} {
		if err := p.Args.Decode(i, &a); !errors.Is(err, ErrNoArgument) {
			t.Errorf("Decode(%d) = %v, want ErrNoArgument", i, err)
		}
	}
}

// Integers in an argument holding attachments must decode exactly, as
// they do in one without.
func TestSocketArgsDecodeBigIntegersWithAttachment(t *testing.T) {
	type msg struct {
		ID  uint64 `json:"id"`
		N   int64  `json:"n"`
		Bin []byte `json:"bin"`
	}
	want := msg{ID: 18446744073709551615, N: 9007199254740993, Bin: []byte{1}}
	for _, text := range []string{
		`2["e",{"id":18446744073709551615,"n":9007199254740993,"bin":"AQ=="}]`,
		`51-["e",{"id":18446744073709551615,"n":9007199254740993,"bin":{"_placeholder":true,"num":0}}]`,
	} {
		msgs := []Packet{sioText(text)}
		if text[0] == '5' {
			msgs = append(msgs, sioBin(1))
		}
		p := sioDecodeAll(t, msgs)
		var got msg
		if err := p.Args.Decode(0, &got); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if got.ID != want.ID || got.N != want.N || !bytes.Equal(got.Bin, want.Bin) {
			t.Errorf("%s:\n got %+v\nwant %+v", text, got, want)
		}
	}
}

// Placeholders that designate no attachment make the packet a parse
// error, as the reference parser's reconstruction throws "illegal
// attachments": out of range, negative, not a number, missing, or (our
// choice, where the reference would yield undefined) not an integer. The
// "_placeholder" key counts however its letters are escaped. Objects
// whose "_placeholder" is not true are plain data.
func TestSocketDecodeBadPlaceholder(t *testing.T) {
	for _, tt := range []struct {
		text string
		atts int
	}{
		{`51-["e",{"_placeholder":true,"num":1}]`, 1},
		{`51-["e",{"_placeholder":true,"num":-1}]`, 1},
		{`51-["e",{"_placeholder":true,"num":0.5}]`, 1},
		{`51-["e",{"_placeholder":true,"num":1e-9}]`, 1},
		{`51-["e",{"_placeholder":true,"num":"0"}]`, 1},
		{`51-["e",{"_placeholder":true,"num":1e300}]`, 1},
		{`51-["e",{"_placeholder":true,"num":1e400}]`, 1},
		{`51-["e",{"_placeholder":true,"num":1e0}]`, 1},
		{`51-["e",{"_placeholder":true}]`, 1},
		{`51-["e",{"_placeholder":true,"num":null}]`, 1},
		{`51-["e",{"_placeholder":true,"num":[0]}]`, 1},
		{`51-["e",[{"a":{"_placeholder":true,"num":7}}]]`, 1},
		{`52-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":2}]`, 2},
		{`61-3[{"_placeholder":true,"num":1}]`, 1},
		{`51-["e",{"\u005fplaceholder":true,"num":3}]`, 1},
		{`51-["e",{"_pl\u0061ceholder":true,"num":-1}]`, 1},
	} {
		d := sioDecoder()
		msgs := []Packet{sioText(tt.text)}
		for range tt.atts {
			msgs = append(msgs, sioBin(1))
		}
		var err error
		for _, m := range msgs {
			if _, err = d.Add(m); err != nil {
				break
			}
		}
		if !errors.Is(err, ErrInvalidSocketPacket) {
			t.Errorf("%s + %d attachments: err = %v, want ErrInvalidSocketPacket", tt.text, tt.atts, err)
		}
	}
	for _, ok := range []string{
		`51-["e",{"_placeholder":false,"num":9},{"_placeholder":true,"num":0}]`,
		`51-["e",{"a":1}]`, // an attachment no placeholder designates is dropped
		`51-["e",{"_placeholder":"yes","num":9},{"_placeholder":true,"num":0}]`,
		`51-["e",{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":9}}]`,
	} {
		sioDecodeAllWith(t, sioDecoder(), sioText(ok), sioBin(1))
	}
}

// A num of integral value designates its attachment whatever its
// notation, as in the reference (where JSON.parse makes it a number), and
// so does a "_placeholder" key written with escapes.
func TestSocketDecodePlaceholderNotations(t *testing.T) {
	for _, ph := range []string{
		`{"_placeholder":true,"num":1}`,
		`{"_placeholder":true,"num":1.0}`,
		`{"_placeholder":true,"num":1e0}`,
		`{"_placeholder":true,"num":0.1e1}`,
		`{"_placeholder":true,"num":10E-1}`,
		`{"\u005fplaceholder":true,"num":1}`,
		`{"_placeholder":true,"n\u0075m":1}`,
	} {
		p := sioDecodeAllWith(t, sioDecoder(), sioText(`52-["e",{"_placeholder":true,"num":-0},`+ph+`]`), sioBin(7), sioBin(8))
		var a, b []byte
		if err := p.Args.Decode(0, &a); err != nil || string(a) != "\x07" {
			t.Errorf("%s: first argument %v, %v; want [7]", ph, a, err)
		}
		if err := p.Args.Decode(1, &b); err != nil || string(b) != "\x08" {
			t.Errorf("%s: second argument %v, %v; want [8]", ph, b, err)
		}
		var generic any
		if err := p.Args.Decode(1, &generic); err != nil {
			t.Errorf("%s into any: %v", ph, err)
		} else if g, ok := generic.([]byte); !ok || string(g) != "\x08" {
			t.Errorf("%s into any: %#v, want []byte{8}", ph, generic)
		}
	}
}

func TestSocketArgsDecodeConnectAuth(t *testing.T) {
	p := sioDecodeAll(t, []Packet{sioText(`0/admin,{"token":"t","n":2}`)})
	var auth struct {
		Token string `json:"token"`
		N     int    `json:"n"`
	}
	if err := p.Args.Decode(0, &auth); err != nil || auth.Token != "t" || auth.N != 2 {
		t.Fatalf("auth = %+v, %v", auth, err)
	}
}

func TestSocketRoundTrip(t *testing.T) {
	type doc struct {
		Title string            `json:"title"`
		Body  []byte            `json:"body"`
		Parts [][]byte          `json:"parts"`
		Meta  map[string]string `json:"meta"`
	}
	in := doc{Title: "<t>", Body: bytes.Repeat([]byte{0xff, 0}, 100), Parts: [][]byte{{1}, {}, {2, 3}}, Meta: map[string]string{"a": "b"}}
	for _, nsp := range []string{"/", "/chat"} {
		for _, hasID := range []bool{false, true} {
			for _, typ := range []SocketPacketType{Event, Ack} {
				data := []any{"upload", in, 3}
				if typ == Ack {
					data = []any{in, 3}
				}
				pkts, err := JSONParser{}.Encode(nil, &SocketPacket{Type: typ, Nsp: nsp, ID: 77, HasID: hasID, Data: data})
				if err != nil {
					t.Fatal(err)
				}
				p := sioDecodeAll(t, pkts)
				wantType := BinaryEvent
				if typ == Ack {
					wantType = BinaryAck
				}
				if p.Type != wantType || p.Nsp != nsp || p.HasID != hasID || (hasID && p.ID != 77) {
					t.Fatalf("got %v %q %v %d", p.Type, p.Nsp, p.HasID, p.ID)
				}
				if typ == Event && p.Event != "upload" {
					t.Fatalf("event %q", p.Event)
				}
				var out doc
				var n int
				if err := p.Args.Decode(0, &out); err != nil {
					t.Fatal(err)
				}
				if err := p.Args.Decode(1, &n); err != nil || n != 3 {
					t.Fatalf("n = %d, %v", n, err)
				}
				if !reflect.DeepEqual(out, in) {
					t.Fatalf("round trip:\n got %+v\nwant %+v", out, in)
				}
			}
		}
	}
}

func TestSocketPacketTypeString(t *testing.T) {
	want := []string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK", "SocketPacketType(7)"}
	for i, w := range want {
		if got := SocketPacketType(i).String(); got != w {
			t.Errorf("SocketPacketType(%d) = %q, want %q", i, got, w)
		}
	}
}

func TestSocketIsReservedEvent(t *testing.T) {
	for _, name := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		if !IsReservedEvent(name) {
			t.Errorf("%q is not reserved", name)
		}
	}
	for _, name := range []string{"", "message", "Connect", "connection", "error", "ping"} {
		if IsReservedEvent(name) {
			t.Errorf("%q is reserved", name)
		}
	}
}

// TestSocketArgsDecodeAnyFieldGetsBytes: typed targets are decoded by
// re-encoding the resolved tree, where an attachment is a base64 string;
// an `any` field (or []any element) of a struct must still receive the
// []byte an `any` target gets.
func TestSocketArgsDecodeAnyFieldGetsBytes(t *testing.T) {
	p := sioDecodeAll(t, []Packet{sioText(`51-["e",{"file":{"_placeholder":true,"num":0},"list":[{"_placeholder":true,"num":0}]}]`), sioBin(1, 2)})
	var v struct {
		File any   `json:"file"`
		List []any `json:"list"`
	}
	if err := p.Args.Decode(0, &v); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v.File, []byte{1, 2}) || len(v.List) != 1 || !reflect.DeepEqual(v.List[0], []byte{1, 2}) {
		t.Fatalf("got File %#v, List %#v; want []byte{1, 2} in both", v.File, v.List)
	}
}
