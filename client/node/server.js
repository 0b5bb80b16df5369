// A socket.io 4.8.4 server for the Go client's tests (client/node_test.go),
// with connection state recovery enabled. It listens on an ephemeral port of
// 127.0.0.1, prints {"port":N} once listening, and exits when stdin closes.
// PING_INTERVAL and PING_TIMEOUT (ms) override the heartbeat's defaults.
//
// Namespaces "/" and "/chat" share the handlers below; "/private" refuses
// connections without auth {token: "secret"}. A small JSON control API on
// the same port lets a test see the sockets and emit from the server:
//
//   GET  /ctl/sockets                -> [{id, nsp, connected, recovered, auth}]
//   POST /ctl/emit {nsp, event, args} -> io.of(nsp).emit(event, ...args)
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");

// Arguments cross the control API as JSON; {"$bin":[…]} stands for a Buffer.
const fromJSON = (v) => {
  if (Array.isArray(v)) return v.map(fromJSON);
  if (v && typeof v === "object") {
    if (Array.isArray(v.$bin)) return Buffer.from(v.$bin);
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, fromJSON(e)]));
  }
  return v;
};

const httpServer = http.createServer();
const io = new Server(httpServer, {
  connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: true },
  maxHttpBufferSize: 1e6,
  pingInterval: Number(process.env.PING_INTERVAL) || 25000,
  pingTimeout: Number(process.env.PING_TIMEOUT) || 20000,
});

// Every socket ever connected, by namespace and id (the tests are short).
const seen = new Map();

function setup(nsp) {
  nsp.on("connection", (socket) => {
    seen.set(nsp.name + "#" + socket.id, socket);
    socket.emit("welcome", socket.id, socket.recovered);
    // echo: answers on the ack when there is one, else with an "echo" event.
    socket.on("echo", (...args) => {
      const cb = typeof args[args.length - 1] === "function" ? args.pop() : null;
      if (cb) cb(...args);
      else socket.emit("echo", ...args);
    });
    // ask: the server asks the client a question and reports the answer.
    socket.on("ask", (question) => {
      socket.timeout(5000).emit("question", question, (err, answer) => {
        socket.emit("answer", err ? "error: " + err.message : answer);
      });
    });
    // bytes: a Buffer of n bytes 0..n-1 in an object, on the ack.
    socket.on("bytes", (n, cb) => cb({ data: Buffer.from([...Array(n).keys()]), n }));
    socket.on("disconnect-me", () => socket.disconnect());
  });
}
setup(io.of("/"));
setup(io.of("/chat"));
const priv = io.of("/private");
priv.use((socket, next) => {
  if (socket.handshake.auth.token === "secret") return next();
  const err = new Error("not authorized");
  err.data = { code: 42 };
  next(err);
});
setup(priv);

httpServer.on("request", (req, res) => {
  if (!req.url.startsWith("/ctl/")) return; // socket.io answers its own path
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const reply = (v) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(v));
    };
    try {
      if (req.url === "/ctl/sockets") {
        return reply(
          [...seen.values()].map((s) => ({
            id: s.id,
            nsp: s.nsp.name,
            connected: s.connected,
            recovered: s.recovered,
            auth: s.handshake.auth,
          })),
        );
      }
      if (req.url === "/ctl/emit") {
        const o = JSON.parse(body);
        io.of(o.nsp || "/").emit(o.event, ...fromJSON(o.args || []));
        return reply({ ok: true });
      }
      res.writeHead(404);
      res.end();
    } catch (e) {
      reply({ error: String(e) });
    }
  });
});

httpServer.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: httpServer.address().port }) + "\n");
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
