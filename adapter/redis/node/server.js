// A socket.io 4.8 node on @socket.io/redis-adapter 8.3, for the mixed-cluster
// tests of adapter/redis (interop_test.go). It serves Socket.IO on an
// ephemeral port and a small JSON control API on the same server, prints
// {"port":N} once listening, and exits when stdin closes.
//
// Env: REDIS_URL (redis://127.0.0.1:6379), KEY (the adapter's key prefix),
// SHARDED (empty: the classic adapter; else the sharded adapter with that
// subscription mode: static, dynamic or dynamic-private), SPECIFIC (non-empty:
// the classic adapter's publishOnSpecificResponseChannel).
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");
const { createAdapter, createShardedAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");

// Arguments cross the control API as JSON; {"$bin":[…]} stands for a Buffer.
const fromJSON = (v) => {
  if (Array.isArray(v)) return v.map(fromJSON);
  if (v && typeof v === "object") {
    if (Array.isArray(v.$bin)) return Buffer.from(v.$bin);
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, fromJSON(e)]));
  }
  return v;
};
const toJSON = (v) => {
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return { $bin: [...v] };
  if (v instanceof ArrayBuffer) return { $bin: [...new Uint8Array(v)] };
  if (Array.isArray(v)) return v.map(toJSON);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, toJSON(e)]));
  }
  return v;
};

async function main() {
  const url = process.env.REDIS_URL || "redis://127.0.0.1:6379";
  const pub = createClient({ url });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);

  const httpServer = http.createServer();
  const key = process.env.KEY || "socket.io";
  const adapter = process.env.SHARDED
    ? createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode: process.env.SHARDED })
    : createAdapter(pub, sub, { key, publishOnSpecificResponseChannel: !!process.env.SPECIFIC });
  const io = new Server(httpServer, { adapter });
  const received = []; // server-side events from other nodes
  io.on("connection", (socket) => {
    socket.data = { node: "node" };
    socket.on("join", (room) => socket.join(room));
  });
  io.on("ping", (who, cb) => {
    received.push(who);
    if (typeof cb === "function") cb("pong-node");
  });

  const ops = {
    serverCount: async () => ({ count: await io.of("/").adapter.serverCount() }),
    broadcast: async (o) => {
      let op = io.to(o.rooms || []).except(o.except || []);
      if (o.local) op = op.local;
      op.emit(o.event, ...fromJSON(o.args || []));
      return {};
    },
    emitWithAck: async (o) => {
      try {
        const res = await io.to(o.rooms || []).timeout(o.timeout || 2000).emitWithAck(o.event, ...fromJSON(o.args || []));
        return { responses: toJSON(res) };
      } catch (err) {
        return { error: err.message, responses: toJSON(err.responses || []) };
      }
    },
    fetchSockets: async (o) => {
      const socks = await io.in(o.rooms || []).fetchSockets();
      return { sockets: socks.map((s) => ({ id: s.id, rooms: [...s.rooms], data: s.data, handshake: s.handshake })) };
    },
    remoteEmitWithAck: async (o) => {
      const [s] = await io.in(o.id).fetchSockets();
      if (!s) return { error: "not found" };
      try {
        return { response: toJSON(await s.timeout(o.timeout || 2000).emitWithAck(o.event, ...fromJSON(o.args || []))) };
      } catch (err) {
        return { error: err.message };
      }
    },
    socketsJoin: async (o) => (io.in(o.rooms || []).socketsJoin(o.join), {}),
    socketsLeave: async (o) => (io.in(o.rooms || []).socketsLeave(o.leave), {}),
    disconnectSockets: async (o) => (io.in(o.rooms || []).disconnectSockets(!!o.close), {}),
    allRooms: async () => ({ rooms: [...(await io.of("/").adapter.allRooms())] }),
    serverSideEmit: async (o) => (io.serverSideEmit(o.event, ...fromJSON(o.args || [])), {}),
    serverSideEmitWithAck: async (o) => {
      try {
        return { responses: toJSON(await io.serverSideEmitWithAck(o.event, ...fromJSON(o.args || []))) };
      } catch (err) {
        return { error: err.message };
      }
    },
    received: async () => ({ received }),
  };

  httpServer.prependListener("request", (req, res) => {
    if (!req.url.startsWith("/ctl/")) return;
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", async () => {
      const op = ops[req.url.slice(5)];
      let out;
      try {
        out = op ? await op(body ? JSON.parse(body) : {}) : { error: "unknown op" };
      } catch (err) {
        out = { error: String(err && err.message) };
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(out));
    });
  });

  httpServer.listen(0, "127.0.0.1", () => {
    process.stdout.write(JSON.stringify({ port: httpServer.address().port }) + "\n");
  });
  process.stdin.on("end", async () => {
    io.close();
    await Promise.allSettled([pub.quit(), sub.quit()]);
    process.exit(0);
  });
  process.stdin.resume();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
