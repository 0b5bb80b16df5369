// chat: the chi example's chat page in headless Chromium, two tabs.
//
//   node browser/chat.mjs <chat-url> [--chromium=/usr/bin/chromium] [--timeout=MS]
//
// Both tabs load the page (the official browser client, served by the
// example) and must see their own "connected: <id>" announcement and run
// on websocket (the client upgrades from polling). Tab A must also see
// B's announcement. The script then prints {"ready":true,...} and waits
// for a line on stdin (the Go test checks /api/stats meanwhile). Then it
// types a line in tab A and waits until it shows in tab B (and in A),
// closes tab B and waits for A to see "disconnected: <idB>". Along the
// way it records how each tab shows A's line (the name beside it, marked
// as the tab's own or not, its side) and the name each tab says is its
// own. On success it prints one JSON line and exits 0; on failure "FAIL
// [chat]: ..." with the pages' logs and console on stderr, exit 1. (The
// page's log is read through chatpage.mjs.)

import { createInterface } from "node:readline";
import { chromium } from "playwright-core";
import { chatPageHelpers } from "./chatpage.mjs";

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : def;
};
const url = argv.find((x) => !x.startsWith("--"));
if (!url) {
  process.stderr.write("usage: node browser/chat.mjs <chat-url> [--chromium=PATH] [--timeout=MS]\n");
  process.exit(2);
}
const executablePath = opt("chromium", "/usr/bin/chromium");
const timeout = Number(opt("timeout", "60000"));
const step = Math.min(30000, timeout);

let browser;
const diag = { console: [], errors: [], frames: [] };
// The last WebSocket frames each tab saw, for the failure report.
const noteFrame = (name, dir, payload) => {
  const text = typeof payload === "string" ? payload : `<binary ${payload.length} bytes>`;
  diag.frames.push(`${name} ${dir} ${text.slice(0, 200)}`);
  if (diag.frames.length > 60) diag.frames.shift();
};
const pages = {};

async function fail(msg) {
  process.stderr.write(`FAIL [chat]: ${msg}\n`);
  for (const [name, page] of Object.entries(pages)) {
    try {
      const log = await page.evaluate(() => window.__chat.lines());
      process.stderr.write(`tab ${name} log: ${JSON.stringify(log)}\n`);
    } catch {}
  }
  process.stderr.write(`console: ${JSON.stringify(diag, null, 2)}\n`);
  try {
    await browser?.close();
  } catch {}
  process.exit(1);
}

const hard = setTimeout(() => fail(`timed out after ${timeout} ms`), timeout);
hard.unref();

async function openTab(context, name) {
  const page = await context.newPage();
  pages[name] = page;
  page.on("console", (m) => diag.console.push(`${name} ${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => diag.errors.push(`${name}: ${e.message}`));
  page.on("websocket", (ws) => {
    ws.on("framereceived", (f) => noteFrame(name, "<", f.payload));
    ws.on("framesent", (f) => noteFrame(name, ">", f.payload));
  });
  const resp = await page.goto(url, { timeout: step });
  if (!resp || resp.status() !== 200) await fail(`tab ${name}: GET ${url}: ${resp?.status()}`);
  // The page's client announces itself: "connected: <its id>".
  await page.waitForFunction(
    () =>
      typeof socket !== "undefined" &&
      socket.connected &&
      window.__chat.has("connected: " + socket.id),
    null,
    { timeout: step },
  );
  await page.waitForFunction(() => socket.io.engine.transport.name === "websocket", null, { timeout: step });
  return { page, id: await page.evaluate(() => socket.id) };
}

const hasLine = (page, line) => page.waitForFunction((l) => window.__chat.has(l), line, { timeout: step });

try {
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    timeout: step,
  });
  const context = await browser.newContext();
  await context.addInitScript(chatPageHelpers);
  const a = await openTab(context, "A");
  const b = await openTab(context, "B");
  await hasLine(a.page, "connected: " + b.id);

  console.log(JSON.stringify({ ready: true, a: a.id, b: b.id }));
  const rl = createInterface({ input: process.stdin });
  await new Promise((resolve) => rl.once("line", resolve));
  rl.close();

  const text = `hello from tab A ${Date.now()}`;
  await a.page.locator("#text").pressSequentially(text);
  await a.page.locator("#send").click();
  await hasLine(b.page, a.id + text);
  await hasLine(a.page, a.id + text);
  const inputAfter = await a.page.locator("#text").inputValue();
  const shown = (page) => page.evaluate(([from, t]) => ({ ...window.__chat.shownAs(from, t), me: window.__chat.state().me }), [a.id, text]);
  const inA = await shown(a.page);
  const inB = await shown(b.page);

  await b.page.close();
  delete pages.B;
  await hasLine(a.page, "disconnected: " + b.id);
  const logA = await a.page.evaluate(() => window.__chat.lines());

  const version = browser.version();
  await browser.close();
  console.log(
    JSON.stringify({
      scenario: "chat",
      browser: version,
      a: a.id,
      b: b.id,
      text,
      inputAfter,
      inA,
      inB,
      logA,
      errors: diag.errors,
    }),
  );
  process.exit(0);
} catch (e) {
  await fail(e.stack || String(e));
}
