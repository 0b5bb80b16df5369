// socket.io-client 4's browser bundle in headless Chromium against the Go
// server with PerMessageDeflate, through the framespy proxy of
// deflate_browser_test.go, which serves the page, the bundle and the
// server on one origin.
//
//   node browser/deflate.mjs <base-url> [--chromium=/usr/bin/chromium] [--timeout=MS]
//
// For each mode (websocket, upgrade) it opens <base-url>/?mode=<mode>
// (browser/deflate.html runs the scenario) and records how many WebSocket
// frames the page received. On success it prints one JSON line and exits
// 0; on failure "FAIL [deflate]: ..." on stderr, exit 1.

import { chromium } from "playwright-core";

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : def;
};
const url = argv.find((x) => !x.startsWith("--"));
const executablePath = opt("chromium", "/usr/bin/chromium");
const timeout = Number(opt("timeout", "60000"));
const diag = { console: [], errors: [] };
let browser;

async function fail(msg) {
  process.stderr.write(`FAIL [deflate]: ${msg}\nconsole: ${JSON.stringify(diag, null, 2)}\n`);
  try {
    await browser?.close();
  } catch {}
  process.exit(1);
}
setTimeout(() => fail(`timed out after ${timeout} ms`), timeout).unref();

try {
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    timeout,
  });
  const context = await browser.newContext();
  const results = {};
  for (const mode of ["websocket", "upgrade"]) {
    const page = await context.newPage();
    const frames = { received: 0, sent: 0 };
    page.on("console", (m) => diag.console.push(`${mode} ${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => diag.errors.push(`${mode}: ${e.message}`));
    page.on("websocket", (ws) => {
      ws.on("framereceived", () => frames.received++);
      ws.on("framesent", () => frames.sent++);
    });
    const resp = await page.goto(`${url}/?mode=${mode}`, { timeout });
    if (!resp || resp.status() !== 200) await fail(`${mode}: GET page: ${resp?.status()}`);
    const r = await page.evaluate(() => window.__result);
    if (r.error) await fail(`${mode}: ${r.error}`);
    results[mode] = { ...r, frames };
    await page.close();
  }
  const version = browser.version();
  await browser.close();
  console.log(JSON.stringify({ scenario: "deflate", browser: version, results, errors: diag.errors }));
  process.exit(0);
} catch (e) {
  await fail(e && e.stack ? e.stack : String(e));
}
