// Official socket.io-client 4.8 clients for adapter/redis's tests: one per
// URL in argv[2] (JSON: [{url, transports}]). Prints {"ready":true} once all
// are connected, then one JSON line per "news" event received
// ({client, args}, Buffers as {"$bin":[…]}); exits when stdin closes.
"use strict";
const { io } = require("socket.io-client");

const toJSON = (v) => {
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return { $bin: [...v] };
  if (v instanceof ArrayBuffer) return { $bin: [...new Uint8Array(v)] };
  if (Array.isArray(v)) return v.map(toJSON);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, toJSON(e)]));
  return v;
};

const specs = JSON.parse(process.argv[2]);
let connected = 0;
const sockets = specs.map((s, i) => {
  const socket = io(s.url, { transports: s.transports, reconnection: false });
  socket.on("connect", () => {
    socket.emit("join", "room");
    if (++connected === specs.length) process.stdout.write(JSON.stringify({ ready: true }) + "\n");
  });
  socket.on("connect_error", (err) => {
    process.stderr.write(`client ${i}: ${err.message}\n`);
    process.exit(1);
  });
  socket.on("news", (...args) => process.stdout.write(JSON.stringify({ client: i, args: toJSON(args) }) + "\n"));
  return socket;
});
process.stdin.on("end", () => {
  sockets.forEach((s) => s.close());
  process.exit(0);
});
process.stdin.resume();
