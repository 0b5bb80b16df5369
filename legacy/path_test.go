package legacy

import "testing"

func TestParsePath(t *testing.T) {
	for _, tc := range []struct {
		path string
		want route
		ok   bool
	}{
		{"/socket.io/xhr-polling//1300000000000", route{transport: XHRPolling}, true},
		{"/socket.io/xhr-polling/1300000000000", route{transport: XHRPolling}, true}, // cleaned by a router
		{"/socket.io/xhr-polling/abc_DEF-12/1300000000000", route{transport: XHRPolling, sid: "abc_DEF-12"}, true},
		{"/socket.io/xhr-polling/abc/send", route{transport: XHRPolling, sid: "abc"}, true},
		{"/socket.io/jsonp-polling//1300000000000/0", route{transport: JSONPPolling, index: "0"}, true},
		{"/socket.io/jsonp-polling/abc/1300000000000/3", route{transport: JSONPPolling, sid: "abc", index: "3"}, true},
		{"/socket.io/websocket", route{transport: WebSocket}, true},
		{"/socket.io/websocket/abc", route{transport: WebSocket, sid: "abc"}, true},
		{"/socket.io/xhr-multipart/", route{transport: XHRMultipart}, true},
		{"/socket.io/htmlfile", route{transport: HTMLFile}, true},
		{"/deep/prefix/websocket/socket.io/htmlfile/abc/1", route{transport: HTMLFile, sid: "abc"}, true},
		{"/xhr-polling//1", route{transport: XHRPolling}, true}, // behind StripPrefix
		{"/socket.io/", route{}, false},
		{"/socket.io/polling", route{}, false},
		{"/socket.io/xhr-polling/a/b/1", route{}, false},
		{"/socket.io/xhr-polling/123/456/789", route{}, false},
		{"/socket.io/xhr-polling/a/b/c/d/e/f/g", route{}, false},
	} {
		got, ok := parsePath(tc.path)
		if ok != tc.ok || got != tc.want {
			t.Errorf("parsePath(%q) = %+v, %v; want %+v, %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"/socket.io/xhr-polling//1", "/socket.io/jsonp-polling/a/1/0", "/websocket", "//////", "/send/send"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		rt, ok := parsePath(path)
		if !ok {
			return
		}
		if !isTransport(rt.transport) || isNumber(rt.sid) || (rt.index != "" && !isNumber(rt.index)) {
			t.Fatalf("parsePath(%q) = %+v", path, rt)
		}
	})
}
