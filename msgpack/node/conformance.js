// socket.io-client with socket.io-msgpack-parser against cmd/conformance
// run with -parser msgpack (the Socket.IO server of the official
// socket.io-protocol suite, which speaks the default parser itself):
//
//   (cd cmd/conformance && go run . -addr 127.0.0.1:3000 -parser msgpack) &
//   node msgpack/node/conformance.js http://127.0.0.1:3000 --transport=websocket
//
// conformance_test.go runs it over every transport mode. Success: one JSON
// line on stdout, exit 0; failure: "FAIL [conformance]: ..." on stderr,
// exit 1.
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
const transports = {
  polling: { transports: ["polling"], upgrade: false },
  websocket: { transports: ["websocket"] },
  upgrade: { transports: ["polling", "websocket"], upgrade: true },
}[mode];
if (!url || !transports) {
  process.stderr.write("usage: node conformance.js <server-url> --transport=polling|websocket|upgrade\n");
  process.exit(2);
}
function fail(msg) {
  process.stderr.write(`FAIL [conformance ${mode}]: ${msg}\n`);
  process.exit(1);
}
setTimeout(() => fail(`timed out after ${timeout} ms`), timeout).unref();

const describe = (v) => {
  if (Buffer.isBuffer(v)) return { Buffer: [...v] };
  if (Array.isArray(v)) return v.map(describe);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, describe(e)]));
  return v;
};
const check = (what, got, want) => {
  const g = JSON.stringify(describe(got));
  const w = JSON.stringify(describe(want));
  if (g !== w) fail(`${what}: got ${g}, want ${w}`);
};
const once = (s, ev) => new Promise((r) => s.once(ev, (...a) => r(a)));

async function main() {
  // The server may still be starting: the client retries.
  const s = io(url, { parser, auth: { token: "abc" }, reconnectionDelay: 100, reconnectionDelayMax: 500, ...transports });
  const auth = once(s, "auth");
  check("auth", await auth, [{ token: "abc" }]);

  const sent = [1, "2", { 3: [Buffer.from([4]), null, true, 1.5] }];
  const back = once(s, "message-back");
  s.emit("message", ...sent);
  check("message-back", await back, sent);

  const acked = await new Promise((resolve, reject) =>
    s.timeout(5000).emit("message-with-ack", ...sent, (err, ...a) => (err ? reject(err) : resolve(a))),
  );
  check("message-with-ack", acked, sent);

  const custom = s.io.socket("/custom", { auth: { x: Buffer.from([9]) } });
  check("/custom auth", await once(custom, "auth"), [{ x: Buffer.from([9]) }]);

  if (mode === "upgrade" && s.io.engine.transport.name !== "websocket") {
    await new Promise((r) => s.io.engine.once("upgrade", r));
  }
  const transport = s.io.engine.transport.name;
  s.io.engine.close();
  console.log(JSON.stringify({ scenario: "conformance", mode, transport }));
  process.exit(0);
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
