package admin

import (
	"fmt"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/codec"
)

// The UI's commands, as it sends them (Node's ClientEvents):
//
//	emit        (nsp, filter, event, args...)
//	join        (nsp, room, filter)
//	leave       (nsp, room, filter)
//	_disconnect (nsp, close, filter)
//
// filter is a room name (a socket id being its own room) or absent/null
// for the whole namespace. Each goes through the namespace's broadcast
// operator (In(filter).SocketsJoin and so on). A command whose arguments
// do not fit, or that names a namespace this server does not have (or the
// admin namespace), does nothing; the error goes to the server's
// ErrorHandler (the handlers return it).

// CommandError is a command from the UI that was not carried out (a
// plain value, reported to the server's ErrorHandler).
type CommandError struct {
	Command string
	Err     error
}

func (e *CommandError) Error() string { return "admin: command " + e.Command + ": " + e.Err.Error() }

func (e *CommandError) Unwrap() error { return e.Err }

func (a *Admin) handleCommands(s *socketio.Socket) {
	s.On("emit", func(args codec.Args) error {
		return a.command("emit", args, func(n *socketio.Namespace, filter []string) error {
			var event string
			if err := args.Decode(2, &event); err != nil {
				return fmt.Errorf("event name: %w", err)
			}
			rest := eventArgs(event, argsFrom(args, 3))[1:]
			return n.In(filter...).Emit(event, rest...)
		})
	})
	s.On("join", func(args codec.Args) error {
		return a.roomCommand("join", args, func(op *socketio.BroadcastOperator, room string) error { return op.SocketsJoin(room) })
	})
	s.On("leave", func(args codec.Args) error {
		return a.roomCommand("leave", args, func(op *socketio.BroadcastOperator, room string) error { return op.SocketsLeave(room) })
	})
	s.On("_disconnect", func(args codec.Args) error {
		return a.command("_disconnect", args, func(n *socketio.Namespace, filter []string) error {
			var closeConn bool
			if err := args.Decode(1, &closeConn); err != nil {
				return fmt.Errorf("close flag: %w", err)
			}
			return n.In(filter...).DisconnectSockets(closeConn)
		})
	})
}

// roomCommand is join and leave: (nsp, room, filter).
func (a *Admin) roomCommand(name string, args codec.Args, do func(*socketio.BroadcastOperator, string) error) error {
	return a.command(name, args, func(n *socketio.Namespace, filter []string) error {
		var room string
		if err := args.Decode(1, &room); err != nil {
			return fmt.Errorf("room: %w", err)
		}
		if room == "" {
			return fmt.Errorf("room: empty name")
		}
		return do(n.In(filter...), room)
	})
}

// command decodes the namespace (argument 0) and the filter (argument 2,
// or 1 for emit) common to every command, and runs do.
func (a *Admin) command(name string, args codec.Args, do func(n *socketio.Namespace, filter []string) error) error {
	if a.closed.Load() {
		return nil
	}
	fail := func(err error) error { return &CommandError{Command: name, Err: err} }
	var nspName string
	if err := args.Decode(0, &nspName); err != nil {
		return fail(fmt.Errorf("namespace: %w", err))
	}
	n := a.lookup(nspName)
	if n == nil {
		return fail(fmt.Errorf("no namespace %q", nspName))
	}
	at := 2
	if name == "emit" {
		at = 1
	}
	var filter *string // absent or null: the whole namespace
	if at < args.Len() {
		if err := args.Decode(at, &filter); err != nil {
			return fail(fmt.Errorf("filter: %w", err))
		}
	}
	var rooms []string
	if filter != nil && *filter != "" {
		rooms = []string{*filter}
	}
	if err := do(n, rooms); err != nil {
		return fail(err)
	}
	return nil
}

// lookup returns the namespace named name, if it exists and is not the
// admin namespace (Server.Of would create it).
func (a *Admin) lookup(name string) *socketio.Namespace {
	for _, n := range a.io.Namespaces() {
		if n.Name() == name && n != a.nsp {
			return n
		}
	}
	return nil
}

// argsFrom is args without its first i arguments.
func argsFrom(args codec.Args, i int) codec.Args { return skipArgs{args, i} }

type skipArgs struct {
	codec.Args
	skip int
}

func (s skipArgs) Len() int { return max(0, s.Args.Len()-s.skip) }

func (s skipArgs) Decode(i int, v any) error {
	if i < 0 {
		return codec.ErrNoArgument
	}
	return s.Args.Decode(i+s.skip, v)
}
