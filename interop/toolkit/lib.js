// Shared helpers of the HTTP toolkit scenarios (toolkit_test.go).
//
//   node toolkit/<scenario>.js <server-url> --path=/rt/socket.io/ [--transport=polling|websocket|upgrade] [--timeout=MS] [options]
//
// Contract (the same as eio/ and sio/): on success one JSON line on stdout
// and exit 0; on failure a "FAIL [...]" line with details on stderr and
// exit 1; a hard timeout turns a hang into a failure. The argument parsing
// and the transport modes are shared with eio/ and sio/ in ../common.js.

import { io } from "socket.io-client";
import { MODES, parseArgs, transportOptions } from "../common.js";

export { parseArgs } from "../common.js";

export function fail(scenario, msg, details) {
  process.stderr.write(`FAIL [${scenario}]: ${msg}\n`);
  if (details !== undefined) process.stderr.write(JSON.stringify(details, null, 2) + "\n");
  process.exit(1);
}

// setup parses the command line, arms the hard timeout and returns the
// options for io(): the mount path, the transports of the mode, no
// reconnection (a refusal is reported, not retried).
export function setup(scenario) {
  const args = parseArgs(process.argv.slice(2));
  const url = args._[0];
  if (!url || !args.path) {
    process.stderr.write(`usage: node ${process.argv[1]} <server-url> --path=/prefix/socket.io/ [--transport=polling|websocket|upgrade]\n`);
    process.exit(2);
  }
  const mode = args.transport || "polling";
  if (!MODES.includes(mode)) fail(scenario, `unknown transport mode ${mode}`);
  const { transports, upgrade } = transportOptions(mode);
  const timeout = Number(args.timeout || 20000);
  const events = [];
  const timer = setTimeout(() => fail(scenario, `timed out after ${timeout} ms`, { events }), timeout);
  timer.unref();
  const opts = {
    path: args.path,
    transports,
    upgrade,
    reconnection: false,
    forceNew: true,
    timeout,
  };
  return { args, url, mode, opts, events, connect: (extra) => io(url, { ...opts, ...extra }) };
}

// track records the client's lifecycle, for failure reports.
export function track(socket, events) {
  socket.on("connect", () => events.push({ connect: socket.id }));
  socket.on("connect_error", (err) => events.push({ connect_error: err.message, data: err.data }));
  socket.on("disconnect", (reason) => events.push({ disconnect: reason }));
  socket.io.on("open", () => {
    const engine = socket.io.engine;
    events.push({ open: engine.transport.name });
    engine.on("upgrade", (t) => events.push({ upgrade: t.name }));
  });
}

export function once(emitter, event) {
  return new Promise((resolve) => emitter.once(event, resolve));
}

// waitWebSocket resolves once the connection runs on websocket (after the
// upgrade in "upgrade" mode).
export function waitWebSocket(socket) {
  const engine = socket.io.engine;
  if (engine.transport.name === "websocket") return Promise.resolve();
  return new Promise((resolve) => engine.once("upgrade", () => resolve()));
}
