package socketio

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"testing"
	"time"
)

// A Handshake serialises as the reference server's socket.handshake does
// in a cluster's fetch-sockets answer, and reads back what a Node.js node
// sends.
func TestHandshakeJSON(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/socket.io/?EIO=4&transport=polling&room=a&room=b", nil)
	r.Header.Set("User-Agent", "test")
	r.Header.Add("Accept-Language", "en")
	r.Header.Add("Accept-Language", "fr")
	r.Header.Add("Cookie", "a=1")
	r.Header.Add("Cookie", "b=2")
	r.Header.Set("Origin", "http://example.com")
	now := time.Date(2026, 12, 4, 3, 9, 48, 0, time.UTC)
	h := newHandshake(r, nil, now)
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	headers := got["headers"].(map[string]any)
	for k, want := range map[string]any{
		"user-agent":      "test",
		"accept-language": "en, fr",
		"cookie":          "a=1; b=2",
		"origin":          "http://example.com",
		"host":            "example.com",
	} {
		if headers[k] != want {
			t.Errorf("headers[%q] = %#v, want %#v", k, headers[k], want)
		}
	}
	query := got["query"].(map[string]any)
	if query["EIO"] != "4" || query["transport"] != "polling" || !reflect.DeepEqual(query["room"], []any{"a", "b"}) {
		t.Errorf("query = %#v", query)
	}
	// Node 20: String(new Date(Date.UTC(2026, 11, 4, 3, 9, 48))).
	if got["time"] != "Fri Dec 04 2026 03:09:48 GMT+0000 (Coordinated Universal Time)" {
		t.Errorf("time = %q", got["time"])
	}
	if got["issued"] != float64(now.UnixMilli()) || got["xdomain"] != true || got["secure"] != false ||
		got["url"] != "/socket.io/?EIO=4&transport=polling&room=a&room=b" || !reflect.DeepEqual(got["auth"], map[string]any{}) {
		t.Errorf("handshake = %s", b)
	}
	if ok, _ := regexp.MatchString(`^\d+\.\d+\.\d+\.\d+$`, got["address"].(string)); !ok {
		t.Errorf("address = %q", got["address"])
	}

	var back Handshake
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Headers.Get("User-Agent") != "test" || back.Query["room"][1] != "b" || back.Time != h.Time || back.Issued != h.Issued {
		t.Errorf("read back %+v", back)
	}
}
