package redis

import (
	"fmt"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
)

// maxRunningHandlers bounds the server-side event handlers an adapter runs
// at once for messages from other nodes. They run off the reading
// goroutine (a handler may block, and the adapter's other messages must
// not wait for it); past the bound, an event is dropped and reported, so
// a flood published on the Redis cannot grow goroutines without limit.
const maxRunningHandlers = 256

// handlerSlots is a counting semaphore of maxRunningHandlers.
type handlerSlots chan struct{}

func newHandlerSlots() handlerSlots { return make(handlerSlots, maxRunningHandlers) }

// run calls nsp's handler of a server-side event on a goroutine of its own,
// or reports the event dropped when maxRunningHandlers are running.
func (s handlerSlots) run(nsp *socketio.Namespace, event string, args codec.Args, ack func(...any), report func(error)) {
	select {
	case s <- struct{}{}:
		go func() {
			defer func() { <-s }()
			socketio.DeliverServerSideEvent(nsp, event, args, ack)
		}()
	default:
		report(fmt.Errorf("redis adapter %s: server-side event %q dropped: %d handlers already running", nsp.Name(), event, maxRunningHandlers))
	}
}
