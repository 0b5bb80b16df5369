package wire

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLegacy06Encode(t *testing.T) {
	for _, tc := range []struct {
		msgs []string
		want string
	}{
		// The 0.6 server's own tests (tests/utils.js).
		{[]string{"abcde", "123456789"}, "~m~5~m~abcde~m~9~m~123456789"},
		{[]string{"asdasdsad"}, "~m~9~m~asdasdsad"},
		{[]string{""}, "~m~0~m~"},
		// Lengths in UTF-16 code units, as JS counts them.
		{[]string{"é"}, "~m~1~m~é"},
		{[]string{"€"}, "~m~1~m~€"},
		{[]string{"😀"}, "~m~2~m~😀"},
		{[]string{`~j~{"a":"😀"}`}, `~m~13~m~~j~{"a":"😀"}`},
	} {
		if got := EncodeLegacy06(tc.msgs...); got != tc.want {
			t.Errorf("EncodeLegacy06(%q) = %q, want %q", tc.msgs, got, tc.want)
		}
	}
}

func TestLegacy06Decode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"~m~5~m~abcde~m~9~m~123456789", []string{"abcde", "123456789"}},
		{"~m~0~m~", []string{""}},
		{"~m~2~m~😀~m~1~m~x", []string{"😀", "x"}},
		{"~m~4~m~~h~1", []string{"~h~1"}},
		{"~m~5~m~~m~1~", []string{"~m~1~"}}, // the length decides, not the markers
	} {
		got, err := DecodeLegacy06(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("DecodeLegacy06(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"abc",
		"~m~",
		"~m~5",
		"~m~5~m~abcd",                    // short
		"~m~5~m~abcde~m\uffffsdaasdfd9~", // the 0.6 test's bad second frame
		"~m~~m~",
		"~m~-1~m~",
		"~m~1234567890~m~",
		"~m~1~m~😀", // ends inside a surrogate pair
		"~m~1~m~\xff",
		"~m~1~m~ab",
	} {
		got, err := DecodeLegacy06(in)
		if err == nil || !errors.Is(err, ErrInvalidLegacy06) {
			t.Errorf("DecodeLegacy06(%q) = %q, %v; want an ErrInvalidLegacy06", in, got, err)
		}
	}
}

func TestUTF16Len(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "é": 1, "😀": 2, "a😀b": 4, "\xff": 1} {
		if got := UTF16Len(s); got != want {
			t.Errorf("UTF16Len(%q) = %d, want %d", s, got, want)
		}
	}
}

func FuzzLegacy06(f *testing.F) {
	for _, s := range []string{"", "~m~5~m~abcde~m~9~m~123456789", "~m~0~m~", "~m~2~m~😀", "~m~1~m~😀",
		"~m~4~m~~h~1", `~m~7~m~~j~{"a"`, "~m~999999999~m~", "~m~5~m~~m~1~", "~m~1~m~\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		msgs, err := DecodeLegacy06(in)
		if err != nil {
			if !errors.Is(err, ErrInvalidLegacy06) {
				t.Fatalf("DecodeLegacy06(%q): error %v does not wrap ErrInvalidLegacy06", in, err)
			}
			if msgs != nil {
				t.Fatalf("DecodeLegacy06(%q): messages with an error", in)
			}
			return
		}
		// A decoded payload re-encodes to itself (lengths are canonical
		// decimals) and its messages are valid UTF-8.
		if got := EncodeLegacy06(msgs...); got != in && !hasLeadingZeros(in) {
			t.Fatalf("EncodeLegacy06(DecodeLegacy06(%q)) = %q", in, got)
		}
		for _, m := range msgs {
			if !utf8.ValidString(m) {
				t.Fatalf("DecodeLegacy06(%q): message %q is not UTF-8", in, m)
			}
		}
		// Any valid text round-trips as one message.
		if utf8.ValidString(in) {
			back, err := DecodeLegacy06(EncodeLegacy06(in, in))
			if err != nil || len(back) != 2 || back[0] != in || back[1] != in {
				t.Fatalf("round trip of %q: %q, %v", in, back, err)
			}
		}
	})
}

// hasLeadingZeros reports whether a length field of in is written with a
// leading zero ("~m~05~m~"), which decodes but re-encodes shorter.
func hasLeadingZeros(in string) bool { return strings.Contains(in, "~m~0") }
