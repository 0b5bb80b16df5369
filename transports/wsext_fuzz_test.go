package transports

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzParseExtensions feeds random header values to the
// Sec-WebSocket-Extensions parser. It must never panic; what it accepts
// must be made of tokens and survive being written back and parsed again
// unchanged; negotiateDeflate must agree with acceptableDeflate on the
// parsed offers.
func FuzzParseExtensions(f *testing.F) {
	for _, s := range []string{
		"", "permessage-deflate", "permessage-deflate; client_max_window_bits",
		"permessage-deflate; server_no_context_takeover; client_no_context_takeover",
		`permessage-deflate; server_max_window_bits="15", permessage-deflate;client_max_window_bits=10`,
		`x-webkit-deflate-frame, , foo; a="b\c"`, "permessage-deflate; =", `a; b="`, "a;;", "\t a \t;\t b \t=\t c\t",
	} {
		f.Add(s, "")
		f.Add(s, "permessage-deflate")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		values := []string{a, b}
		exts, ok := parseExtensions(values)
		accepted := negotiateDeflate(values)
		if !ok {
			if exts != nil || accepted {
				t.Fatalf("parse failed with %d offers returned, negotiated %v", len(exts), accepted)
			}
			return
		}
		want := false
		var sb strings.Builder
		for i, e := range exts {
			if !isToken(e.name) {
				t.Fatalf("extension name %q is not a token", e.name)
			}
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(e.name)
			for _, p := range e.params {
				if !isToken(p.name) || (p.hasValue && !isToken(p.value)) || (!p.hasValue && p.value != "") {
					t.Fatalf("parameter %+v of %q", p, e.name)
				}
				sb.WriteString("; " + p.name)
				if p.hasValue {
					sb.WriteString("=" + p.value)
				}
			}
			want = want || (e.name == "permessage-deflate" && acceptableDeflate(e.params))
		}
		if accepted != want {
			t.Fatalf("negotiateDeflate = %v, want %v", accepted, want)
		}
		again, ok := parseExtensions([]string{sb.String()})
		if !ok || !reflect.DeepEqual(again, exts) {
			t.Fatalf("%q parsed as %+v, written back as %q, parsed again as %+v, %v", values, exts, sb.String(), again, ok)
		}
	})
}
