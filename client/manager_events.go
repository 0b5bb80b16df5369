package client

import "slices"

// The Manager's events, as the JS client's Manager emits them. Handlers run
// on the Manager's dispatching goroutine, one at a time, in the order of
// the events, interleaved with its sockets' handlers; they must not block
// for long. Handlers are added, never replaced.

// OnOpen adds a handler called each time the connection opens (before the
// sockets' CONNECT are answered).
func (m *Manager) OnOpen(fn func()) { addHandler(m, &m.h.open, fn) }

// OnClose adds a handler called each time the connection closes, with the
// reason (ReasonTransportClose, ReasonPingTimeout, …) and the error
// behind it, if any.
func (m *Manager) OnClose(fn func(reason string, err error)) { addHandler(m, &m.h.close, fn) }

// OnError adds a handler called when an attempt to open the connection
// fails.
func (m *Manager) OnError(fn func(err error)) { addHandler(m, &m.h.err, fn) }

// OnPing adds a handler called for each ping from the server.
func (m *Manager) OnPing(fn func()) { addHandler(m, &m.h.ping, fn) }

// OnUpgrade adds a handler called when the connection has moved from
// polling to the transport named.
func (m *Manager) OnUpgrade(fn func(transport string)) { addHandler(m, &m.h.upgrade, fn) }

// OnReconnectAttempt adds a handler called before each reconnection
// attempt, with its number (1 for the first).
func (m *Manager) OnReconnectAttempt(fn func(attempt int)) {
	addHandler(m, &m.h.reconnectAttempt, fn)
}

// OnReconnect adds a handler called when a reconnection succeeded, with the
// number of attempts it took.
func (m *Manager) OnReconnect(fn func(attempt int)) { addHandler(m, &m.h.reconnect, fn) }

// OnReconnectError adds a handler called when a reconnection attempt
// failed.
func (m *Manager) OnReconnectError(fn func(err error)) { addHandler(m, &m.h.reconnectError, fn) }

// OnReconnectFailed adds a handler called when the Manager gives up
// reconnecting (Options.ReconnectionAttempts).
func (m *Manager) OnReconnectFailed(fn func()) { addHandler(m, &m.h.reconnectFailed, fn) }

// addHandler appends fn to *list under m.mu, copy-on-write: a list already
// handed to the dispatcher is never modified.
func addHandler[F any](m *Manager, list *[]F, fn F) {
	m.mu.Lock()
	*list = append(slices.Clip(*list), fn)
	m.mu.Unlock()
}
