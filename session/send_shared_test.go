package session_test

import (
	"bytes"
	"testing"

	"github.com/gosio/socketio/codec"
	"github.com/gosio/socketio/internal/eiotest"
)

// TestSendSharedPackets: a broadcast passes one packet slice to the Send of
// every recipient. A session that cannot write it at once (TLS: no
// non-blocking write, so it goes to the writer goroutine) must queue a
// copy: the writer clears its queue in place once taken, and clearing the
// caller's slice sent empty "0" frames to the recipients served after it
// (seen by the browser chat test; -race flags the shared write too).
func TestSendSharedPackets(t *testing.T) {
	for _, tls := range []bool{false, true} {
		name := "plain"
		if tls {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, envConfig{tls: tls})
			const n = 3
			clients := make([]*eiotest.Client, n)
			sessions := make([]*serverSession, n)
			for i := range clients {
				clients[i] = e.dial(t, eiotest.ModeWebSocket)
				sessions[i] = e.session(t, clients[i].SID())
			}
			for round := range 20 {
				msg := []byte("shared " + string(rune('a'+round)))
				pkts := []codec.Packet{{Type: codec.PacketMessage, Data: msg}}
				for _, ss := range sessions {
					if err := ss.Send(pkts...); err != nil {
						t.Fatalf("Send: %v", err)
					}
				}
				for _, c := range clients {
					expect(t, c, "4"+string(msg))
				}
				if pkts[0].Type != codec.PacketMessage || !bytes.Equal(pkts[0].Data, msg) {
					t.Fatalf("round %d: the caller's packet slice was modified: %+v", round, pkts[0])
				}
			}
		})
	}
}
