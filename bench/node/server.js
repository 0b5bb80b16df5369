'use strict';
// The Node.js socket.io server of the benchmarks (docs/benchmarks.md):
// socket.io 4.8 with its defaults (polling and websocket, ping 25s/20s),
// doing exactly what bench/server (ours) does:
//
//   /socket.io/               Socket.IO; every socket joins room "all";
//                             "ping" with an ack acks back its argument;
//                             "bdone" (n) returns n broadcast credits
//   /engine.io/               Engine.IO echo (the polling scenario)
//   POST /control/broadcast   rate=N (per second; 0 = as fast as the credits
//                             allow), size=100, duration=10s, window=8;
//                             answers when the run ends
//   GET  /control/rss[?gc=1]  VmRSS, live heap and connected clients
//                             (gc=1 needs node --expose-gc)
//
//   node --expose-gc server.js --port 3001 [--host 127.0.0.1]
//        [--parser json|msgpack] [--deflate] [--http-compression on|off]
//        [--pad x|text] [--redis redis://127.0.0.1:6379 --key socket.io]
//
// Wire options (issue 13; bench/server takes the same flags):
//   --parser msgpack          socket.io-msgpack-parser 3.0.2 instead of the
//                             default JSON parser (socket.io-parser)
//   --deflate                 permessage-deflate on the WebSocket transport:
//                             perMessageDeflate {threshold: 1024}, which
//                             engine.io hands to ws as is (zlib defaults;
//                             ws accepts the client's no-context-takeover
//                             offer, which the load generator makes)
//   --http-compression off    no gzip/deflate of long-polling responses
//                             (on, the default: httpCompression
//                             {threshold: 1024}, as engine.io's default);
//                             also applies to the /engine.io/ echo
//   --pad text                broadcasts are padded with the JSON-like text
//                             of textpad.js (seeded by the sequence number)
//                             instead of 'x' bytes
//
// With --redis the server is a cluster node on @socket.io/redis-adapter
// (bench/cluster: cross-node fan-out); without, nothing else changes.
//
// Broadcast timestamps are process.hrtime.bigint(): CLOCK_MONOTONIC in ns,
// the clock the Go load generator reads.

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { Server } = require('socket.io');
const eio = require('engine.io');
const { textPad } = require('./textpad.js');

function arg(name, def) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
function has(name) {
  return process.argv.includes('--' + name);
}
function oneOf(name, def, values) {
  const v = arg(name, def);
  if (!values.includes(v)) {
    console.error(`--${name} must be one of ${values.join(', ')}, not ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return v;
}
const port = Number(arg('port', '3001'));
const host = arg('host', '127.0.0.1');
const parserName = oneOf('parser', 'json', ['json', 'msgpack']);
const deflate = has('deflate');
const httpCompression = oneOf('http-compression', 'on', ['on', 'off']);
const padKind = oneOf('pad', 'x', ['x', 'text']);

// The options both servers (Socket.IO and the Engine.IO echo) get.
const engineOptions = {};
if (deflate) engineOptions.perMessageDeflate = { threshold: 1024 };
if (httpCompression === 'off') engineOptions.httpCompression = false;
const sioOptions = { ...engineOptions };
if (parserName === 'msgpack') sioOptions.parser = require('socket.io-msgpack-parser');

// ---- broadcast driver -------------------------------------------------------

let seq = 0;
let running = false;
let credits = 0; // credits of the running max-rate run
let pump = null; // called when credits are returned

function parseDuration(s) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(s || '');
  if (!m) return 10000;
  const v = Number(m[1]);
  return m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60000;
}

function digits(v) {
  return String(v).length;
}

const SIO_FRAMING = '42["bcast",'.length + 1 + 2 + 2; // see bench/internal/proto

function broadcastOnce(size) {
  const ts = Number(process.hrtime.bigint());
  seq++;
  // The pad is sized for the JSON encoding; msgpack sends the same pad.
  const n = Math.max(1, size - SIO_FRAMING - digits(ts) - digits(seq));
  const pad = padKind === 'text' ? textPad(n, seq) : 'x'.repeat(n);
  io.to('all').emit('bcast', ts, seq, pad);
}

function runBroadcast(rate, size, durationMs, windowSize, done) {
  const start = process.hrtime.bigint();
  const endAt = Date.now() + durationMs;
  let sent = 0;
  const finish = () => {
    running = false;
    pump = null;
    credits = 0;
    done(sent, Number(process.hrtime.bigint() - start) / 1e9);
  };
  if (rate > 0) {
    const periodMs = 1000 / rate;
    const t0 = performance.now();
    let k = 0;
    const tick = () => {
      if (Date.now() >= endAt) return finish();
      broadcastOnce(size);
      sent++;
      k++;
      // A fixed schedule: a late tick is not made up with a burst.
      const next = t0 + k * periodMs;
      const now = performance.now();
      if (now > next) k = Math.ceil((now - t0) / periodMs);
      setTimeout(tick, Math.max(0, t0 + k * periodMs - performance.now()));
    };
    setTimeout(tick, periodMs);
    return;
  }
  credits = windowSize;
  let finished = false;
  pump = () => {
    while (credits > 0 && !finished) {
      if (Date.now() >= endAt) break;
      credits--;
      broadcastOnce(size);
      sent++;
    }
  };
  setTimeout(() => {
    finished = true;
    finish();
  }, durationMs);
  setImmediate(pump);
}

function release(n) {
  if (!running || pump === null) return;
  credits += Number(n) || 0;
  pump();
}

// ---- control endpoints ------------------------------------------------------

function vmRSS() {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function control(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const json = (code, body) => {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (url.pathname === '/control/rss') {
    if (url.searchParams.get('gc') === '1' && typeof global.gc === 'function') global.gc();
    return json(200, { rss: vmRSS(), heap: process.memoryUsage().heapUsed, conns: io.engine.clientsCount });
  }
  if (url.pathname === '/control/broadcast') {
    if (running) return json(409, { error: 'a broadcast run is in progress' });
    running = true;
    const q = url.searchParams;
    const rate = Number(q.get('rate')) || 0;
    const size = Number(q.get('size')) || 100;
    const windowSize = Number(q.get('window')) || 8;
    runBroadcast(rate, size, parseDuration(q.get('duration')), windowSize, (sent, seconds) =>
      json(200, { sent, seconds }),
    );
    req.resume();
    return;
  }
  json(404, { error: 'not found' });
}

// ---- servers ----------------------------------------------------------------

const httpServer = http.createServer(control);

// Defaults (path /socket.io/, polling + websocket), but for the wire options.
const io = new Server(httpServer, sioOptions);
const redisURL = arg('redis', '');
let ready = Promise.resolve();
if (redisURL) {
  const { createAdapter } = require('@socket.io/redis-adapter');
  const { createClient } = require('redis');
  const pub = createClient({ url: redisURL });
  const sub = pub.duplicate();
  ready = Promise.all([pub.connect(), sub.connect()]).then(() => {
    io.adapter(createAdapter(pub, sub, { key: arg('key', 'socket.io') }));
  });
}
io.on('connection', (socket) => {
  socket.join('all');
  socket.on('ping', (arg, ack) => {
    if (typeof ack === 'function') ack(arg);
  });
  socket.on('bdone', (n) => release(n));
});

// The Engine.IO echo of the polling scenario, beside Socket.IO.
const engine = eio.attach(httpServer, { ...engineOptions, path: '/engine.io/', destroyUpgrade: false });
engine.on('connection', (socket) => {
  socket.on('message', (data) => socket.send(data));
});

ready.then(() => httpServer.listen(port, host, () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules/socket.io/package.json'), 'utf8'));
  console.log(
    `bench server (node socket.io ${pkg.version}) on http://${host}:${port}: parser ${parserName}, ` +
      `deflate ${deflate ? 'on' : 'off'}, http compression ${httpCompression}, pad ${padKind}`,
  );
}));
