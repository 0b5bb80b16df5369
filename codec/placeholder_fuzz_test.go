package codec

import (
	"encoding/json"
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

// refPlaceholdersOK is checkPlaceholders written from the reference's
// rule, the slow way: decode with encoding/json (numbers as float64), and
// every object whose "_placeholder" is true, not searched further, needs
// a "num" that is a number of integral value in [0, n).
func refPlaceholdersOK(v any, n int) bool {
	switch t := v.(type) {
	case map[string]any:
		if t["_placeholder"] == true {
			f, ok := t["num"].(float64)
			return ok && f >= 0 && f < float64(n) && f == float64(int64(f))
		}
		for _, e := range t {
			if !refPlaceholdersOK(e, n) {
				return false
			}
		}
	case []any:
		for _, e := range t {
			if !refPlaceholdersOK(e, n) {
				return false
			}
		}
	}
	return true
}

// FuzzCheckPlaceholders: checkPlaceholders accepts a JSON argument with n
// attachments exactly when the slow reference does, and an accepted
// argument resolves into any without error.
func FuzzCheckPlaceholders(f *testing.F) {
	for _, s := range []string{
		`{"_placeholder":true,"num":0}`, `[{"_placeholder":true,"num":1},{"a":{"_placeholder":true,"num":0}}]`,
		`{"_placeholder":true,"num":0.5}`, `{"_placeholder":true,"num":-1}`, `{"_placeholder":true}`,
		`{"_placeholder":true,"num":"0"}`, `{"\u005fplaceholder":true,"num":9}`, `{"_placeholder":true,"num":1e0}`,
		`{"_placeholder":false,"num":9}`, `{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":9}}`,
		`"_placeholder"`, `[1,"a",null,{"b":[]}]`, `{"_placeholder":true,"num":1e400}`,
	} {
		f.Add(s, uint8(1))
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, raw string, n uint8) {
		n %= 11
		var tree any
		if json.Unmarshal([]byte(raw), &tree) != nil {
			return // checkPlaceholders sees only arguments the packet decoder split as valid JSON
		}
		err := checkPlaceholders([]json.RawMessage{json.RawMessage(raw)}, int(n))
		if want := refPlaceholdersOK(tree, int(n)); (err == nil) != want {
			t.Fatalf("checkPlaceholders(%s, %d) = %v, reference accepts: %v", raw, n, err, want)
		}
		if err != nil || n == 0 {
			return
		}
		atts := make([][]byte, n)
		for i := range atts {
			atts[i] = []byte{byte(i)}
		}
		a := &jsonArgs{raw: []json.RawMessage{json.RawMessage(raw)}, atts: atts}
		var v any
		if err := a.Decode(0, &v); err != nil {
			t.Fatalf("accepted %s with %d attachments, then Decode: %v", raw, n, err)
		}
	})
}
