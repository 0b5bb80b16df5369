package codec

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// scanArray replaces json.Valid and splitArrayInto on the hot path: for every
// input it must accept what json.Valid accepts (arrays only) and split it
// as encoding/json does.

var scanSeeds = append([]string{
	``, ` `, `[`, `]`, `[,]`, `[1,]`, `[,1]`, `[1 2]`, `[1]]`, `[1] x`, `[[]`, `[{]`, `[{}]`, `[{"a"}]`,
	`[{"a":}]`, `[{"a":1,}]`, `[{1:2}]`, `[{"a":1 "b":2}]`, `["a":1]`, `[01]`, `[-]`, `[-0]`, `[1.]`, `[.5]`,
	`[1e]`, `[1e+]`, `[1E-2]`, `[-0.0e0]`, `[tru]`, `[truex]`, `[nul]`, `[null]`, `[false,true]`,
	"[\"\x01\"]", `["\x"]`, `["\u12"]`, `["\u12G4"]`, `["\uABcd"]`, `["\/\b\f\n\r\t"]`, `["unterminated]`,
	"[\"\xff\xfe\"]", `{}`, `"s"`, `1`, "[\v]", "\t[ 1 ,\n2 ]\r\n", `[{"a":[{"b":{}}]},[[[]]]]`,
}, splitSeeds...)

func FuzzScanArray(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(strings.Repeat("[", scanMaxDepth+1) + strings.Repeat("]", scanMaxDepth+1)))
	f.Add([]byte(strings.Repeat("[", scanMaxDepth+2) + strings.Repeat("]", scanMaxDepth+2)))
	f.Fuzz(func(t *testing.T, b []byte) { checkScanArray(t, b) })
}

func checkScanArray(t *testing.T, b []byte) {
	t.Helper()
	got, ok, deep := scanArray(nil, b)
	if deep {
		if ok || nesting(b) <= scanMaxDepth {
			t.Fatalf("scanArray(%q): deep with ok %v at nesting %d", b, ok, nesting(b))
		}
		return
	}
	want := json.Valid(b) && firstByte(b) == '['
	if ok != want {
		t.Fatalf("scanArray(%q) ok = %v, json.Valid says %v", b, ok, want)
	}
	if !ok {
		return
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(b, &elems); err != nil {
		t.Fatalf("valid array %q: %v", b, err)
	}
	if len(got) != len(elems) {
		t.Fatalf("scanArray(%q) = %d elements, want %d", b, len(got), len(elems))
	}
	for i := range got {
		if !bytes.Equal(got[i], elems[i]) {
			t.Fatalf("scanArray(%q)[%d] = %q, want %q", b, i, got[i], elems[i])
		}
	}
}

// nesting is the deepest bracket nesting of b, strings skipped roughly
// (enough for the inputs a deep result is checked on).
func nesting(b []byte) int {
	depth, most, inString := -1, -1, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			most = max(most, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return most
}

func TestScanArraySeeds(t *testing.T) {
	for _, s := range scanSeeds {
		checkScanArray(t, []byte(s))
	}
}

// Payloads nested deeper than scanArray follows are decided by
// encoding/json: a valid one decodes, an invalid one is refused.
func TestDecodeDeepPayload(t *testing.T) {
	deep := strings.Repeat("[", scanMaxDepth+5) + strings.Repeat("]", scanMaxDepth+5)
	p := sioDecodeAll(t, []Packet{sioText(`2["e",` + deep + `]`)})
	if p.Event != "e" || p.Args.Len() != 1 {
		t.Fatalf("got %+v", p)
	}
	var v any
	if err := p.Args.Decode(0, &v); err != nil {
		t.Fatalf("decode the deep argument: %v", err)
	}
	bad := strings.Repeat("[", scanMaxDepth+5) + strings.Repeat("]", scanMaxDepth+4)
	d := JSONParser{}.NewDecoder(DecoderLimits{})
	if _, err := d.Add(sioText(`2["e",` + bad + `]`)); err == nil {
		t.Fatal("an unbalanced deep payload was accepted")
	}
}
