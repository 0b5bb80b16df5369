// Package socketioprom exports a Socket.IO server's statistics
// (socketio.Server.Stats) as Prometheus metrics, through a
// prometheus.Collector the application registers:
//
//	reg := prometheus.NewRegistry() // or prometheus.DefaultRegisterer
//	reg.MustRegister(socketioprom.NewCollector(io, socketioprom.Options{}))
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// The collector keeps no state of its own: each scrape takes one
// snapshot with Server.Stats and reports it as constant metrics, so the
// server's hot paths pay only for its own atomic counters, whether or not
// anything scrapes them. It is a module of its own, so that the server's
// module does not depend on the Prometheus client.
//
// # Metrics
//
// With the default prefix "socketio" (see Options.Prefix):
//
//	socketio_connections_total                     counter   Engine.IO sessions opened
//	socketio_connections_open{transport}           gauge     sessions open, by transport ("polling", "websocket")
//	socketio_connections_parked                    gauge     WebSocket sessions whose reader is parked
//	socketio_upgrades_total                        counter   polling sessions upgraded to WebSocket
//	socketio_disconnections_total{reason}          counter   sessions closed, by close reason
//	socketio_queue_overflows_total                 counter   sessions closed for a full outgoing queue
//	socketio_read_handoffs_total                   counter   handlers that had their connection's reading moved to a new goroutine
//	socketio_handshake_refusals_total{cause}       counter   handshakes refused, by cause
//	socketio_packets_total{direction}              counter   Engine.IO messages, "in" and "out"
//	socketio_bytes_total{direction}                counter   their data bytes
//	socketio_sockets_connected{namespace}          gauge     sockets connected, by namespace
//	socketio_socket_connections_total              counter   sockets connected to a namespace
//	socketio_socket_disconnections_total{reason}   counter   sockets disconnected, by reason
//	socketio_connect_refusals_total{cause}         counter   namespace CONNECTs refused, by cause
//	socketio_broadcasts_total                      counter   broadcasts started
//	socketio_broadcast_recipients_total            counter   sockets broadcast packets were handed to
//	socketio_acks_total                            counter   acks requested by the server
//	socketio_ack_timeouts_total                    counter   acks that timed out
//	socketio_ack_duration_seconds                  histogram time from an ack request to its answer
//
// Every label value of a counter is reported from the first scrape on,
// zero included, so rates need no absent-series handling. The fields of
// socketio.Stats and session.Stats say exactly what each counts.
//
// # Concurrency
//
// The collector is safe for concurrent use, as Prometheus registries
// require: Collect may run while the server serves and while other
// scrapes run.
package socketioprom

import (
	"github.com/prometheus/client_golang/prometheus"

	socketio "github.com/gosio/socketio"
)

// Options configures NewCollector. The zero value is valid; NewCollector
// reads the options once (ConstLabels is not kept).
type Options struct {
	// Prefix is the first part of every metric name (what Prometheus
	// calls the namespace), joined with "_". Empty means "socketio".
	Prefix string
	// ConstLabels are added to every metric, to tell servers apart (say
	// {"server": "chat"}) when one process runs several.
	ConstLabels prometheus.Labels
}

// collector is the prometheus.Collector of one server.
type collector struct {
	io *socketio.Server

	connections, open, parked, upgrades, closed, overflows, handOffs, refusedHandshakes *prometheus.Desc
	packets, bytes                                                                      *prometheus.Desc
	sockets, socketConnects, socketDisconnects, refusedConnects                         *prometheus.Desc
	broadcasts, recipients, acks, ackTimeouts, ackDuration                              *prometheus.Desc
}

var _ prometheus.Collector = (*collector)(nil)

// NewCollector returns a collector of io's statistics, to be registered
// with a prometheus.Registerer. Register one collector per server: two
// for the same server (or two servers with the same Prefix and
// ConstLabels) make the registration fail on duplicate metrics.
func NewCollector(io *socketio.Server, opts Options) prometheus.Collector {
	prefix := opts.Prefix
	if prefix == "" {
		prefix = "socketio"
	}
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prefix+"_"+name, help, labels, opts.ConstLabels)
	}
	return &collector{
		io:                io,
		connections:       desc("connections_total", "Engine.IO sessions opened."),
		open:              desc("connections_open", "Engine.IO sessions open now, by transport.", "transport"),
		parked:            desc("connections_parked", "WebSocket sessions whose reading goroutine is parked (idle)."),
		upgrades:          desc("upgrades_total", "Engine.IO sessions upgraded from polling to WebSocket."),
		closed:            desc("disconnections_total", "Engine.IO sessions closed, by close reason.", "reason"),
		overflows:         desc("queue_overflows_total", "Engine.IO sessions closed because their outgoing queue was full."),
		handOffs:          desc("read_handoffs_total", "Handlers running on a WebSocket's reading goroutine that had the reading moved to a new goroutine (they ran long or awaited an ack)."),
		refusedHandshakes: desc("handshake_refusals_total", "Engine.IO handshakes refused, by cause.", "cause"),
		packets:           desc("packets_total", "Engine.IO message packets received (in) and sent (out).", "direction"),
		bytes:             desc("bytes_total", "Data bytes of the Engine.IO message packets received (in) and sent (out).", "direction"),
		sockets:           desc("sockets_connected", "Sockets connected now, by namespace.", "namespace"),
		socketConnects:    desc("socket_connections_total", "Sockets connected to a namespace."),
		socketDisconnects: desc("socket_disconnections_total", "Sockets disconnected, by reason.", "reason"),
		refusedConnects:   desc("connect_refusals_total", "Namespace CONNECTs refused, by cause.", "cause"),
		broadcasts:        desc("broadcasts_total", "Broadcasts started on this server."),
		recipients:        desc("broadcast_recipients_total", "Sockets of this server a broadcast packet was handed to."),
		acks:              desc("acks_total", "Acks requested by the server."),
		ackTimeouts:       desc("ack_timeouts_total", "Acks requested by the server that timed out."),
		ackDuration:       desc("ack_duration_seconds", "Time from an ack request to its answer, for the acks answered."),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.connections, c.open, c.parked, c.upgrades, c.closed, c.overflows, c.handOffs, c.refusedHandshakes,
		c.packets, c.bytes, c.sockets, c.socketConnects, c.socketDisconnects, c.refusedConnects,
		c.broadcasts, c.recipients, c.acks, c.ackTimeouts, c.ackDuration,
	} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: one socketio.Server.Stats
// snapshot per call.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	st := c.io.Stats()
	e := &st.Engine
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}

	counter(c.connections, e.Opened)
	gauge(c.open, float64(e.OpenPolling), "polling")
	gauge(c.open, float64(e.OpenWebSocket), "websocket")
	gauge(c.parked, float64(e.Parked))
	counter(c.upgrades, e.Upgrades)
	for reason, n := range e.Closed {
		counter(c.closed, n, reason)
	}
	counter(c.overflows, e.QueueOverflows)
	counter(c.handOffs, e.ReadHandOffs)
	for cause, n := range e.HandshakesRefused {
		counter(c.refusedHandshakes, n, cause)
	}
	counter(c.packets, e.PacketsIn, "in")
	counter(c.packets, e.PacketsOut, "out")
	counter(c.bytes, e.BytesIn, "in")
	counter(c.bytes, e.BytesOut, "out")

	for nsp, n := range st.Sockets {
		gauge(c.sockets, float64(n), nsp)
	}
	counter(c.socketConnects, st.Connects)
	for reason, n := range st.Disconnects {
		counter(c.socketDisconnects, n, reason)
	}
	for cause, n := range st.ConnectRefusals {
		counter(c.refusedConnects, n, cause)
	}
	counter(c.broadcasts, st.Broadcasts)
	counter(c.recipients, st.BroadcastRecipients)
	counter(c.acks, st.AcksRequested)
	counter(c.ackTimeouts, st.AckTimeouts)

	h := st.AckLatency
	buckets := make(map[float64]uint64, len(h.Buckets))
	for _, b := range h.Buckets {
		buckets[b.UpperBound.Seconds()] = b.Count
	}
	ch <- prometheus.MustNewConstHistogram(c.ackDuration, h.Count, h.Sum.Seconds(), buckets)
}
