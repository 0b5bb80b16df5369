// Code shared by the scenario libraries eio/lib.js, sio/lib.js and
// toolkit/lib.js: command-line parsing, the transport modes, the
// FAIL/result reporting with its hard timeout, and small async helpers.
// Scenario scripts do not import this module: they import their own lib.js,
// which re-exports what they need from here.
//
// The contract every scenario script follows (see each lib.js for details):
//   - success: one line of JSON on stdout (the last one), exit status 0;
//   - failure: a "FAIL [...]" line plus details on stderr, exit status 1;
//   - usage errors: exit status 2;
//   - a hard timeout (--timeout=MS) turns a hang into a failure.

export const MODES = ["polling", "websocket", "upgrade"];

// ---------------------------------------------------------------------------
// arguments

// parseArgs splits argv into --key=value options (a bare --flag is true)
// and positional arguments (in out._).
export function parseArgs(argv) {
  const out = { _: [] };
  for (const a of argv) {
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq === -1) out[a.slice(2)] = true;
      else out[a.slice(2, eq)] = a.slice(eq + 1);
    } else {
      out._.push(a);
    }
  }
  return out;
}

// usageHelpers returns a library's usage(msg), which reports a usage error
// (with a usage line listing options after the server URL and --transport)
// and exits 2, and its intArg(args, name, def), which reports through it.
export function usageHelpers(options) {
  const usage = (msg) => {
    process.stderr.write(
      `FAIL [usage]: ${msg}\n` +
        `usage: node ${process.argv[1]} <server-url> [--transport=polling|websocket|upgrade] ${options}\n`,
    );
    process.exit(2);
  };
  return { usage, intArg: (args, name, def) => intArg(args, name, def, usage) };
}

// intArg returns the integer option --name, def when absent; a value that is
// not an integer is reported through usage.
function intArg(args, name, def, usage) {
  const v = args[name];
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n)) usage(`--${name} must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

// transportOptions returns the client's transports and upgrade flag of a
// mode (one of MODES):
//   polling   -> transports ["polling"], no upgrade
//   websocket -> transports ["websocket"]
//   upgrade   -> transports ["polling","websocket"], upgrade allowed
export function transportOptions(mode) {
  switch (mode) {
    case "polling":
      return { transports: ["polling"], upgrade: false };
    case "websocket":
      return { transports: ["websocket"], upgrade: false };
    case "upgrade":
      return { transports: ["polling", "websocket"], upgrade: true };
  }
  return {};
}

// ---------------------------------------------------------------------------
// values

export function toBuffer(v) {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return null;
}

// safeJSON is JSON.stringify(summarize(v)) that never throws.
export function safeJSON(v, summarize) {
  try {
    return JSON.stringify(summarize(v));
  } catch (e) {
    return `<unserialisable: ${e.message}>`;
  }
}

// ---------------------------------------------------------------------------
// scenario context

export class ScenarioError extends Error {
  constructor(msg, details) {
    super(msg);
    this.details = details;
  }
}

// BaseScenario parses the command line (<server-url>, --transport,
// --timeout), arms the hard timeout and the process-level failure hooks,
// and reports the result or the failure. eio/lib.js and sio/lib.js extend
// it with their clients; each client (a "peer") is kept in this.peers and
// its snapshot() is dumped on failure.
//
// options:
//   defaultTimeout    hard timeout in ms when --timeout is not given
//   usage             the library's usage from usageHelpers(...)
//   summarize         makes a value printable for the failure report
//   peerNoun, peerPlural  how the failure report names peers ("client")
//   rejectionDetails  whether an unhandled rejection's error.details are
//                     reported as the failure's details
export class BaseScenario {
  constructor(name, { defaultTimeout = 20000, usage, summarize, peerNoun, peerPlural, rejectionDetails = false }) {
    this.name = name;
    this.summarize = summarize;
    this.peerNoun = peerNoun;
    this.peerPlural = peerPlural;
    this.args = parseArgs(process.argv.slice(2));
    this.url = this.args._[0];
    if (!this.url) usage("missing server URL");
    this.mode = this.args.transport ?? "polling";
    if (!MODES.includes(this.mode)) usage(`unknown --transport=${this.mode} (want one of ${MODES.join(", ")})`);
    this.timeoutMs = intArg(this.args, "timeout", defaultTimeout, usage);
    this.started = Date.now();
    this.state = {}; // scenario-specific, dumped on failure
    this.peers = [];
    this.done = false;

    const timer = setTimeout(() => this.fail(`hard timeout after ${this.timeoutMs} ms`), this.timeoutMs);
    timer.unref?.call(timer); // the scenario keeps the loop alive with its sockets; a dead loop is caught below
    // If everything went idle (no sockets, no timers) without a result, say so
    // instead of exiting 0 silently.
    process.on("beforeExit", () => {
      if (!this.done) this.fail("event loop drained before the scenario finished (nothing left to wait for)");
    });
    process.on("uncaughtException", (e) => this.fail(`uncaught exception: ${e?.stack ?? e}`));
    process.on("unhandledRejection", (e) =>
      this.fail(`unhandled rejection: ${e?.stack ?? e}`, rejectionDetails ? e?.details : undefined),
    );
  }

  elapsed() {
    return Date.now() - this.started;
  }

  fail(msg, details) {
    if (this.done) return; // already succeeded or failed
    this.done = true;
    this.failed = true;
    const lines = [`FAIL [${this.name} transport=${this.mode} after ${this.elapsed()}ms]: ${msg}`];
    if (details !== undefined) lines.push(`details: ${safeJSON(details, this.summarize)}`);
    if (Object.keys(this.state).length) lines.push(`state: ${safeJSON(this.state, this.summarize)}`);
    for (const c of this.peers.slice(0, 5)) lines.push(`${this.peerNoun} ${c.label}: ${safeJSON(c.snapshot(), this.summarize)}`);
    if (this.peers.length > 5) lines.push(`(${this.peers.length - 5} more ${this.peerPlural} not shown)`);
    // stderr is synchronous for pipes and files on Linux, so exiting right away is safe.
    process.stderr.write(lines.join("\n") + "\n");
    process.exit(1);
  }

  succeed(result) {
    if (this.done) return;
    this.done = true;
    const out = JSON.stringify({ scenario: this.name, transport: this.mode, elapsedMs: this.elapsed(), ...result });
    process.stdout.write(out + "\n", () => process.exit(0));
  }

  // Runs the scenario body; a thrown error / rejected promise is a failure.
  run(body) {
    Promise.resolve()
      .then(() => body(this))
      .then((result) => this.succeed(result ?? {}))
      .catch((e) => this.fail(e?.message ?? String(e), e?.details));
  }
}

// ---------------------------------------------------------------------------
// small async helpers

export function delay(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// withTimeout rejects with a ScenarioError if p does not settle in ms.
// onTimeout may be a string or a function returning {msg, details}.
export function withTimeout(p, ms, onTimeout) {
  let t;
  const timeout = new Promise((_, reject) => {
    t = setTimeout(() => {
      const info = typeof onTimeout === "function" ? onTimeout() : { msg: onTimeout };
      reject(new ScenarioError(info.msg, info.details));
    }, ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}
