package eiotest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
)

// SampleJSON is a Socket.IO event packet (42[...]) of about n bytes that
// looks like an application's: chat lines with ids, names, timestamps and
// text drawn from a vocabulary, the same every run. It is a payload that
// compresses as real traffic does, not as a repeated string would.
func SampleJSON(n int) []byte {
	words := strings.Fields(`the a to and of in is it you that for on with this be are was have not at
		but can just like so what all about your from they will one do we my if out more time up when how
		there new now get see know good think make some people first day back only well need want going
		message server client socket event room join leave polling websocket upgrade ping pong send`)
	names := []string{"ada", "grace", "linus", "ken", "barbara", "edsger", "donald", "margaret", "dennis", "frances"}
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.WriteString(`42["messages",[`)
	for i := 0; b.Len() < n-80; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%016x","user":%q,"ts":%d,"text":"`, rng.Uint64(), names[rng.IntN(len(names))], 1700000000000+rng.Int64N(1e9))
		for w := range 4 + rng.IntN(12) {
			if w > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[rng.IntN(len(words))])
		}
		fmt.Fprintf(&b, `","likes":%d}`, rng.IntN(100))
	}
	b.WriteString(`]]`)
	return b.Bytes()
}
