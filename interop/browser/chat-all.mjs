// chat-all: the chi example's chat with every client generation at once,
// in headless Chromium: socket.io-client 4 (/), socket.io-client 2.5 (/v2,
// Engine.IO 3) and the Socket.IO 0.6 client (/legacy, forced to
// --legacy-transport). Each page says something; every page must show all
// three lines and the others' connection announcements.
//
//   node browser/chat-all.mjs <chat-url> [--legacy-transport=xhr-polling] [--chromium=PATH] [--timeout=MS]
//
// Prints one JSON line {"ok":true,...} and exits 0, or "FAIL [chat-all]: ..." and 1.
import { chromium } from "playwright-core";
import { chatPageHelpers } from "./chatpage.mjs";

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : def;
};
const base = argv.find((x) => !x.startsWith("--")).replace(/\/$/, "");
const executablePath = opt("chromium", "/usr/bin/chromium");
const timeout = Number(opt("timeout", "90000"));
const legacyTransport = opt("legacy-transport", "xhr-polling");
const step = 20000;

let browser;
const diag = { console: [], errors: [] };
async function fail(msg) {
  process.stderr.write(`FAIL [chat-all]: ${msg}\n${JSON.stringify(diag, null, 2)}\n`);
  try {
    await browser?.close();
  } catch {}
  process.exit(1);
}
setTimeout(() => fail(`timed out after ${timeout} ms`), timeout).unref();

const lines = (page) => page.evaluate(() => window.__chat.lines());
const idOf = (page, gen) =>
  page.evaluate((g) => (g === "legacy" ? window.chatSocket.transport.sessionid : window.chatSocket.id), gen); // legacy: its session

try {
  browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
  const pages = {};
  for (const [gen, path] of [["v4", "/"], ["v2", "/v2"], ["legacy", `/legacy?transport=${legacyTransport}`]]) {
    const context = await browser.newContext();
    await context.addInitScript(chatPageHelpers);
    const page = await context.newPage();
    page.on("console", (m) => diag.console.push(`${gen} ${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => diag.errors.push(`${gen}: ${e.message}`));
    const resp = await page.goto(base + path, { timeout: step });
    if (!resp || resp.status() !== 200) await fail(`GET ${path}: ${resp?.status()}`);
    await page.waitForFunction(() => window.chatSocket && window.chatSocket.connected, null, { timeout: step });
    pages[gen] = page;
  }
  // Every page has seen the later ones connect: all are in the chat.
  const ids = {};
  for (const gen of Object.keys(pages)) ids[gen] = await idOf(pages[gen], gen);
  try {
    // (A 0.6 socket's id is not its session id, which is a secret.)
    await pages.v4.waitForFunction(
      (v2) => {
        const got = window.__chat.lines();
        return got.includes("connected: " + v2) && got.filter((l) => l.startsWith("connected: ")).length >= 3;
      },
      ids.v2,
      { timeout: step },
    );
  } catch (e) {
    await fail(`the v4 page did not see ${JSON.stringify(ids)} connect: ${JSON.stringify(await lines(pages.v4))}`);
  }
  for (const [gen, page] of Object.entries(pages)) {
    await page.fill("#text", `hello from ${gen}`);
    await page.click("#send");
  }
  for (const [gen, page] of Object.entries(pages)) {
    try {
      await page.waitForFunction(
        () => ["v4", "v2", "legacy"].every((g) => window.__chat.lines().some((l) => l.endsWith("hello from " + g))),
        null,
        { timeout: step },
      );
    } catch (e) {
      await fail(`${gen} page did not show all three lines: ${JSON.stringify(await lines(page))}`);
    }
  }
  const seen = {};
  for (const [gen, page] of Object.entries(pages)) seen[gen] = await lines(page);
  await browser.close();
  process.stdout.write(JSON.stringify({ ok: true, ids, legacyTransport, seen }) + "\n");
  process.exit(0);
} catch (e) {
  await fail(e?.stack ?? String(e));
}
