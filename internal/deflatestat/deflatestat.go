// Package deflatestat counts the messages the WebSocket transport
// compresses, process-wide. It exists for tests above the transport (a
// broadcast to many connections must compress its message once, not once
// per recipient), which cannot see into the transport otherwise. Counting
// costs one atomic add per compressed message, next to microseconds of
// compression.
package deflatestat

import "sync/atomic"

// Compressions is the number of messages compressed so far.
var Compressions atomic.Uint64
