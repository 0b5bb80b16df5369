//go:build linux

package main

import (
	"net"
	"sync/atomic"
)

// wireCount counts the bytes a client reads from and writes to the
// server's sockets: TCP payload, so HTTP headers, WebSocket frame headers
// and compressed bodies count as sent, TCP/IP headers do not.
type wireCount struct {
	rx, tx atomic.Int64
}

// wireConn is a net.Conn that adds what it reads and writes to w.
type wireConn struct {
	net.Conn
	w *wireCount
}

func (c *wireConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.w.rx.Add(int64(n))
	return n, err
}

func (c *wireConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.w.tx.Add(int64(n))
	return n, err
}

// wireTotals sums counters: call it at both ends of the measurement
// window and subtract.
func wireTotals(ws []*wireCount) (rx, tx int64) {
	for _, w := range ws {
		if w != nil {
			rx += w.rx.Load()
			tx += w.tx.Load()
		}
	}
	return rx, tx
}

func connWires(conns []*conn) []*wireCount {
	ws := make([]*wireCount, len(conns))
	for i, c := range conns {
		ws[i] = c.wire
	}
	return ws
}

// wireExtra adds bytes per op, server to client (rx) and client to server
// (tx), over the window, to a result's extras.
func wireExtra(extra map[string]float64, rx, tx, ops int64) map[string]float64 {
	if extra == nil {
		extra = map[string]float64{}
	}
	extra["rx_bytes"] = float64(rx)
	extra["tx_bytes"] = float64(tx)
	if ops > 0 {
		extra["rx_bytes_per_op"] = float64(rx) / float64(ops)
		extra["tx_bytes_per_op"] = float64(tx) / float64(ops)
	}
	return extra
}
