package transports

import (
	"testing"

	"github.com/gorilla/websocket"
)

// An empty binary frame is an empty attachment: its data must be an empty
// slice, not nil (socket.io-client sends one for an empty Buffer, and a
// decoded []byte field would otherwise come back as null).
func TestWebSocketEmptyBinaryFrame(t *testing.T) {
	ws, client := newWSPair(t, WebSocketConfig{}, nil)
	clientWrite(t, client, websocket.BinaryMessage, nil)
	p, err := readPacketTimeout(t, ws)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Binary || p.Data == nil || len(p.Data) != 0 {
		t.Fatalf("empty binary frame read as %s (data nil: %v)", wsFormat(p), p.Data == nil)
	}
}
