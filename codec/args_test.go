package codec

import (
	"bytes"
	"testing"
)

// ArgsOf gives values decoded elsewhere (another node's msgpack) the
// Decode of received packets: typed targets, []byte kept binary, numbering
// of attachments across arguments.
func TestArgsOf(t *testing.T) {
	type doc struct {
		Name string `json:"name"`
		Body []byte `json:"body"`
	}
	a, err := ArgsOf("hi", map[string]any{"name": "x", "body": []byte{1, 2}}, []byte{3}, 42, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != 5 {
		t.Fatalf("Len = %d", a.Len())
	}
	var s string
	var d doc
	var b []byte
	var n int
	var anyv any
	for i, v := range []any{&s, &d, &b, &n, &anyv} {
		if err := a.Decode(i, v); err != nil {
			t.Fatalf("Decode(%d): %v", i, err)
		}
	}
	if s != "hi" || d.Name != "x" || !bytes.Equal(d.Body, []byte{1, 2}) || !bytes.Equal(b, []byte{3}) || n != 42 || anyv != nil {
		t.Fatalf("got %q %+v %v %d %v", s, d, b, n, anyv)
	}
	var generic any
	if err := a.Decode(2, &generic); err != nil {
		t.Fatal(err)
	}
	if g, ok := generic.([]byte); !ok || !bytes.Equal(g, []byte{3}) {
		t.Fatalf("[]byte into any: %#v", generic)
	}
	if _, err := ArgsOf(func() {}); err == nil {
		t.Fatal("a func was encoded")
	}
}
