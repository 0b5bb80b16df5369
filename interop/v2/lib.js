// Shared helpers of the socket.io-client 2.x scenarios (Socket.IO protocol
// 4 over Engine.IO 3, against a Go server with AllowEIO3).
//
//   node v2/scenario.js <server-url> --scenario=NAME [--transport=polling|websocket|upgrade] [--jsonp] [--timeout=MS]
//
// Contract (as the scenarios in eio/ and sio/): success prints one line of
// JSON on stdout and exits 0; failure prints "FAIL [...]" and details on
// stderr and exits 1; a hard timeout turns a hang into a failure.
//
// --jsonp forces engine.io-client's JSONP polling (jsonp: true,
// forceJSONP: true). Node has no DOM, so installJSONPShim provides the
// three things that transport touches: <script> elements (loaded with an
// HTTP GET and run, as a browser runs them), and a <form> with a <textarea>
// named d posted to a hidden <iframe> (an
// application/x-www-form-urlencoded POST, as a browser encodes it).

import http from "node:http";
import vm from "node:vm";
import { isDeepStrictEqual } from "node:util";

export function parseArgs(argv) {
  const out = { _: [] };
  for (const a of argv) {
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq === -1) out[a.slice(2)] = true;
      else out[a.slice(2, eq)] = a.slice(eq + 1);
    } else out._.push(a);
  }
  return out;
}

export function transportOptions(mode, jsonp) {
  const o = jsonp ? { jsonp: true, forceJSONP: true } : {};
  switch (mode) {
    case "polling":
      return { ...o, transports: ["polling"], upgrade: false };
    case "websocket":
      return { ...o, transports: ["websocket"], upgrade: false };
    case "upgrade":
      return { ...o, transports: ["polling", "websocket"], upgrade: true };
  }
  throw new Error(`unknown transport ${mode}`);
}

export class Fail extends Error {}

export function eq(got, want, what) {
  if (!isDeepStrictEqual(got, want)) {
    throw new Fail(`${what}: got ${JSON.stringify(show(got))}, want ${JSON.stringify(show(want))}`);
  }
}

export function show(v) {
  if (Buffer.isBuffer(v)) return `<binary ${v.toString("hex")}>`;
  if (v instanceof ArrayBuffer) return show(Buffer.from(v));
  if (Array.isArray(v)) return v.map(show);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, show(x)]));
  return v;
}

export function toBuffer(v) {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return null;
}

// once resolves with the arguments of the next event ev on emitter.
export function once(emitter, ev) {
  return new Promise((resolve) => emitter.once(ev, (...args) => resolve(args)));
}

// call emits ev with args and resolves with the ack's arguments.
export function call(socket, ev, ...args) {
  return new Promise((resolve) => socket.emit(ev, ...args, (...reply) => resolve(reply)));
}

// connected resolves once socket is connected, rejects on its "error"
// event (a refused namespace) or connect_error.
export function connected(socket) {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", (e) => reject(new Fail(`socket ${socket.nsp}: error ${JSON.stringify(e)}`)));
    socket.once("connect_error", (e) => reject(new Fail(`socket ${socket.nsp}: connect_error ${e && e.message}`)));
  });
}

export async function run(name, args, body) {
  const timeout = Number(args.timeout || 20000);
  const timer = setTimeout(() => {
    process.stderr.write(`FAIL [${name}]: timed out after ${timeout}ms\n`);
    process.exit(1);
  }, timeout);
  try {
    const result = await body();
    clearTimeout(timer);
    process.stdout.write(JSON.stringify({ scenario: name, ...result }) + "\n");
    // Not process.exit: the clients' last requests (a polling close packet)
    // are still on their way; node exits once they are done. The unref'd
    // timer only bounds that.
    process.exitCode = 0;
    setTimeout(() => process.exit(0), 3000).unref();
  } catch (e) {
    process.stderr.write(`FAIL [${name}]: ${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  }
}

// installJSONPShim gives engine.io-client's JSONP transport the DOM it uses.
export function installJSONPShim(stats) {
  const get = (url) =>
    new Promise((resolve, reject) => {
      http.get(url, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, type: res.headers["content-type"], body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      }).on("error", reject);
    });
  const post = (url, body) =>
    new Promise((resolve, reject) => {
      const req = http.request(url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      });
      req.on("error", reject);
      req.end(body);
    });
  const loadScript = async (el) => {
    if (!el.src) return;
    let res;
    try {
      res = await get(el.src);
    } catch (e) {
      if (el.onerror) el.onerror(e);
      return;
    }
    stats.scripts++;
    if (res.status !== 200 || !/^___eio\[\d+\]\(".*"\);$/s.test(res.body)) {
      if (el.onerror) el.onerror(new Error(`script ${res.status} ${res.body.slice(0, 200)}`));
      return;
    }
    if (!el.removed) vm.runInThisContext(res.body);
  };
  const element = (tag) => {
    const el = { tagName: tag.toUpperCase(), style: {}, children: [], parentNode: null, setAttribute() {} };
    el.appendChild = (c) => {
      c.parentNode = el;
      el.children.push(c);
      if (c.tagName === "SCRIPT") loadScript(c);
      return c;
    };
    el.insertBefore = (c) => el.appendChild(c);
    el.removeChild = (c) => {
      c.parentNode = null;
      c.removed = true;
      el.children = el.children.filter((x) => x !== c);
      return c;
    };
    if (tag === "form") {
      el.submit = () => {
        const area = el.children.find((c) => c.tagName === "TEXTAREA");
        const iframe = el.children.find((c) => c.tagName === "IFRAME");
        const body = new URLSearchParams({ [area.name]: area.value }).toString();
        stats.posts++;
        post(el.action, body).then(
          () => iframe && iframe.onload && iframe.onload(),
          () => iframe && iframe.onload && iframe.onload(),
        );
      };
    }
    return el;
  };
  const body = element("body");
  const head = element("head");
  globalThis.document = {
    body,
    head,
    createElement(tag) {
      if (tag.startsWith("<")) throw new Error("no HTML parsing"); // the client falls back to createElement("iframe")
      return element(tag);
    },
    getElementsByTagName() {
      return [];
    },
  };
}
