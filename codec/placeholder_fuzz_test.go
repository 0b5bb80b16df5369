package codec

import (
	"strings"
	"testing"
)

// FuzzSocketPlaceholders decodes a binary EVENT whose JSON the fuzzer
// writes, with n attachments. A packet the decoder accepts must never
// fail later on a placeholder: every argument resolves.
func FuzzSocketPlaceholders(f *testing.F) {
	f.Add(`["e",{"_placeholder":true,"num":0}]`, uint8(1))
	f.Add(`["e",{"_placeholder":true,"num":1},[{"_placeholder":true,"num":0}]]`, uint8(2))
	f.Add(`["e",{"_placeholder":true,"num":0.0}]`, uint8(1))
	f.Add(`["e",{"_placeholder":true,"num":-0}]`, uint8(1))
	f.Add(`["e",{"_placeholder":true,"num":1e0}]`, uint8(2))
	f.Fuzz(func(t *testing.T, payload string, n uint8) {
		n %= 11
		d := sioDecoder()
		p, err := d.Add(sioText("5" + itoa(int(n)) + "-" + payload))
		for i := 0; err == nil && i < int(n); i++ {
			p, err = d.Add(sioBin(1))
		}
		if err != nil || p == nil {
			return
		}
		for i := range p.Args.Len() {
			var v any
			if err := p.Args.Decode(i, &v); err != nil && strings.Contains(err.Error(), "placeholder") {
				t.Fatalf("accepted %q with %d attachments, then argument %d: %v", payload, n, i, err)
			}
		}
	})
}

func itoa(n int) string {
	if n >= 10 {
		return string(rune('0'+n/10)) + string(rune('0'+n%10))
	}
	return string(rune('0' + n))
}
