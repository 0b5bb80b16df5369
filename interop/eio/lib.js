// Shared helpers for the engine.io-client interop scenarios.
//
// Every scenario script is run as
//
//   node eio/<scenario>.js <server-url> [--transport=polling|websocket|upgrade] [--key=value ...]
//
// and follows the same contract:
//   - success: exactly one line of JSON on stdout, exit status 0;
//   - failure: a "FAIL [...]" line plus details (what was received so far) on
//     stderr, exit status 1;
//   - a hard timeout (--timeout=MS, default 20000) turns a hang into a failure.
//
// Common options:
//   --transport=MODE   polling   -> transports ["polling"], no upgrade
//                      websocket -> transports ["websocket"]
//                      upgrade   -> transports ["polling","websocket"], upgrade
//                                   allowed and REQUIRED (the scenario fails
//                                   unless the client ends on websocket)
//   --path=/engine.io  engine.io path on the server
//   --insecure         do not verify the server's TLS certificate
//   --ca=FILE          PEM file with the CA that signed the server certificate
//   --timeout=MS       hard timeout for the whole script
//
// The argument parsing, the reporting and the hard timeout are shared with
// sio/ and toolkit/ in ../common.js.

import { readFileSync } from "node:fs";
import { Socket } from "engine.io-client";
import { BaseScenario, ScenarioError, delay, safeJSON as safeJSONWith, toBuffer, transportOptions, usageHelpers, withTimeout } from "../common.js";

export { MODES, parseArgs, ScenarioError, delay, toBuffer, withTimeout } from "../common.js";

// ---------------------------------------------------------------------------
// argument parsing

const { usage, intArg } = usageHelpers("[--insecure] [--ca=FILE] [--timeout=MS] [scenario options]");
export { intArg };

// ---------------------------------------------------------------------------
// summaries (so failure output stays readable even with 1 MB messages)

export function describe(v) {
  if (typeof v === "string") {
    const n = v.length;
    const shown = n > 80 ? JSON.stringify(v.slice(0, 60)) + `…(+${n - 60} chars)` : JSON.stringify(v);
    return `text(len=${n}, bytes=${Buffer.byteLength(v)}) ${shown}`;
  }
  const b = toBuffer(v);
  if (b) {
    const head = b.subarray(0, 16).toString("hex");
    return `binary(len=${b.length}) ${head}${b.length > 16 ? "…" : ""}`;
  }
  return `${typeof v}(${Object.prototype.toString.call(v)})`;
}

export function summarize(v, depth = 0) {
  if (v === null || v === undefined) return v;
  if (typeof v === "string") return v.length > 200 ? describe(v) : v;
  if (typeof v !== "object") return v;
  if (toBuffer(v)) return describe(v);
  if (typeof v.snapshot === "function") return depth > 1 ? `<${v.constructor?.name}>` : summarize(v.snapshot(), depth + 1);
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (depth > 5) return "…";
  if (Array.isArray(v)) {
    if (v.length > 40) {
      return [
        ...v.slice(0, 15).map((x) => summarize(x, depth + 1)),
        `…(${v.length - 30} more)…`,
        ...v.slice(-15).map((x) => summarize(x, depth + 1)),
      ];
    }
    return v.map((x) => summarize(x, depth + 1));
  }
  const o = {};
  for (const [k, x] of Object.entries(v)) o[k] = summarize(x, depth + 1);
  return o;
}

function safeJSON(v) {
  return safeJSONWith(v, summarize);
}

// ---------------------------------------------------------------------------
// scenario context

export class Scenario extends BaseScenario {
  constructor(name, { defaultTimeout = 20000 } = {}) {
    super(name, { defaultTimeout, usage, summarize, peerNoun: "client", peerPlural: "clients" });
  }

  clientOptions(extra = {}) {
    const o = {
      path: this.args.path ?? "/engine.io",
      rejectUnauthorized: !this.args.insecure,
      ...transportOptions(this.mode),
    };
    if (this.args.ca) o.ca = readFileSync(this.args.ca);
    return Object.assign(o, extra);
  }

  // Opens a client and resolves once it is open.
  async connect(label = `c${this.peers.length}`, extraOpts = {}) {
    const c = new Client(this, label, this.clientOptions(extraOpts));
    this.peers.push(c);
    await c.opened;
    return c;
  }

  // check fails the scenario at once (also from an event handler).
  check(cond, msg, details) {
    if (!cond) this.fail(msg, details);
  }
}

// ---------------------------------------------------------------------------
// client wrapper

export class Client {
  constructor(scn, label, opts) {
    this.scn = scn;
    this.label = label;
    this.events = []; // lifecycle log: [ms, event, detail]
    this.handshake = null;
    this.upgraded = false;
    this.pings = 0;
    this.pingTimes = [];
    this.closeInfo = null;
    this.expectClose = false;
    this.received = []; // {kind, data, transport}
    this.messageListeners = [];
    const s = (this.socket = new Socket(scn.url, opts));

    this.opened = new Promise((resolve, reject) => {
      s.once("open", () => {
        this.log("open", s.transport?.name);
        if (s.transport?.name === "websocket") this.rawWs = s.transport.ws;
        resolve();
      });
      s.once("close", (reason, desc) =>
        reject(new ScenarioError(`client ${label}: closed before open: ${reason} ${describeCloseDesc(desc)}`)),
      );
    });
    // A rejected-but-unobserved promise must not be reported twice.
    this.opened.catch(() => {});

    this.upgradedPromise = new Promise((resolve, reject) => {
      s.on("upgrade", (t) => {
        this.upgraded = true;
        this.rawWs = t?.ws;
        this.log("upgrade", t?.name);
        resolve();
      });
      s.on("upgradeError", (e) => {
        this.log("upgradeError", e?.message ?? String(e));
        if (scn.mode === "upgrade" && !this.expectClose) {
          reject(new ScenarioError(`client ${label}: upgrade failed: ${e?.message ?? e}`));
          scn.fail(`client ${label}: upgrade to websocket failed: ${e?.message ?? e}`);
        }
      });
    });
    this.upgradedPromise.catch(() => {});

    s.on("handshake", (h) => {
      this.handshake = h;
      this.log("handshake", h);
    });
    s.on("upgrading", (t) => this.log("upgrading", t?.name));
    s.on("ping", () => {
      this.pings++;
      this.pingTimes.push(Date.now());
    });
    s.on("error", (e) => this.log("error", e?.message ?? String(e)));
    s.on("close", (reason, desc) => {
      this.closeInfo = { reason, description: describeCloseDesc(desc), atMs: scn.elapsed() };
      this.log("close", this.closeInfo);
      if (!this.expectClose && !scn.done) {
        scn.fail(`client ${label}: unexpected close (${reason}: ${this.closeInfo.description})`);
      }
      for (const l of this.closeListeners ?? []) l(this.closeInfo);
    });
    s.on("message", (data) => {
      const m = classify(data);
      m.transport = s.transport?.name;
      this.received.push(m);
      for (const l of this.messageListeners) l(m);
    });
  }

  log(ev, detail) {
    this.events.push([this.scn.elapsed(), ev, detail]);
  }

  get transportName() {
    return this.socket.transport?.name;
  }

  get sid() {
    return this.socket.id ?? this.handshake?.sid;
  }

  onMessage(fn) {
    this.messageListeners.push(fn);
  }

  onClose(fn) {
    (this.closeListeners ??= []).push(fn);
  }

  send(data) {
    this.socket.send(data);
  }

  // Resolves when the client has upgraded (mode "upgrade") or right away.
  async waitUpgrade() {
    if (this.scn.mode !== "upgrade" || this.upgraded) return;
    await this.upgradedPromise;
  }

  // Checks the transport the client is using matches the mode.
  assertTransport() {
    const t = this.transportName;
    switch (this.scn.mode) {
      case "polling":
        if (t !== "polling" || this.upgraded) {
          throw new ScenarioError(`client ${this.label}: expected to stay on polling, on ${t} (upgraded=${this.upgraded})`);
        }
        break;
      case "websocket":
        if (t !== "websocket") throw new ScenarioError(`client ${this.label}: expected websocket, on ${t}`);
        break;
      case "upgrade":
        if (t !== "websocket" || !this.upgraded) {
          throw new ScenarioError(`client ${this.label}: expected to end on websocket after an upgrade, on ${t} (upgraded=${this.upgraded})`);
        }
        break;
    }
  }

  // Closes the client and waits (bounded) until the close has reached the
  // wire: for polling the close packet's POST has completed, for websocket
  // the closing handshake has finished. Without this, exiting the process
  // right after close() could drop the close packet and the server would
  // only notice through a ping timeout.
  async closeAndSettle(graceMs = 3000) {
    this.expectClose = true;
    const s = this.socket;
    if (s.readyState === "closed") return;
    let wasDrained;
    // If the client is mid-upgrade, close() defers until the upgrade finishes.
    const closed = new Promise((r) => this.onClose(r));
    s.close();
    await withTimeout(closed, graceMs, `client ${this.label}: close() did not emit "close"`);
    const cur = s.transport; // may differ from tr if close() waited for an upgrade
    if (cur?.name === "polling") {
      // the close packet is written by cur.doClose(); its POST completion emits "drain"
      wasDrained = await Promise.race([
        new Promise((r) => cur.once("drain", () => r(true))),
        new Promise((r) => cur.once("error", () => r(false))),
        delay(graceMs).then(() => false),
      ]);
      this.log("close-settled", { transport: "polling", postCompleted: wasDrained });
    } else if (cur?.name === "websocket") {
      const ws = this.rawWs;
      if (ws && ws.readyState !== 3 /* CLOSED */) {
        const ok = await Promise.race([
          new Promise((r) => ws.once("close", () => r(true))),
          delay(graceMs).then(() => false),
        ]);
        this.log("close-settled", { transport: "websocket", closingHandshakeDone: ok });
      }
    }
  }

  snapshot() {
    return {
      sid: this.sid,
      transport: this.transportName,
      upgraded: this.upgraded,
      pings: this.pings,
      close: this.closeInfo,
      events: this.events.slice(-30),
      receivedCount: this.received.length,
      lastReceived: this.received.slice(-10).map((m) => `${m.kind}@${m.transport}: ${describe(m.data)}`),
    };
  }

  summary() {
    return {
      sid: this.sid,
      finalTransport: this.transportName,
      upgraded: this.upgraded,
      pings: this.pings,
      handshake: this.handshake && {
        sid: this.handshake.sid,
        upgrades: this.handshake.upgrades,
        pingInterval: this.handshake.pingInterval,
        pingTimeout: this.handshake.pingTimeout,
        maxPayload: this.handshake.maxPayload,
      },
    };
  }
}

function describeCloseDesc(desc) {
  if (desc === undefined || desc === null) return "";
  if (desc instanceof Error) return desc.message;
  if (typeof desc === "object") {
    const parts = [];
    if (desc.description !== undefined) parts.push(String(desc.description?.message ?? desc.description));
    if (desc.context?.code !== undefined) parts.push(`code=${desc.context.code}`);
    if (desc.context?.status !== undefined) parts.push(`status=${desc.context.status}`);
    return parts.join(" ") || safeJSON(desc);
  }
  return String(desc);
}

export function classify(data) {
  if (typeof data === "string") return { kind: "text", data };
  // engine.io-parser decodes the message packet "4" (empty text) to a packet
  // without data, so an empty text message is delivered as undefined.
  if (data === undefined) return { kind: "text", data: "" };
  const b = toBuffer(data);
  if (b) return { kind: "binary", data: b };
  return { kind: "unknown", data };
}

export function sameMessage(expected, got) {
  if (expected.kind !== got.kind) return false;
  if (expected.kind === "text") return expected.data === got.data;
  return toBuffer(expected.data).equals(got.data);
}

// ---------------------------------------------------------------------------
// echo bookkeeping

// EchoTracker checks that every message sent through track() comes back
// exactly once, in order, with the same kind and bytes. It fails the scenario
// at the first deviation and reports whether the offending message was a
// duplicate, an out-of-order one, or something never sent.
export class EchoTracker {
  constructor(client, { name = "echo" } = {}) {
    this.client = client;
    this.name = name;
    this.expected = []; // {kind, data}
    this.next = 0; // index of next expected echo
    this.waiters = [];
    this.arrivals = {}; // transport name -> number of echoes that arrived on it
    client.onMessage((m) => this.onMessage(m));
  }

  // Send a message and register it as expected back.
  send(data, meta) {
    const m = classify(data);
    m.meta = meta;
    this.expected.push(m);
    this.client.send(data);
    return this.expected.length - 1;
  }

  onMessage(m) {
    const scn = this.client.scn;
    const i = this.next;
    if (m.kind === "unknown") {
      scn.fail(`${this.client.label}: received message of unexpected type`, { index: i, got: describe(m.data) });
    }
    if (i >= this.expected.length) {
      const dupOf = this.expected.findIndex((e) => sameMessage(e, m));
      scn.fail(
        `${this.client.label}: unexpected extra message #${i} (${dupOf >= 0 ? `duplicate of #${dupOf}` : "never sent"}): ${describe(m.data)}`,
      );
    }
    const exp = this.expected[i];
    if (!sameMessage(exp, m)) {
      let why = "never sent";
      const j = this.expected.findIndex((e) => sameMessage(e, m));
      if (j >= 0 && j < i) why = `duplicate of already received #${j}`;
      else if (j > i) why = `out of order: this is #${j}, #${i}..#${j - 1} missing or late`;
      else if (exp.kind !== m.kind) why = `kind changed: sent ${exp.kind}, got ${m.kind}`;
      else if (exp.kind === "text" || exp.kind === "binary") why = corruptionDetail(exp.data, m.data);
      scn.fail(`${this.client.label}: echo #${i} mismatch (${why})`, {
        index: i,
        expected: describe(exp.data),
        expectedMeta: exp.meta,
        got: describe(m.data),
        gotKind: m.kind,
        arrivedOn: m.transport,
        previous: this.expected.slice(Math.max(0, i - 3), i).map((e) => describe(e.data)),
      });
    }
    this.arrivals[m.transport] = (this.arrivals[m.transport] ?? 0) + 1;
    this.next++;
    this.waiters = this.waiters.filter((w) => {
      if (this.next >= w.n) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  snapshot() {
    return {
      sent: this.expected.length,
      echoed: this.next,
      arrivals: this.arrivals,
      nextExpected: this.next < this.expected.length ? describe(this.expected[this.next].data) : null,
      nextExpectedMeta: this.next < this.expected.length ? this.expected[this.next].meta : null,
    };
  }

  // Resolves when all messages sent so far have been echoed.
  all(timeoutMs = 15000) {
    const n = this.expected.length;
    if (this.next >= n) return Promise.resolve();
    const p = new Promise((resolve) => this.waiters.push({ n, resolve }));
    return withTimeout(p, timeoutMs, () => ({
      msg: `${this.client.label}: only ${this.next} of ${n} echoes arrived within ${timeoutMs} ms`,
      details: {
        firstMissing: this.next < n ? describe(this.expected[this.next].data) : null,
        firstMissingMeta: this.next < n ? this.expected[this.next].meta : null,
        arrivals: this.arrivals,
      },
    }));
  }

  // Sends a final unique message and waits for everything including it, so a
  // late duplicate of an earlier message would be caught (it would arrive
  // before the sentinel's echo on an ordered stream).
  async finish(timeoutMs) {
    this.send(`sentinel-${this.client.label}-${this.expected.length}`);
    await this.all(timeoutMs);
  }
}

function corruptionDetail(exp, got) {
  if (typeof exp === "string" && typeof got === "string") {
    let k = 0;
    while (k < exp.length && k < got.length && exp[k] === got[k]) k++;
    return `text differs: sent ${exp.length} UTF-16 units / ${Buffer.byteLength(exp)} bytes, got ${got.length} / ${Buffer.byteLength(got)}, first difference at unit ${k}: sent ${JSON.stringify(exp.slice(k, k + 8))} got ${JSON.stringify(got.slice(k, k + 8))}`;
  }
  const a = toBuffer(exp);
  const b = toBuffer(got);
  if (a && b) {
    let k = 0;
    while (k < a.length && k < b.length && a[k] === b[k]) k++;
    return `bytes differ: sent ${a.length} bytes, got ${b.length}, first difference at byte ${k}: sent ${a.subarray(k, k + 8).toString("hex")} got ${b.subarray(k, k + 8).toString("hex")}`;
  }
  return "content differs";
}
