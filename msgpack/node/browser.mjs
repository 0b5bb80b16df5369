// Drives headless Chromium (playwright-core) through browser/index.html for
// each transport mode, against the server browser_test.go runs.
//
//   node browser.mjs <base-url> [--chromium=/usr/bin/chromium] [--timeout=MS]
//
// It records what went over the wire (binary WebSocket frames, polling
// payloads with base64 binary packets). Success: one JSON line on stdout,
// exit 0; failure: "FAIL [browser]: ..." on stderr, exit 1.
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
  process.stderr.write(`FAIL [browser]: ${msg}\ndiagnostics: ${JSON.stringify(diag, null, 2)}\n`);
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
  for (const mode of ["polling", "websocket", "upgrade"]) {
    const page = await context.newPage();
    const wire = { wsBinaryFrames: 0, wsTextFrames: 0, pollBinaryPackets: 0 };
    page.on("console", (m) => diag.console.push(`${mode} ${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => diag.errors.push(`${mode}: ${e.message}`));
    page.on("websocket", (ws) =>
      ws.on("framereceived", (f) => (typeof f.payload === "string" ? wire.wsTextFrames++ : wire.wsBinaryFrames++)),
    );
    page.on("response", async (r) => {
      if (!r.url().includes("/socket.io/") || r.request().method() !== "GET" || r.status() !== 200) return;
      try {
        // Engine.IO v4 polling: packets separated by \x1e, binary ones as "b" + base64.
        const body = await r.text();
        wire.pollBinaryPackets += body.split("\x1e").filter((p) => p.startsWith("b")).length;
      } catch {}
    });
    const resp = await page.goto(`${url}/?mode=${mode}`, { timeout });
    if (!resp || resp.status() !== 200) await fail(`${mode}: GET page: ${resp?.status()}`);
    const r = await page.evaluate(() => window.__result);
    if (r.error) await fail(`${mode}: ${r.error}`);
    results[mode] = { ...r, wire };
    await page.close();
  }
  const version = browser.version();
  await browser.close();
  console.log(JSON.stringify({ scenario: "browser", browser: version, results, errors: diag.errors }));
  process.exit(0);
} catch (e) {
  await fail(e && e.stack ? e.stack : String(e));
}
