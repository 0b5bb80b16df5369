// Runs one @socket.io/redis-emitter 5.1 operation, for adapter/redis's
// tests, then exits. argv[2] is JSON: {op, nsp, rooms, except, event, args,
// join, close}; {"$bin":[…]} in args stands for a Buffer.
// Env: REDIS_URL, KEY.
"use strict";
const { Emitter } = require("@socket.io/redis-emitter");
const { createClient } = require("redis");

const fromJSON = (v) => {
  if (Array.isArray(v)) return v.map(fromJSON);
  if (v && typeof v === "object") {
    if (Array.isArray(v.$bin)) return Buffer.from(v.$bin);
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, fromJSON(e)]));
  }
  return v;
};

async function main() {
  const o = JSON.parse(process.argv[2]);
  const client = createClient({ url: process.env.REDIS_URL || "redis://127.0.0.1:6379" });
  await client.connect();
  let e = new Emitter(client, { key: process.env.KEY || "socket.io" }).of(o.nsp || "/");
  let op = e;
  if (o.rooms) op = op.to(o.rooms);
  if (o.except) op = op.except(o.except);
  switch (o.op) {
    case "emit":
      op.emit(o.event, ...fromJSON(o.args || []));
      break;
    case "socketsJoin":
      op.socketsJoin(o.join);
      break;
    case "disconnectSockets":
      op.disconnectSockets(!!o.close);
      break;
    case "serverSideEmit":
      e.serverSideEmit(o.event, ...fromJSON(o.args || []));
      break;
    default:
      throw new Error("unknown op " + o.op);
  }
  // The emitter publishes without waiting; a round trip after it on the
  // same connection means Redis has taken the publish.
  await client.ping();
  await client.quit();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
