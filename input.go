package socketio

import (
	"errors"
	"sync"
	"time"

	"github.com/gosio/socketio/codec"
)

// Bounded input. Every Engine.IO message a client sends is counted, from
// the moment it is read until its packet has been handled, in three
// places: the half-received binary packet (client.partial), the pending
// list (client.pendingBytes) and the whole Server (Server.buffered,
// MaxBufferedInput). A peer can therefore pin at most
// MaxPendingBytes*4 + one packet per connection, for at most
// AttachmentTimeout when it stops half-way through a binary packet, and
// all peers together at most MaxBufferedInput.
//
// Lock order: qmu, then mu, then a socket's mu.

// errInputLimit is the cause given to the session when MaxBufferedInput or
// the hard bound of the pending list closes a connection.
var errInputLimit = errors.New("socketio: input limit reached")

// errAttachmentTimeout is the cause given when AttachmentTimeout passes.
var errAttachmentTimeout = errors.New("socketio: binary attachments not received in time")

// charge counts n input bytes against MaxBufferedInput; false means the
// Server is full, this connection has been closed and the message must be
// dropped. Bytes charged after the client closed are returned by whatever
// drops them (addPartial, enqueue), so it need not look at qclosed.
func (c *client) charge(n int) bool {
	max := c.srv.opts.MaxBufferedInput
	if v := c.srv.buffered.Add(int64(n)); max > 0 && v > max {
		c.srv.buffered.Add(-int64(n))
		c.closeWith(ReasonTransportError, errInputLimit)
		return false
	}
	return true
}

// uncharge returns n bytes counted by charge.
func (c *client) uncharge(n int) {
	if n != 0 {
		c.srv.buffered.Add(-int64(n))
	}
}

// addPartial records n bytes of a binary packet still missing attachments
// and, at its first message, starts the AttachmentTimeout.
func (c *client) addPartial(n int) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.qclosed {
		c.uncharge(n) // onClose already dropped the rest of the packet
		return
	}
	c.inPartial = true
	if c.partial == 0 {
		if c.attTimer == nil {
			c.attTimer = time.AfterFunc(c.srv.opts.AttachmentTimeout, c.onAttachmentTimeout)
		} else {
			c.attTimer.Reset(c.srv.opts.AttachmentTimeout)
		}
	}
	c.partial += n
}

// takePartial ends the current packet: it returns its size, the partial
// bytes plus n, and stops the AttachmentTimeout.
func (c *client) takePartial(n int) int {
	if !c.inPartial {
		return n // the common case, without taking qmu
	}
	c.inPartial = false
	c.qmu.Lock()
	defer c.qmu.Unlock()
	n += c.partial
	c.partial = 0
	c.attTimer.Stop()
	return n
}

// dropPartialLocked forgets a half-received packet of a closing client.
// qmu must be held.
func (c *client) dropPartialLocked() {
	c.uncharge(c.partial)
	c.partial = 0
	if c.attTimer != nil {
		c.attTimer.Stop()
	}
}

func (c *client) onAttachmentTimeout() {
	c.qmu.Lock()
	// A firing that raced with the packet's completion (Stop came too
	// late) finds no partial packet: nothing to do.
	late := c.partial > 0 && !c.qclosed
	c.qmu.Unlock()
	if late {
		c.closeWith(ReasonTransportError, errAttachmentTimeout)
	}
}

// enqueue adds a complete packet of size input bytes to the pending list,
// waiting for room when the list is full (MaxPendingPackets,
// MaxPendingBytes). While it waits the session's pong deadline is held,
// since the pong may be behind this packet in the connection.
//
// It does not wait while a socket of this client awaits an ack: the ack
// may be behind this packet too, and the handler waiting for it is what
// keeps the list full. Reading then goes on up to four times the limits;
// past that the connection is closed.
func (c *client) enqueue(p *codec.SocketPacket, size int) {
	var release func()
	c.qmu.Lock()
	for !c.qclosed && c.fullLocked(size, 1) {
		if c.awaitingAcks() {
			if !c.fullLocked(size, 4) {
				break
			}
			c.qmu.Unlock()
			c.uncharge(size)
			c.closeWith(ReasonTransportError, errInputLimit)
			if release != nil {
				release()
			}
			return
		}
		if release == nil {
			// HoldReading takes the session's lock: not under qmu.
			c.qmu.Unlock()
			release = c.conn.HoldReading()
			c.qmu.Lock()
			continue
		}
		// Created on first use: most connections never fill their list,
		// and an idle connection should not carry a Cond.
		if c.qcond == nil {
			c.qcond = sync.NewCond(&c.qmu)
		}
		c.qcond.Wait()
	}
	if c.qclosed {
		// The connection is gone: its sockets have been told to
		// disconnect, and this packet would arrive after that.
		c.qmu.Unlock()
		c.uncharge(size)
	} else {
		c.pending = append(c.pending, item{p: p, size: size})
		c.pendingBytes += size
		c.startLocked()
		c.qmu.Unlock()
	}
	if release != nil {
		release()
	}
}

// fullLocked reports whether a packet of size bytes does not fit in the
// pending list with its limits multiplied by factor. An empty list always
// has room. qmu must be held.
func (c *client) fullLocked(size, factor int) bool {
	if len(c.pending) == 0 {
		return false
	}
	o := &c.srv.opts
	return len(c.pending) >= o.MaxPendingPackets*factor || c.pendingBytes+size > o.MaxPendingBytes*factor
}

// awaitingAcks reports whether a socket of this client awaits an ack from
// it.
func (c *client) awaitingAcks() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.sockets {
		s.mu.Lock()
		n := len(s.acks)
		s.mu.Unlock()
		if n > 0 {
			return true
		}
	}
	return false
}

// ackAwaited wakes a reader waiting for room in the pending list: a socket
// now awaits an ack, so reading must go on (see enqueue).
func (c *client) ackAwaited() {
	c.qmu.Lock()
	if c.qcond != nil {
		c.qcond.Broadcast()
	}
	c.qmu.Unlock()
}
