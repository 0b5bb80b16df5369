package socketio

import (
	"strconv"
	"testing"
	"time"

	"github.com/gosio/socketio/codec"
)

// FuzzRecoveryOffset: a client's offset is remote input. Whatever it is,
// restoring never panics, and it finds a session only for an offset the
// log issued and still holds, replaying exactly what came after it.
func FuzzRecoveryOffset(f *testing.F) {
	for _, s := range []string{"", "-", "0", "zz", "x-1", "-1", "999999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, offset string) {
		l := newRecoveryLog(ConnectionStateRecovery{MaxPackets: 4})
		now := time.Now()
		l.persist(&PersistedSession{SID: "s", PID: "p", Rooms: []string{"s"}}, now)
		issued := map[string]int{}
		for i := range 6 {
			l.mu.Lock()
			issued[l.offsetLocked()] = i
			l.appendLocked([]codec.Packet{{Type: codec.PacketMessage, Data: []byte(strconv.Itoa(i))}}, BroadcastOptions{}, now)
			l.mu.Unlock()
		}
		for _, off := range []string{offset, l.prefix + offset} {
			l.mu.Lock()
			rs, _ := l.restoreLocked("p", off, now)
			l.mu.Unlock()
			i, ok := issued[off]
			// MaxPackets 4 of 6: 0 and 1 are gone; after 1 comes 2, so
			// offset 1 still has all it missed.
			held := ok && i >= 1
			if (rs != nil) != held {
				t.Fatalf("offset %q (issued %v as #%d): restored %v", off, ok, i, rs != nil)
			}
			if rs != nil && len(rs.MissedPackets) != 5-i {
				t.Fatalf("offset #%d: %d missed, want %d", i, len(rs.MissedPackets), 5-i)
			}
		}
	})
}
