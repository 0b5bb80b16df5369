// chat-page: what chi_example's chat page shows, in headless Chromium
// (browser_chatpage_test.go). One scenario a run:
//
//   node browser/chat-page.mjs offline <chat-url> [--chromium=PATH] [--timeout=MS]
//     The page's first Engine.IO request is held (page.route) while the
//     script reads the state ("before"); then it is let through (and the
//     later ones are not held) and the
//     page connects ("connected"). The script prints {"step":"connected"}
//     and waits for a line on stdin: meanwhile the test stops the server.
//     It waits until the page no longer shows "connected" ("offline"),
//     prints {"step":"offline"} and waits again: the test starts the
//     server again on the same address. Once the page is connected again
//     it sends a line and waits for it ("back").
//
//   node browser/chat-page.mjs refused <page-url> ...
//     Opens the page (its URL carries the token, or the wrong one) and
//     waits until it shows "connected", "refused" or "disconnected"; prints
//     {"step":"settled",...} and waits for a line on stdin (the test
//     counts the handshakes reaching the server meanwhile); then reads the
//     state again ("after").
//
//   node browser/chat-page.mjs phone <chat-url> ...
//     Two pages at 360x640 CSS pixels (mobile emulation: the page's meta
//     viewport applies); each says a line, one of them 300 characters
//     without a space and a long URL; then it measures both pages.
//
// The result is the last line, one JSON object; failures print "FAIL
// [chat-page]: ..." on stderr and exit 1.

import { createInterface } from "node:readline";
import { browserScript } from "./harness.mjs";
import { chatPageHelpers } from "./chatpage.mjs";

const scenario = process.argv[2];
process.argv.splice(2, 1); // the harness reads the URL and options
const { url, timeout, diag, fail, launch } = browserScript("chat-page");
const step = Math.min(30000, timeout);

const stdin = createInterface({ input: process.stdin });
const lines = stdin[Symbol.asyncIterator]();
// Prints a step and waits for the test's go-ahead.
async function handOver(name, extra = {}) {
  console.log(JSON.stringify({ step: name, ...extra }));
  const { done } = await lines.next();
  if (done) await fail(`stdin closed at step ${name}`);
}

const state = (page) => page.evaluate(() => window.__chat.state());
const waitState = (page, states) =>
  page.waitForFunction((s) => s.includes(window.__chat.state().state), states, { timeout: step });
const isEngineIO = (u) => u.pathname === "/socket.io/" && u.searchParams.has("EIO");

async function openPage(context, name, pageURL) {
  const page = await context.newPage();
  page.on("console", (m) => diag.console.push(`${name} ${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => diag.errors.push(`${name}: ${e.message}`));
  const resp = await page.goto(pageURL, { timeout: step });
  if (!resp || resp.status() !== 200) await fail(`${name}: GET ${pageURL}: ${resp?.status()}`);
  return page;
}

async function offline(context) {
  const page = await context.newPage();
  page.on("console", (m) => diag.console.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => diag.errors.push(e.message));
  let held, release;
  const handshake = new Promise((resolve) => (held = resolve));
  const released = new Promise((resolve) => (release = resolve));
  await page.route(isEngineIO, async (route) => {
    held();
    await released; // only the first request waits
    await route.continue();
  });
  await page.goto(url, { timeout: step });
  await handshake;
  const before = await state(page);
  release();
  await waitState(page, ["connected"]);
  const connected = await state(page);
  await handOver("connected");
  await page.waitForFunction(() => window.__chat.state().state !== "connected", null, { timeout: step });
  const off = await state(page);
  await handOver("offline");
  await waitState(page, ["connected"]);
  const text = `back at ${Date.now()}`;
  await page.fill("#text", text);
  await page.click("#send");
  const id = await page.evaluate(() => window.chatSocket.id);
  await page.waitForFunction(([i, t]) => window.__chat.has(i + t), [id, text], { timeout: step });
  return { before, connected, offline: off, back: await state(page) };
}

async function refused(context) {
  let engineRequests = 0;
  context.on("request", (r) => isEngineIO(new URL(r.url())) && engineRequests++);
  const page = await openPage(context, "page", url);
  await waitState(page, ["connected", "refused", "disconnected"]);
  const settled = { ...(await state(page)), engineRequests };
  await handOver("settled", settled);
  return { settled, after: { ...(await state(page)), engineRequests } };
}

async function phone(browser) {
  const context = await browser.newContext({ viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true });
  await context.addInitScript(chatPageHelpers);
  const pages = [await openPage(context, "A", url), await openPage(context, "B", url)];
  const says = [
    "a".repeat(300),
    "https://example.com/" + "very-long-path-segment/".repeat(12) + "?and=a&long=query",
  ];
  for (const [i, page] of pages.entries()) {
    await waitState(page, ["connected"]);
    await page.fill("#text", says[i]);
    await page.click("#send");
  }
  const measured = [];
  for (const page of pages) {
    const ids = await Promise.all(pages.map((p) => p.evaluate(() => window.chatSocket.id)));
    await page.waitForFunction(
      ([ids, says]) => ids.every((id, i) => window.__chat.has(id + says[i])),
      [ids, says],
      { timeout: step },
    );
    measured.push(
      await page.evaluate(() => {
        const right = (sel) => Math.max(...[...document.querySelectorAll(sel)].map((e) => e.getBoundingClientRect().right));
        const log = document.getElementById("log");
        return {
          innerWidth: window.innerWidth,
          scrollWidth: document.documentElement.scrollWidth,
          bodyScrollWidth: document.body.scrollWidth,
          logScrollWidth: log.scrollWidth,
          logClientWidth: log.clientWidth,
          linesRight: right("#log li"),
          headerRight: right("header > *"),
          sendRight: document.getElementById("send").getBoundingClientRect().right,
          lines: window.__chat.lines().length,
        };
      }),
    );
  }
  return { pages: measured };
}

try {
  const browser = await launch();
  let result;
  if (scenario === "phone") {
    result = await phone(browser);
  } else {
    const context = await browser.newContext();
    await context.addInitScript(chatPageHelpers);
    if (scenario === "offline") result = await offline(context);
    else if (scenario === "refused") result = await refused(context);
    else await fail(`unknown scenario ${scenario}`);
  }
  await browser.close();
  console.log(JSON.stringify({ scenario, ...result, errors: diag.errors }));
  process.exit(0);
} catch (e) {
  await fail(e?.stack ?? String(e));
}
