// Shared helpers for the socket.io-client interop scenarios.
//
// Every scenario script is run as
//
//   node sio/<scenario>.js <server-url> [--transport=polling|websocket|upgrade] [--key=value ...]
//
// and follows the same contract as the Engine.IO scenarios in eio/:
//   - success: one line of JSON on stdout (the last line), exit status 0;
//     a scenario may print progress lines before it (e.g. {"ready":true})
//     that the Go test reacts to;
//   - failure: a "FAIL [...]" line plus details (what was received so far) on
//     stderr, exit status 1;
//   - a hard timeout (--timeout=MS, default 20000) turns a hang into a failure.
//
// Transport modes (client side; the Go test configures the server to match):
//   polling   -> transports ["polling"], no upgrade
//   websocket -> transports ["websocket"]
//   upgrade   -> transports ["polling","websocket"], upgrade REQUIRED: a
//                scenario calls conn.waitUpgrade() / conn.assertTransport()
//                and fails unless the connection really moved to websocket.
//
// Every client is a Manager (one Engine.IO connection) with reconnection
// disabled, so a refused or dropped connection is reported, not retried.
//
// The argument parsing, the reporting and the hard timeout are shared with
// eio/ and toolkit/ in ../common.js.

import { Manager } from "socket.io-client";
import { BaseScenario, ScenarioError, delay, toBuffer, transportOptions, usageHelpers, withTimeout } from "../common.js";

export { MODES, parseArgs, ScenarioError, delay, toBuffer, withTimeout } from "../common.js";

// ---------------------------------------------------------------------------
// arguments

const { usage, intArg } = usageHelpers("[--timeout=MS] [scenario options]");
export { intArg };

// ---------------------------------------------------------------------------
// values

// summarize makes a value printable: binary as its length and first bytes.
export function summarize(v, depth = 0) {
  if (v === null || v === undefined) return v;
  if (typeof v === "string") return v.length > 200 ? `${JSON.stringify(v.slice(0, 100))}…(+${v.length - 100})` : v;
  if (typeof v !== "object") return v;
  const b = toBuffer(v);
  if (b) return `<binary len=${b.length} ${b.subarray(0, 16).toString("hex")}${b.length > 16 ? "…" : ""}>`;
  if (v instanceof Error) return { error: v.message, data: summarize(v.data, depth + 1) };
  if (typeof v.snapshot === "function") return depth > 1 ? `<${v.constructor?.name}>` : summarize(v.snapshot(), depth + 1);
  if (depth > 6) return "…";
  if (Array.isArray(v)) {
    if (v.length > 40) return [...v.slice(0, 20).map((x) => summarize(x, depth + 1)), `…(${v.length - 20} more)`];
    return v.map((x) => summarize(x, depth + 1));
  }
  const o = {};
  for (const [k, x] of Object.entries(v)) o[k] = summarize(x, depth + 1);
  return o;
}

// ---------------------------------------------------------------------------
// scenario

export class Scenario extends BaseScenario {
  constructor(name, { defaultTimeout = 20000 } = {}) {
    super(name, {
      defaultTimeout,
      usage,
      summarize,
      peerNoun: "conn",
      peerPlural: "connections",
      rejectionDetails: true,
    });
  }

  managerOptions(extra = {}) {
    const o = {
      reconnection: false,
      timeout: 15000, // connect timeout of the Manager
      rememberUpgrade: false,
      ...transportOptions(this.mode),
    };
    return Object.assign(o, extra);
  }

  // conn opens a Manager (one Engine.IO connection).
  conn(label = `c${this.peers.length}`, extra = {}) {
    const c = new Conn(this, label, this.managerOptions(extra));
    this.peers.push(c);
    return c;
  }

  // progress prints a line the Go test may react to (not the result).
  progress(obj) {
    process.stdout.write(JSON.stringify(obj) + "\n");
  }

  // check throws a ScenarioError (which fails the scenario through run()).
  check(cond, msg, details) {
    if (!cond) throw new ScenarioError(msg, details);
  }
}

// ---------------------------------------------------------------------------
// connection (Manager) and sockets

export class Conn {
  constructor(scn, label, opts) {
    this.scn = scn;
    this.label = label;
    this.events = [];
    this.sockets = [];
    this.upgraded = false;
    this.expectClose = false;
    const m = (this.manager = new Manager(scn.url, opts));
    // autoConnect: the Manager opened its Engine.IO socket synchronously
    const e = (this.engine = m.engine);
    if (!e) throw new ScenarioError(`${label}: Manager did not open an engine`);
    e.on("open", () => this.log("engine open", e.transport?.name));
    e.on("upgrading", (t) => this.log("upgrading", t?.name));
    this.upgradedPromise = new Promise((resolve) => {
      e.on("upgrade", (t) => {
        this.upgraded = true;
        this.log("upgrade", t?.name);
        resolve();
      });
    });
    e.on("upgradeError", (err) => {
      this.log("upgradeError", err?.message ?? String(err));
      if (scn.mode === "upgrade" && !this.expectClose) scn.fail(`${label}: upgrade to websocket failed: ${err?.message ?? err}`);
    });
    this.engineClosed = new Promise((resolve) => {
      e.on("close", (reason, desc) => {
        this.closeInfo = { reason, description: desc?.message ?? desc?.description?.message ?? (desc ? String(desc) : undefined) };
        this.log("engine close", this.closeInfo);
        resolve(this.closeInfo);
      });
    });
    m.on("error", (err) => this.log("manager error", err?.message ?? String(err)));
  }

  log(ev, detail) {
    if (this.events.length < 200) this.events.push([this.scn.elapsed(), ev, detail]);
  }

  // socket returns a Socket for nsp on this connection. It connects at
  // once (autoConnect). An unexpected "disconnect" fails the scenario unless
  // sock.expectDisconnect is set.
  socket(nsp = "/", opts = {}) {
    const s = this.manager.socket(nsp, opts);
    const label = `${this.label}${nsp}`;
    s.label = label;
    s.expectDisconnect = false;
    s.on("connect", () => this.log("connect", { nsp, id: s.id }));
    s.on("connect_error", (err) => this.log("connect_error", { nsp, message: err?.message, data: err?.data }));
    s.gone = new Promise((resolve) => {
      s.on("disconnect", (reason, desc) => {
        const info = { reason, description: desc?.description ?? desc?.message ?? (desc ? String(desc) : undefined) };
        s.disconnectInfo = info;
        this.log("disconnect", { nsp, ...info });
        if (!s.expectDisconnect && !this.expectClose && !this.scn.done) {
          this.scn.fail(`${label}: unexpected disconnect (${reason})`, info);
        }
        resolve(info);
      });
    });
    this.sockets.push(s);
    return s;
  }

  get transportName() {
    return this.engine.transport?.name;
  }

  get engineId() {
    return this.engine.id;
  }

  async waitUpgrade(ms = 10000) {
    if (this.scn.mode !== "upgrade" || this.upgraded) return;
    await withTimeout(this.upgradedPromise, ms, `${this.label}: no upgrade to websocket within ${ms} ms (on ${this.transportName})`);
  }

  assertTransport() {
    const t = this.transportName;
    const ok =
      (this.scn.mode === "polling" && t === "polling" && !this.upgraded) ||
      (this.scn.mode === "websocket" && t === "websocket" && !this.upgraded) ||
      (this.scn.mode === "upgrade" && t === "websocket" && this.upgraded);
    if (!ok) throw new ScenarioError(`${this.label}: in mode ${this.scn.mode} the connection is on ${t} (upgraded=${this.upgraded})`);
  }

  info() {
    return { engineId: this.engineId, transport: this.transportName, upgraded: this.upgraded };
  }

  // settle waits (bounded) until the engine has closed and its close reached
  // the wire, so exiting the process does not cut it short.
  async settle(graceMs = 5000) {
    this.expectClose = true;
    await withTimeout(this.engineClosed, graceMs, `${this.label}: the engine did not close within ${graceMs} ms`);
    const tr = this.engine.transport;
    if (tr?.name === "polling" && tr.writable === false) {
      await Promise.race([new Promise((r) => tr.once("drain", r)), new Promise((r) => tr.once("error", r)), delay(graceMs)]);
    } else if (tr?.name === "websocket" && tr.ws && tr.ws.readyState !== 3) {
      await Promise.race([new Promise((r) => tr.ws.once("close", r)), delay(graceMs)]);
    }
  }

  // close closes the whole connection (every socket on it) from the client.
  async close() {
    this.expectClose = true;
    for (const s of this.sockets) s.expectDisconnect = true;
    if (this.engine.readyState !== "closed") this.engine.close();
    await this.settle();
  }

  snapshot() {
    return {
      engineId: this.engineId,
      transport: this.transportName,
      upgraded: this.upgraded,
      close: this.closeInfo,
      sockets: this.sockets.map((s) => ({ nsp: s.nsp, id: s.id, connected: s.connected, disconnect: s.disconnectInfo })),
      events: this.events.slice(-40),
    };
  }
}

// ---------------------------------------------------------------------------
// socket helpers

// connected resolves when sock connects; a connect_error rejects.
export function connected(sock, ms = 10000) {
  if (sock.connected) return Promise.resolve();
  const p = new Promise((resolve, reject) => {
    const onOk = () => {
      sock.off("connect_error", onErr);
      resolve();
    };
    const onErr = (err) => {
      sock.off("connect", onOk);
      reject(new ScenarioError(`${sock.label}: connect_error: ${err?.message}`, { message: err?.message, data: err?.data }));
    };
    sock.once("connect", onOk);
    sock.once("connect_error", onErr);
  });
  return withTimeout(p, ms, `${sock.label}: not connected within ${ms} ms`);
}

// connectError resolves with the error of sock's next connect_error; a
// successful connect rejects.
export function connectError(sock, ms = 10000) {
  const p = new Promise((resolve, reject) => {
    const onOk = () => {
      sock.off("connect_error", onErr);
      reject(new ScenarioError(`${sock.label}: connected, but a connect_error was expected`));
    };
    const onErr = (err) => {
      sock.off("connect", onOk);
      resolve(err);
    };
    sock.once("connect", onOk);
    sock.once("connect_error", onErr);
  });
  return withTimeout(p, ms, `${sock.label}: no connect_error within ${ms} ms`);
}

// next resolves with the arguments of sock's next ev event.
export function next(sock, ev, ms = 10000) {
  return withTimeout(
    new Promise((resolve) => sock.once(ev, (...args) => resolve(args))),
    ms,
    `${sock.label}: no "${ev}" event within ${ms} ms`,
  );
}

// call emits ev with an ack and resolves with all the ack's arguments;
// no ack within ms rejects.
export function call(sock, ev, ...args) {
  return callTimeout(sock, 10000, ev, ...args);
}

export function callTimeout(sock, ms, ev, ...args) {
  return new Promise((resolve, reject) => {
    sock.timeout(ms).emit(ev, ...args, (err, ...res) => {
      if (err) reject(new ScenarioError(`${sock.label}: no ack for "${ev}" within ${ms} ms (${err.message})`, { args }));
      else resolve(res);
    });
  });
}

// eq throws unless a and b are deeply equal (binary compared by bytes;
// Buffer, Uint8Array and ArrayBuffer with the same bytes are equal).
export function eq(got, want, what) {
  const diff = firstDiff(got, want, "");
  if (diff) throw new ScenarioError(`${what}: ${diff}`, { got, want });
}

function firstDiff(a, b, path) {
  const ba = toBuffer(a);
  const bb = toBuffer(b);
  if (ba || bb) {
    if (!ba || !bb) return `at ${path || "."}: ${ba ? "binary" : typeof a} vs ${bb ? "binary" : typeof b}`;
    if (!ba.equals(bb)) {
      let k = 0;
      while (k < ba.length && k < bb.length && ba[k] === bb[k]) k++;
      return `at ${path || "."}: bytes differ (got ${ba.length} bytes, want ${bb.length}; first difference at byte ${k}: got ${ba.subarray(k, k + 8).toString("hex")} want ${bb.subarray(k, k + 8).toString("hex")})`;
    }
    return null;
  }
  if (typeof a !== typeof b || (a === null) !== (b === null) || Array.isArray(a) !== Array.isArray(b)) {
    return `at ${path || "."}: got ${JSON.stringify(summarize(a))}, want ${JSON.stringify(summarize(b))}`;
  }
  if (a === null || typeof a !== "object") {
    return a === b ? null : `at ${path || "."}: got ${JSON.stringify(a)}, want ${JSON.stringify(b)}`;
  }
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.join("\u0000") !== kb.join("\u0000")) return `at ${path || "."}: keys ${JSON.stringify(ka)}, want ${JSON.stringify(kb)}`;
  for (const k of ka) {
    const d = firstDiff(a[k], b[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

// bytes returns n deterministic bytes (all 256 values when n >= 256).
export function bytes(n, seed = 0) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}
