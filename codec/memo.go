package codec

import "sync"

// memoSlots is the number of values a Memo holds: one per way a transport
// frames a packet (see transports/wsdeflate.go).
const memoSlots = 4

// Memo holds byte strings derived from a Packet's Data, each computed once
// however many connections the packet is queued on. The zero value is
// ready to use. Which slot holds what is the business of the transport
// that fills it; a Memo must therefore only travel with packets of one
// server, whose transports all derive values the same way.
//
// Concurrency: Do may be called from any number of goroutines; values are
// never modified once computed.
type Memo struct {
	slots [memoSlots]memoSlot
}

type memoSlot struct {
	once sync.Once
	v    []byte
}

// Do returns the value of slot i (0 to 3: one per way a transport frames
// a packet), calling compute to fill it the first time. Callers that arrive while another computes it wait for its result,
// so compute runs once per slot; it must not call Do on the same Memo.
func (m *Memo) Do(i int, compute func() []byte) []byte {
	s := &m.slots[i]
	s.once.Do(func() { s.v = compute() })
	return s.v
}
