// screenshot: docs/chat.png, two clients of chi_example's chat side by
// side in headless Chromium (make screenshot).
//
//   node interop/browser/screenshot.mjs --server=bin/chi_example [--out=docs/chat.png] [--chromium=PATH]
//
// It starts the built chi_example on a free port (from the current
// directory, where it finds chi_example/node_modules), opens the chat in
// two browser contexts at a phone-like width, lets them talk, takes a
// screenshot of each and lays the two out on one image; then it stops the
// server with SIGINT. Prints the file and its size; exits 1 on failure.

import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { chromium } from "playwright-core";
import { chatPageHelpers } from "./chatpage.mjs";

const argv = process.argv.slice(2);
const opt = (key, def) => {
  const a = argv.find((x) => x.startsWith(`--${key}=`));
  return a ? a.slice(key.length + 3) : def;
};
const serverBin = opt("server", "");
const out = opt("out", "docs/chat.png");
const executablePath = opt("chromium", process.env.BROWSER_TEST_CHROMIUM || "/usr/bin/chromium");
const step = 30000;
if (!serverBin) {
  process.stderr.write("usage: node interop/browser/screenshot.mjs --server=PATH [--out=docs/chat.png] [--chromium=PATH]\n");
  process.exit(2);
}

let server, browser;
async function finish(code, msg) {
  if (msg) process.stderr.write(msg + "\n");
  try {
    await browser?.close();
  } catch {}
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGINT");
    await exited;
  }
  process.exit(code);
}
setTimeout(() => finish(1, "screenshot: timed out after 120 s"), 120000).unref();

// The server's URL, from its "chat on http://..." log line.
function startServer() {
  server = spawn(serverBin, ["-addr", "127.0.0.1:0"], { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let buf = "";
    server.stderr.on("data", (d) => {
      buf += d;
      const m = /chat on (http:\/\/\S+\/)/.exec(buf);
      if (m) resolve(m[1]);
    });
    server.once("exit", (code) => reject(new Error(`${serverBin} exited (${code}) before serving:\n${buf}`)));
    server.once("error", reject);
  });
}

try {
  const url = await startServer();
  browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"], timeout: step });
  const width = 360, height = 560;
  const open = async () => {
    const context = await browser.newContext({ viewport: { width, height } });
    await context.addInitScript(chatPageHelpers);
    const page = await context.newPage();
    await page.goto(url, { timeout: step });
    await page.waitForFunction(() => window.__chat.state().state === "connected", null, { timeout: step });
    return { page, id: await page.evaluate(() => window.chatSocket.id) };
  };
  const a = await open();
  const b = await open();
  await a.page.waitForFunction((id) => window.__chat.has("connected: " + id), b.id, { timeout: step });
  const say = async (from, text) => {
    await from.page.fill("#text", text);
    await from.page.click("#send");
    for (const p of [a, b]) await p.page.waitForFunction(([f, t]) => window.__chat.has(f + t), [from.id, text], { timeout: step });
  };
  await say(a, "Hi! Is this the Go server?");
  await say(b, "Yes: chi router, the seed's chat API, socket.io-client 4 in the browser.");
  await say(a, "And it still works on a phone-sized screen.");
  await say(b, "Names come from the socket ids; your own lines are on the right.");
  await a.page.locator("#text").fill("Typing…");

  const shots = [];
  for (const p of [a, b]) shots.push((await p.page.screenshot()).toString("base64"));
  const gap = 24;
  const sheet = await browser.newPage({ viewport: { width: 2 * width + 3 * gap, height: height + 2 * gap } });
  await sheet.setContent(`<body style="margin:0;background:#cbd5e1;display:flex;gap:${gap}px;padding:${gap}px">
    ${shots.map((s) => `<img src="data:image/png;base64,${s}" style="display:block;border-radius:10px;box-shadow:0 4px 14px rgba(15,23,42,.25)">`).join("")}
  </body>`);
  await sheet.screenshot({ path: out });
  process.stdout.write(`${out}: ${statSync(out).size} bytes\n`);
  await finish(0);
} catch (e) {
  await finish(1, `FAIL [screenshot]: ${e?.stack ?? e}`);
}
