package codec

import (
	"bytes"
	"encoding/json"
	"testing"
)

// splitArrayInto and plainString replace encoding/json on the hot path; they
// must agree with it on every valid input.

var splitSeeds = []string{
	`[]`, ` [ ] `, `["a"]`, `["ev",1,2.5,true,null]`, `[ "x" , {"a":[1,{"b":"]"}]} , [[],[{}]] ]`,
	`["q\"uote","back\\slash","\u00e9","comma,in","brace}in"]`, "[\n\"nl\"\t,\r1]", `[{"_placeholder":true,"num":0}]`,
	`["é",""]`,
}

func FuzzSplitArray(f *testing.F) {
	for _, s := range splitSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) || firstByte(b) != '[' {
			return
		}
		var want []json.RawMessage
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("valid array %q: %v", b, err)
		}
		got := splitArrayInto(nil, b)
		if len(got) != len(want) {
			t.Fatalf("splitArrayInto(%q) = %d elements, want %d", b, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("splitArrayInto(%q)[%d] = %q, want %q", b, i, got[i], want[i])
			}
			if s, ok := plainString(got[i]); ok {
				var ws string
				if err := json.Unmarshal(got[i], &ws); err != nil || ws != s {
					t.Fatalf("plainString(%q) = %q, encoding/json says %q (%v)", got[i], s, ws, err)
				}
			}
		}
	})
}

func TestSplitArraySeeds(t *testing.T) {
	for _, s := range splitSeeds {
		var want []json.RawMessage
		if err := json.Unmarshal([]byte(s), &want); err != nil {
			t.Fatal(err)
		}
		got := splitArrayInto(nil, []byte(s))
		if len(got) != len(want) {
			t.Fatalf("%s: %d elements, want %d", s, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("%s: [%d] = %s, want %s", s, i, got[i], want[i])
			}
		}
	}
	if s, ok := plainString([]byte(`"ping"`)); !ok || s != "ping" {
		t.Errorf(`plainString("ping") = %q, %v`, s, ok)
	}
	for _, raw := range []string{`"a\"b"`, `"é"`, `"tab\t"`, `1`, `"`} {
		if _, ok := plainString([]byte(raw)); ok {
			t.Errorf("plainString(%s) took a string that needs decoding", raw)
		}
	}
}

func TestAppendSimpleJSON(t *testing.T) {
	values := []any{
		nil, true, false, 0, -42, int64(1) << 60, "", "ping", "a<b>&c", "q\"uote", "back\\slash", "tab\t", "é", "\u2028",
		[]any{}, []any{"x", 1, true, nil, []any{"nested", int64(-3)}}, []any{"ok", 1.5}, []any{map[string]any{"a": 1}},
		[]any(nil),
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		want = bytes.ReplaceAll(want, []byte(`\u003c`), []byte("<"))
		want = bytes.ReplaceAll(want, []byte(`\u003e`), []byte(">"))
		want = bytes.ReplaceAll(want, []byte(`\u0026`), []byte("&"))
		got, err := appendJSON([]byte("prefix"), v)
		if err != nil {
			t.Fatalf("appendJSON(%#v): %v", v, err)
		}
		if string(got) != "prefix"+string(want) {
			t.Errorf("appendJSON(%#v) = %s, want prefix%s", v, got, want)
		}
	}
}

// TestDecodeEventAllocs pins the allocations of decoding a small EVENT:
// the packet, its arguments and their element list share one (see
// decodedPacket); the event name, seen before, costs none (internName);
// an event with more
// elements than decodedPacket holds grows its list once more and still
// decodes every argument.
func TestDecodeEventAllocs(t *testing.T) {
	small := []byte(`2["ping","0123456789abcdef"]`)
	if allocs := testing.AllocsPerRun(100, func() {
		if _, _, err := decodeJSONPacket(small, 10); err != nil {
			t.Fatal(err)
		}
	}); allocs != 1 {
		t.Errorf("decoding %s: %v allocations, want 1", small, allocs)
	}
	long := []byte(`21["ev",1,2,3,4,5,6]`)
	p, _, err := decodeJSONPacket(long, 10)
	if err != nil {
		t.Fatal(err)
	}
	if p.Event != "ev" || p.Args.Len() != 6 {
		t.Fatalf("got event %q with %d arguments, want \"ev\" with 6", p.Event, p.Args.Len())
	}
	for i := range 6 {
		var n int
		if err := p.Args.Decode(i, &n); err != nil || n != i+1 {
			t.Errorf("argument %d = %d, %v; want %d", i, n, err, i+1)
		}
	}
}
