package proto

import "strconv"

// Payload filler kinds: 'x' repeats one byte, which compresses absurdly
// well (a 2 KiB pad deflates to a dozen bytes); "text" is JSON-like text
// (records of ids, names, words and scores, single-quoted so that a JSON
// string holds it unescaped) that compresses about as well as real
// application messages do. The wire-option benchmarks use "text".
const (
	PadX    = "x"
	PadText = "text"
)

// ValidPad reports whether kind is a filler kind.
func ValidPad(kind string) bool { return kind == PadX || kind == PadText }

// PadOf returns n filler bytes of kind (PadX or PadText); seed picks the
// text (broadcasts use their sequence number, so each differs).
func PadOf(kind string, n int, seed int64) string {
	if kind == PadText {
		return TextPad(n, seed)
	}
	return Pad(n)
}

// textWords are the words TextPad draws from. bench/node/textpad.js has
// the same list and the same generator: both sides must produce the same
// bytes (TestTextPadMatchesNode).
var textWords = [64]string{
	"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
	"india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
	"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog",
	"message", "channel", "server", "client", "update", "status", "online", "offline",
	"hello", "world", "meeting", "tomorrow", "at", "noon", "please", "review",
	"this", "latest", "build", "before", "release", "thanks", "and", "see",
	"you", "soon", "price", "order", "ticket", "room", "game", "score",
	"level", "player", "red", "green", "blue", "north", "south", "east",
}

// textRand is xorshift32, seeded by a multiplicative hash of the seed; the
// JavaScript version works on the same 32-bit values (Math.imul, >>> 0).
type textRand uint32

func newTextRand(seed int64) textRand {
	s := uint32(seed)*0x9E3779B9 ^ 0xA5A5A5A5
	if s == 0 {
		s = 1
	}
	return textRand(s)
}

func (r *textRand) next() uint32 {
	s := uint32(*r)
	s ^= s << 13
	s ^= s >> 17
	s ^= s << 5
	*r = textRand(s)
	return s
}

func (r *textRand) word() string { return textWords[r.next()%uint32(len(textWords))] }

// TextPad returns exactly n bytes of deterministic JSON-like ASCII text,
// a list of records cut at n bytes:
//
//	[{'id': 48213, 'user': 'delta_noon', 'text': 'the build at …', 'score': 731}, {…
//
// It holds no byte a JSON string must escape (no '"', '\\', control
// characters) nor any that Go's encoding/json escapes ('<', '>', '&').
func TextPad(n int, seed int64) string {
	if n <= 0 {
		return ""
	}
	r := newTextRand(seed)
	b := make([]byte, 0, n+96)
	b = append(b, '[')
	for len(b) < n {
		if len(b) > 1 {
			b = append(b, ", "...)
		}
		b = append(b, "{'id': "...)
		b = strconv.AppendUint(b, uint64(r.next()%100000), 10)
		b = append(b, ", 'user': '"...)
		b = append(b, r.word()...)
		b = append(b, '_')
		b = append(b, r.word()...)
		b = append(b, "', 'text': '"...)
		words := 4 + int(r.next()%9)
		for i := range words {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, r.word()...)
		}
		b = append(b, "', 'score': "...)
		b = strconv.AppendUint(b, uint64(r.next()%1000), 10)
		b = append(b, '}')
	}
	return string(b[:n])
}
