package wire

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

// refToValidUTF8 is ToValidUTF8 the slow way, from the definition: a
// rune utf8.DecodeRune accepts is copied; at a byte where none starts,
// the longest prefix (up to 3 bytes) that some continuation bytes would
// complete into a valid rune is the maximal subpart, replaced by one
// U+FFFD (a byte no completion saves is replaced alone).
func refToValidUTF8(b []byte) []byte {
	out := []byte{}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || n > 1 {
			out = append(out, b[i:i+n]...)
			i += n
			continue
		}
		k := 1
		for m := min(3, len(b)-i); m > 1; m-- {
			if completable(b[i : i+m]) {
				k = m
				break
			}
		}
		out = append(out, "\uFFFD"...)
		i += k
	}
	return out
}

// completable reports whether appending continuation bytes to p can make
// one valid encoded rune. Only the second byte of a sequence has narrower
// bounds (A0..BF after E0, 80..9F after ED, 90..BF after F0, 80..8F after
// F4), and each of those ranges holds one of the probes.
func completable(p []byte) bool {
	probes := []byte{0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF}
	var try func(q []byte) bool
	try = func(q []byte) bool {
		if r, n := utf8.DecodeRune(q); n == len(q) && (r != utf8.RuneError || n > 1) {
			return true
		}
		if len(q) == utf8.UTFMax {
			return false
		}
		for _, c := range probes {
			if try(append(q[:len(q):len(q)], c)) {
				return true
			}
		}
		return false
	}
	return try(p)
}

// Every string of one or two bytes, and three-byte strings from every
// lead of a three- or four-byte sequence through every second byte to a
// choice of third bytes, match the definition.
func TestToValidUTF8MatchesDefinition(t *testing.T) {
	check := func(b []byte) {
		if got, want := ToValidUTF8(b), refToValidUTF8(b); !bytes.Equal(got, want) {
			t.Fatalf("ToValidUTF8(%q) = %q, want %q", b, got, want)
		}
	}
	thirds := []byte{0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xE0, 0xF0, 0xF4, 0xFF}
	for b0 := range 256 {
		check([]byte{byte(b0)})
		for b1 := range 256 {
			check([]byte{byte(b0), byte(b1)})
			if b0 < 0xE0 || b0 > 0xF4 {
				continue
			}
			for _, b2 := range thirds {
				check([]byte{byte(b0), byte(b1), b2})
			}
		}
	}
}

// FuzzToValidUTF8: the output is valid UTF-8, valid input comes back
// unchanged, every valid rune of the input survives in order, the
// function is idempotent, and the output is what the definition
// (refToValidUTF8) gives.
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
		if want := refToValidUTF8(b); !bytes.Equal(out, want) {
			t.Fatalf("ToValidUTF8(%q) = %q, want %q (the definition)", b, out, want)
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
