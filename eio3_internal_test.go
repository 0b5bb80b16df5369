package socketio

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gosio/socketio/codec"
)

func TestV3Namespace(t *testing.T) {
	for _, tt := range []struct {
		nsp, want string
		auth      map[string]any
	}{
		{"/", "/", nil},
		{"/admin", "/admin", nil},
		{"/admin?token=1&uid=abcd", "/admin", map[string]any{"token": "1", "uid": "abcd"}},
		{"/admin?", "/admin", nil},
		{"/a?x=1&x=2&&y&z=%zz&w=a+b%2Bc", "/a", map[string]any{"x": "2", "y": "", "z": "%zz", "w": "a b+c"}},
		{"/a?x=1#frag", "/a", map[string]any{"x": "1"}},
		{"/a#frag", "/a", nil},
		{"?x=1", "/", map[string]any{"x": "1"}},
	} {
		p := &codec.SocketPacket{Type: codec.Connect, Nsp: tt.nsp}
		v3Namespace(p)
		var auth map[string]any
		if p.Args != nil {
			_ = p.Args.Decode(0, &auth)
		}
		if p.Nsp != tt.want || !reflect.DeepEqual(auth, tt.auth) {
			t.Errorf("v3Namespace(%q) = %q %v, want %q %v", tt.nsp, p.Nsp, auth, tt.want, tt.auth)
		}
	}
	p := &codec.SocketPacket{Type: codec.Event, Nsp: "/admin?x=1"}
	v3Namespace(p)
	if p.Nsp != "/admin" || p.Args != nil {
		t.Errorf("event: %q %v", p.Nsp, p.Args)
	}
}

// FuzzV3Namespace: any namespace field gives a namespace without query
// and an auth of valid UTF-8 strings that agrees with net/url where
// net/url accepts the query and decodes it to valid UTF-8.
func FuzzV3Namespace(f *testing.F) {
	for _, s := range []string{"/", "/admin?token=1", "/a?x=%zz&y=+&z", "/a?%C3%BC=%F0%9F%98%80", "?", "/a#?b", "/a?b#c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, nsp string) {
		p := &codec.SocketPacket{Type: codec.Connect, Nsp: nsp}
		v3Namespace(p)
		if strings.Contains(p.Nsp, "?") || p.Nsp == "" {
			t.Fatalf("namespace %q from %q", p.Nsp, nsp)
		}
		if p.Args == nil {
			return
		}
		var auth map[string]string
		if err := p.Args.Decode(0, &auth); err != nil {
			t.Fatalf("auth of %q: %v", nsp, err)
		}
		for k, v := range auth {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				t.Fatalf("invalid UTF-8 in %q=%q", k, v)
			}
		}
		_, q, _ := strings.Cut(nsp, "?")
		q, _, _ = strings.Cut(q, "#")
		if vals, err := url.ParseQuery(q); err == nil && utf8.ValidString(q) {
			for k, vs := range vals {
				if !utf8.ValidString(k) || !utf8.ValidString(vs[len(vs)-1]) {
					continue // replaced by U+FFFD; keys may then collide
				}
				if auth[k] != vs[len(vs)-1] {
					t.Fatalf("%q: %q=%q, net/url says %q", nsp, k, auth[k], vs[len(vs)-1])
				}
			}
		}
	})
}
