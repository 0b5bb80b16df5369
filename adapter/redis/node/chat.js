// The seed chat of chi_example on a Node.js node (socket.io 4.8 on
// @socket.io/redis-adapter), for the mixed chat test of adapter/redis: the
// same "message" events ({announcement}, {message:[id, text]}) and the same
// GET /api/stats ({"clients": n}, counted cluster-wide with fetchSockets).
// Prints {"port":N} once listening; exits when stdin closes.
// Env: REDIS_URL, KEY, SHARDED (as server.js).
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");
const { createAdapter, createShardedAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");

async function main() {
  const pub = createClient({ url: process.env.REDIS_URL || "redis://127.0.0.1:6379" });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  const key = process.env.KEY || "socket.io";
  const adapter = process.env.SHARDED
    ? createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode: process.env.SHARDED })
    : createAdapter(pub, sub, { key });
  const httpServer = http.createServer();
  const io = new Server(httpServer, { adapter });
  io.on("connection", (socket) => {
    io.emit("message", { announcement: "connected: " + socket.id });
    socket.on("message", (text) => io.emit("message", { message: [socket.id, String(text)] }));
    socket.on("disconnect", () => io.emit("message", { announcement: "disconnected: " + socket.id }));
  });
  httpServer.prependListener("request", async (req, res) => {
    if (req.url !== "/api/stats") return;
    const socks = await io.fetchSockets();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ clients: socks.length }));
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
