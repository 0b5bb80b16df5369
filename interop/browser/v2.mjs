// socket.io-client 2.5's browser bundle in headless Chromium against the Go
// server with AllowEIO3 (browser_v2_test.go serves the page, the bundle and
// the server on one origin).
//
//   node browser/v2.mjs <base-url> [--chromium=/usr/bin/chromium] [--timeout=MS]
//
// For each mode (polling, websocket, upgrade, jsonp) it opens
// <base-url>/?mode=<mode> (browser/v2.html runs the scenario) and records
// what went over the wire: the Content-Type of polling requests and
// responses (a browser with XHR2 sends and receives binary payloads as
// application/octet-stream) and the JSONP scripts. On success it prints
// one JSON line and exits 0; on failure "FAIL [v2]: ..." on stderr, exit 1.

import { browserScript } from "./harness.mjs";

const { url, timeout, diag, fail, launch } = browserScript("v2");

try {
  const browser = await launch();
  const context = await browser.newContext();
  const results = {};
  for (const mode of ["polling", "websocket", "upgrade", "jsonp"]) {
    const page = await context.newPage();
    const wire = { octetPosts: 0, octetPolls: 0, textPolls: 0, jsonpScripts: 0, wsBinaryFrames: 0 };
    page.on("console", (m) => diag.console.push(`${mode} ${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => diag.errors.push(`${mode}: ${e.message}`));
    page.on("request", (r) => {
      if (r.url().includes("/socket.io/") && r.method() === "POST" && (r.headers()["content-type"] || "").startsWith("application/octet-stream")) wire.octetPosts++;
    });
    page.on("response", (r) => {
      if (!r.url().includes("/socket.io/") || r.request().method() !== "GET") return;
      const ct = r.headers()["content-type"] || "";
      if (ct.startsWith("application/octet-stream")) wire.octetPolls++;
      else if (ct.startsWith("text/plain")) wire.textPolls++;
      if (r.request().resourceType() === "script") wire.jsonpScripts++;
    });
    page.on("websocket", (ws) => ws.on("framereceived", (f) => typeof f.payload !== "string" && wire.wsBinaryFrames++));
    const resp = await page.goto(`${url}/?mode=${mode}`, { timeout });
    if (!resp || resp.status() !== 200) await fail(`${mode}: GET page: ${resp?.status()}`);
    const r = await page.evaluate(() => window.__result);
    if (r.error) await fail(`${mode}: ${r.error}`);
    results[mode] = { ...r, wire };
    await page.close();
  }
  const version = browser.version();
  await browser.close();
  console.log(JSON.stringify({ scenario: "v2", browser: version, results, errors: diag.errors }));
  process.exit(0);
} catch (e) {
  await fail(e && e.stack ? e.stack : String(e));
}
