// socket.io-client 4.8 with socket.io-msgpack-parser 3.0.2, against the Go
// server with msgpack.Parser (interop_test.go starts it).
//
//   node scenario.js <server-url> --transport=polling|websocket|upgrade [--timeout=MS]
//
// Success: one JSON line on stdout, exit 0. Failure: "FAIL [msgpack]: ..."
// on stderr with what was received, exit 1.
"use strict";

const { io } = require("socket.io-client");
const parser = require("socket.io-msgpack-parser");

const args = process.argv.slice(2);
const opt = (name, def) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : def;
};
const url = args.find((x) => !x.startsWith("--"));
const mode = opt("transport", "websocket");
const timeout = Number(opt("timeout", "30000"));
const log = [];
const sockets = [];

function fail(msg) {
  process.stderr.write(`FAIL [msgpack ${mode}]: ${msg}\nlog: ${JSON.stringify(log, null, 1)}\n`);
  process.exit(1);
}
setTimeout(() => fail(`timed out after ${timeout} ms`), timeout).unref();

const transports = {
  polling: { transports: ["polling"], upgrade: false },
  websocket: { transports: ["websocket"] },
  upgrade: { transports: ["polling", "websocket"], upgrade: true },
}[mode];
if (!url || !transports) {
  process.stderr.write("usage: node scenario.js <server-url> --transport=polling|websocket|upgrade\n");
  process.exit(2);
}

function connect(nsp, auth, extra = {}) {
  const s = io(url + nsp, { parser, auth, forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200, ...transports, ...extra });
  sockets.push(s);
  s.onAny((event, ...a) => log.push({ nsp, in: event, args: describe(a) }));
  return s;
}

// ack emits an event and resolves with every argument of its ack
// (emitWithAck resolves with the first only).
const ack = (s, event, ...a) =>
  new Promise((resolve, reject) => s.timeout(5000).emit(event, ...a, (err, ...res) => (err ? reject(err) : resolve(res))));

// once resolves with the arguments of the next event of that name.
const once = (s, event) => new Promise((resolve) => s.once(event, (...a) => resolve(a)));

function describe(v) {
  if (Buffer.isBuffer(v)) return { Buffer: [...v] };
  if (v instanceof ArrayBuffer) return { ArrayBuffer: [...new Uint8Array(v)] };
  if (v instanceof Date) return { Date: v.toISOString() };
  if (Array.isArray(v)) return v.map(describe);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, describe(e)]));
  return v === undefined ? "undefined" : v;
}

function check(what, got, want) {
  const g = JSON.stringify(describe(got));
  const w = JSON.stringify(describe(want));
  if (g !== w) fail(`${what}: got ${g}, want ${w}`);
}

// recorded returns the first n arguments of an event the server recorded
// for connection state recovery, checking that its offset (a string, the
// client's to remember) follows them, as the client gets it from a Node
// server.
function recorded(what, a, n) {
  if (a.length !== n + 1 || typeof a[n] !== "string") fail(`${what}: ${JSON.stringify(describe(a))} has no offset after ${n} arguments`);
  return a.slice(0, n);
}

async function connected(s) {
  if (s.connected) return;
  await new Promise((resolve, reject) => {
    s.once("connect", resolve);
    s.once("connect_error", (e) => reject(new Error(`connect_error: ${e.message} ${JSON.stringify(describe(e.data))}`)));
  });
}

async function upgraded(s) {
  if (mode !== "upgrade") return;
  const engine = s.io.engine;
  if (engine.transport.name !== "websocket") await new Promise((resolve) => engine.once("upgrade", resolve));
}

async function main() {
  const result = { scenario: "msgpack", mode };
  // Connect with auth; the server greets with the token and a struct.
  const s = connect("/", { token: "tok" });
  const welcome = once(s, "welcome");
  await connected(s);
  const [token, profile] = recorded("welcome", await welcome, 2);
  check("welcome", [token, profile], ["tok", { name: "srv", avatar: Buffer.from([1, 2, 3]), tags: ["a"] }]);
  if (!Buffer.isBuffer(profile.avatar)) fail("avatar is not a Buffer");
  await upgraded(s);

  // Client → server with ack: strings, floats, Buffers, nesting.
  const sent = ["x", 1.5, Buffer.from([0, 255]), { deep: [Buffer.from([7]), null, true] }];
  check("echo ack", await ack(s, "echo", ...sent), sent);

  // A typed handler and a typed ack.
  const back = await ack(s, "profile", { name: "cli", age: 41, avatar: Buffer.from([5]) });
  check("profile ack", back, [{ name: "cli", age: 42, avatar: Buffer.from([5]), tags: null }]);

  // notepack 2's extensions: a Uint8Array (ext 8, type 0), a Date
  // (fixext 8, type 0), undefined (fixext 1, type 0); and what the
  // server's any values were.
  const date = new Date(1700000000123);
  const types = await ack(s, "types", new Uint8Array([1, 2, 3]), date, 3, "s", { a: undefined, b: 1 }, undefined);
  check("types ack", types, [
    ["[]uint8", "time.Time", "float64", "string", "map[string]interface {}", "<nil>"],
    [Buffer.from([1, 2, 3]), date.toISOString(), 3, "s", { a: null, b: 1 }, null],
  ]);

  // Server → client ack: the server waits for the answer in its handler.
  s.once("question", (q, cb) => {
    log.push({ question: q });
    cb(Buffer.from("42"));
  });
  const answer = once(s, "answer");
  s.emit("ask", "q?");
  check("answer", recorded("answer", await answer, 1), [Buffer.from("42")]);

  // A namespace on the same connection, whose middleware refuses with
  // data, then lets in.
  const admin = s.io.socket("/admin", { auth: { token: "wrong" } });
  sockets.push(admin);
  admin.onAny((event, ...a) => log.push({ nsp: "/admin", in: event, args: describe(a) }));
  const err = await new Promise((resolve) => admin.once("connect_error", resolve));
  check("connect_error", { message: err.message, data: err.data }, { message: "not authorized", data: { code: 4001, hint: Buffer.from([9]) } });
  admin.auth = { token: "secret" };
  const hello = once(admin, "hello-admin");
  admin.connect();
  await connected(admin);
  check("hello-admin", recorded("hello-admin", await hello, 1), ["/admin"]);
  if (admin.io !== s.io) fail("/admin is not on the same connection");

  // A broadcast from one client reaches the other.
  const other = connect("/", { token: "other" });
  await connected(other);
  const shouted = once(other, "shouted");
  s.emit("shout", "hi all");
  check("broadcast", recorded("broadcast", await shouted, 1), ["hi all"]);
  other.close();

  // Connection state recovery: the transport drops; the server records
  // an event meanwhile; the client comes back recovered and gets it.
  const id = s.id;
  const missed = once(s, "missed");
  const reconnected = new Promise((resolve) => s.once("connect", resolve)); // the next CONNECT reply
  s.emit("drop-me");
  recorded("dropping", await once(s, "dropping"), 0);
  s.io.engine.close(); // "transport close" on both sides
  await reconnected;
  if (!s.recovered || s.id !== id) fail(`not recovered: recovered=${s.recovered} id ${s.id} (was ${id})`);
  check("missed", recorded("missed", await missed, 2), [Buffer.from([1]), "while away"]);
  result.recovered = true;

  await upgraded(s); // the new connection upgrades too
  result.transport = s.io.engine.transport.name;
  if (mode === "upgrade" && result.transport !== "websocket") fail(`ended on ${result.transport}, not websocket`);
  for (const x of sockets) x.close();
  console.log(JSON.stringify(result));
  process.exit(0);
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
