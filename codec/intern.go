package codec

import "sync/atomic"

// Event names repeat: a server sees a handful of them, millions of times.
// internName returns a name seen recently without allocating it again, so
// a decoded EVENT does not cost a string for its name. The table is
// shared by every connection and fixed in size: a client sending a new
// name with every event only makes the table miss (one allocation more
// than without it), it cannot grow it.
const (
	internSlots   = 256 // a power of two
	internMaxName = 32  // longer names are copied, not interned
)

var interned [internSlots]atomic.Pointer[string]

// internName returns string(b), from the table when the slot b hashes to
// holds it; else it copies b and keeps the copy in that slot, replacing
// what was there. Strings never change, so a reader that loaded the old
// pointer still holds a valid name.
func internName(b []byte) string {
	if len(b) > internMaxName {
		return string(b)
	}
	// FNV-1a: cheap for a short name, and any byte changes the slot.
	h := uint32(2166136261)
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	slot := &interned[h&(internSlots-1)]
	if p := slot.Load(); p != nil && *p == string(b) {
		return *p
	}
	s := string(b)
	slot.Store(&s)
	return s
}
