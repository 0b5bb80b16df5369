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

import { browserScript } from "./harness.mjs";

const { url, timeout, diag, fail, launch } = browserScript("deflate");

try {
  const browser = await launch();
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
