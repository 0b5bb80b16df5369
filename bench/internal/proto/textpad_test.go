package proto

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The same vectors are produced by bench/node/textpad.js (checked by
// TestTextPadMatchesNode when node is installed).
var textPadVectors = []struct {
	n    int
	seed int64
	want string
}{
	{120, 1, "[{'id': 60404, 'user': 'delta_noon', 'text': 'oscar juliet score before player level world server foxtrot india brown la"},
	{120, 2, "[{'id': 27167, 'user': 'hello_bravo', 'text': 'blue review please alpha latest blue', 'score': 724}, {'id': 85379, 'user"},
	{60, 0, "[{'id': 26893, 'user': 'north_offline', 'text': 'quick south"},
	{80, 1<<32 + 7, "[{'id': 28736, 'user': 'status_fox', 'text': 'north and you world kilo over kilo"}, // seeds are taken mod 2^32
	{90, 1234567890123, "[{'id': 1638, 'user': 'room_price', 'text': 'latest charlie lazy green charlie message wor"},
}

func TestTextPadVectors(t *testing.T) {
	for _, v := range textPadVectors {
		if got := TextPad(v.n, v.seed); got != v.want {
			t.Errorf("TextPad(%d, %d) =\n%q\nwant\n%q", v.n, v.seed, got, v.want)
		}
	}
	if TextPad(0, 1) != "" || TextPad(-3, 1) != "" {
		t.Error("TextPad of no bytes is not empty")
	}
	if TextPad(1, 9) != "[" {
		t.Error("TextPad(1) is not \"[\"")
	}
}

func TestTextPadLengthAndAlphabet(t *testing.T) {
	for _, n := range []int{1, 2, 7, 100, 1000, 2048, 4096, 65536} {
		for seed := int64(0); seed < 20; seed++ {
			s := TextPad(n, seed)
			if len(s) != n {
				t.Fatalf("TextPad(%d, %d) has %d bytes", n, seed, len(s))
			}
			if i := strings.IndexAny(s, "\"\\<>&\n\r\t"); i >= 0 {
				t.Fatalf("TextPad(%d, %d) holds %q at %d", n, seed, s[i], i)
			}
			for i := range len(s) {
				if s[i] < 0x20 || s[i] > 0x7e {
					t.Fatalf("TextPad(%d, %d): byte %#x at %d is not printable ASCII", n, seed, s[i], i)
				}
			}
			// A JSON string holds it as is: encoded, it only gains its quotes.
			if b, _ := json.Marshal(s); len(b) != n+2 {
				t.Fatalf("TextPad(%d, %d) grows to %d bytes in JSON", n, seed, len(b))
			}
		}
	}
	if TextPad(2048, 1) == TextPad(2048, 2) {
		t.Error("different seeds give the same text")
	}
}

// Text must compress like application data, not like 'x' padding.
func TestTextPadCompressesLikeText(t *testing.T) {
	size := func(s string) int {
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.DefaultCompression)
		_, _ = w.Write([]byte(s))
		_ = w.Close()
		return buf.Len()
	}
	text, x := size(TextPad(2048, 5)), size(Pad(2048))
	t.Logf("2048 bytes deflate to %d (text) and %d ('x')", text, x)
	if text < 2048/5 || text > 2048/2 {
		t.Errorf("2 KiB of text deflates to %d bytes: want a ratio between 2 and 5", text)
	}
	if x > 64 {
		t.Errorf("2 KiB of 'x' deflates to %d bytes", x)
	}
}

func TestPadOf(t *testing.T) {
	if PadOf(PadX, 5, 1) != "xxxxx" || PadOf(PadText, 5, 1) != TextPad(5, 1) {
		t.Error("PadOf does not follow its kind")
	}
	if !ValidPad("x") || !ValidPad("text") || ValidPad("zeros") {
		t.Error("ValidPad")
	}
}

// TestTextPadMatchesNode runs bench/node/textpad.js and compares its output
// with TextPad's, for the pinned vectors and long texts.
func TestTextPadMatchesNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	js, err := filepath.Abs("../../node/textpad.js")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(js); err != nil {
		t.Fatal(err)
	}
	type tc struct {
		N    int   `json:"n"`
		Seed int64 `json:"seed"`
	}
	var cases []tc
	for _, v := range textPadVectors {
		cases = append(cases, tc{v.n, v.seed})
	}
	for seed := int64(1); seed <= 50; seed++ {
		cases = append(cases, tc{2048 + int(seed), seed * 7919})
	}
	cases = append(cases, tc{4096, 1<<31 - 1}, tc{4096, 1 << 31}, tc{4096, 1<<32 - 1}, tc{100000, 3})
	in, _ := json.Marshal(cases)
	script := `const {textPad} = require(process.argv[1]);
const cases = JSON.parse(process.argv[2]);
process.stdout.write(JSON.stringify(cases.map(c => textPad(c.n, c.seed))));`
	out, err := exec.Command(node, "-e", script, js, string(in)).Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node output: %v", err)
	}
	if len(got) != len(cases) {
		t.Fatalf("node gave %d texts for %d cases", len(got), len(cases))
	}
	for i, c := range cases {
		if want := TextPad(c.N, c.Seed); got[i] != want {
			t.Errorf("n=%d seed=%d: node and Go differ (node %q…, Go %q…)", c.N, c.Seed, got[i][:min(60, len(got[i]))], want[:min(60, len(want))])
		}
	}
}
