package codec

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// Replacement as a WHATWG decoder does it; the expected strings were
// checked against Node 20's Buffer.from(bytes).toString("utf8").
func TestToValidUTF8(t *testing.T) {
	const r = "\uFFFD"
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"héllo €𝄞", "héllo €𝄞"},
		{"a\xffb", "a" + r + "b"},
		{"\xe2\x82", r},             // truncated 3-byte: one replacement
		{"\xe2\x82a", r + "a"},      // likewise, then a fresh start
		{"\xf0\x9d\x84", r},         // truncated 4-byte
		{"\xc0\xaf", r + r},         // overlong lead: each byte
		{"\xe0\x80\xaf", r + r + r}, // E0 needs A0..BF second
		{"\xed\xa0\x80", r + r + r}, // a surrogate
		{"\xf4\x90\x80\x80", r + r + r + r},
		{"\xf5\x80", r + r},
		{"\x80\x80", r + r},
		{"\xe2\x28\xa1", r + "(" + r},
		{"\xf0\x9d\x84\x9e\xf0", "𝄞" + r},
	} {
		got := ToValidUTF8([]byte(tt.in))
		if string(got) != tt.want {
			t.Errorf("ToValidUTF8(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	valid := []byte("plain ascii and ü")
	if got := ToValidUTF8(valid); &got[0] != &valid[0] {
		t.Error("valid input was copied")
	}
}

// FuzzToValidUTF8: the output is valid UTF-8, valid input comes back
// unchanged, every valid rune of the input survives in order, and the
// function is idempotent.
func FuzzToValidUTF8(f *testing.F) {
	for _, s := range []string{"", "abc", "\xe2\x82a", "\xf0\x9d\x84\x9e", "\xed\xa0\x80", "\xff\xfe"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out := ToValidUTF8(b)
		if !utf8.Valid(out) {
			t.Fatalf("ToValidUTF8(%q) = %q: not valid", b, out)
		}
		if utf8.Valid(b) && !bytes.Equal(out, b) {
			t.Fatalf("valid %q changed to %q", b, out)
		}
		if again := ToValidUTF8(out); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent on %q", b)
		}
		// The non-replacement runes of the output are the input's valid
		// runes (as utf8.DecodeRune finds them), in order.
		var want, got []rune
		for i := 0; i < len(b); {
			r, n := utf8.DecodeRune(b[i:])
			if r != utf8.RuneError || n > 1 {
				want = append(want, r)
			}
			i += n
		}
		for _, r := range string(out) {
			if r != utf8.RuneError {
				got = append(got, r)
			}
		}
		want = dropRuneError(want)
		if string(want) != string(got) {
			t.Fatalf("runes of %q: got %q, want %q", b, string(got), string(want))
		}
	})
}

func dropRuneError(rs []rune) []rune {
	out := rs[:0]
	for _, r := range rs {
		if r != utf8.RuneError {
			out = append(out, r)
		}
	}
	return out
}
