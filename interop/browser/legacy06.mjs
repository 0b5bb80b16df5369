// legacy06: the Socket.IO 0.6 browser client (socket.io@0.6.18 from npm,
// served by the Go test) in headless Chromium, next to socket.io-client@4
// in Node, both in one room of the Go server.
//
//   node browser/legacy06.mjs <base-url> <transport>... [--chromium=PATH] [--timeout=MS]
//
// For each transport: a v5 client (Node) connects; a page loads the 0.6
// client forced to that transport (rememberTransport off) and connects;
// the page sends a message and must get the server's echo, the v5 client
// must get it as a room broadcast; the v5 client sends a message, and the
// page must get it as JSON (~j~). The page then disconnects. It prints one
// JSON line per transport and exits 0, or "FAIL [legacy06]: ..." and 1.

import { chromium } from "playwright-core";
import { io } from "socket.io-client";

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : def;
};
const [base, ...transports] = argv.filter((x) => !x.startsWith("--"));
const executablePath = opt("chromium", "/usr/bin/chromium");
const timeout = Number(opt("timeout", "90000"));
const step = 20000;

let browser;
const diag = { console: [], errors: [], requests: [] };
async function fail(msg) {
  process.stderr.write(`FAIL [legacy06]: ${msg}\n${JSON.stringify(diag, null, 2)}\n`);
  try {
    await browser?.close();
  } catch {}
  process.exit(1);
}
const hard = setTimeout(() => fail(`timed out after ${timeout} ms`), timeout);
hard.unref();

// waitFor resolves with the first value of list (filled by a listener)
// that pred accepts.
function waitFor(list, pred, what) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const v = list.find(pred);
      if (v !== undefined) return resolve(v);
      if (Date.now() - t0 > step) return reject(new Error(`v5 client: no ${what}; got ${JSON.stringify(list)}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

try {
  browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
  for (const transport of transports) {
    const modern = io(base, { transports: ["websocket"], forceNew: true });
    const got = [];
    modern.on("message", (m) => got.push(m));
    await new Promise((resolve, reject) => {
      modern.once("connect", resolve);
      modern.once("connect_error", reject);
    });

    const context = await browser.newContext();
    const page = await context.newPage();
    page.on("console", (m) => diag.console.push(`${transport} ${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => diag.errors.push(`${transport}: ${e.message}`));
    page.on("request", (r) => {
      diag.requests.push(`${transport} ${r.method()} ${r.url()}`);
      if (diag.requests.length > 80) diag.requests.shift();
    });
    const resp = await page.goto(`${base}/page06?transport=${transport}`, { timeout: step });
    if (!resp || resp.status() !== 200) await fail(`GET page: ${resp?.status()}`);
    await page.waitForFunction(() => window.socket06 && window.socket06.connected, null, { timeout: step });
    const used = await page.evaluate(() => window.socket06.transport.type);
    if (used !== transport) await fail(`the 0.6 client runs on ${used}, not ${transport}`);
    const sid = await page.evaluate(() => window.socket06.transport.sessionid);

    const text = `hello from 0.6 over ${transport}`;
    await page.evaluate((t) => window.socket06.send(t), text);
    await page.waitForFunction((t) => window.received.includes("echo: " + t), text, { timeout: step });
    const relayed = await waitFor(got, (m) => m && m.text === text, "relayed 0.6 message");

    const reply = `hello from v5 to ${transport}`;
    modern.send(reply);
    const fromModern = await page.waitForFunction(
      (t) => window.received.find((m) => typeof m === "object" && m && m.text === t),
      reply,
      { timeout: step },
    );
    const obj = await fromModern.jsonValue();
    if (obj.from !== modern.id) await fail(`0.6 page got ${JSON.stringify(obj)}, want from ${modern.id}`);

    const modernId = modern.id;
    await page.evaluate(() => window.socket06.disconnect());
    await context.close();
    modern.close();
    process.stdout.write(JSON.stringify({ transport, sid, relayedFrom: relayed.from, modernId, ok: true }) + "\n");
  }
  await browser.close();
  process.exit(0);
} catch (e) {
  await fail(e.stack || String(e));
}
