// socket.io-client 4's browser bundle in headless Chromium over polling
// only, against the Go server with its default HTTP compression
// (browser_compress_test.go serves the page, the bundle and the server).
//
//   node browser/compress.mjs <base-url> [--chromium=/usr/bin/chromium] [--timeout=MS]
//
// It opens the page (browser/compress.html runs the scenario), records
// every polling GET's response as Chromium saw it: the Accept-Encoding it
// sent, the Content-Encoding, the body's size on the wire and decoded,
// and the bundle's response; then loads the page a second time (the
// bundle is revalidated with its ETag). On success it prints one JSON line
// and exits 0; on failure "FAIL [compress]: ..." on stderr, exit 1.

import { browserScript } from "./harness.mjs";

const { url, timeout, diag, fail, launch } = browserScript("compress");

try {
  const browser = await launch();
  const context = await browser.newContext();
  const page = await context.newPage();
  const polls = [];
  const bundle = [];
  const pending = [];
  page.on("console", (m) => diag.console.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => diag.errors.push(e.message));
  page.on("response", (r) => {
    const u = new URL(r.url());
    if (u.pathname === "/socket.io/socket.io.min.js") {
      bundle.push({ status: r.status(), encoding: r.headers()["content-encoding"] || "", etag: r.headers()["etag"] || "" });
      return;
    }
    if (u.pathname !== "/socket.io/" || r.request().method() !== "GET" || u.searchParams.get("transport") !== "polling") return;
    pending.push(
      (async () => {
        const req = await r.request().allHeaders();
        const poll = { accept: req["accept-encoding"] || "", encoding: r.headers()["content-encoding"] || "" };
        try {
          poll.wire = (await r.request().sizes()).responseBodySize;
          poll.decoded = (await r.body()).length;
        } catch (e) {
          // The poll pending when the page disconnects may answer as the
          // page is reloaded: Chromium then no longer has its body. The
          // test only accepts this for polls it does not count.
          poll.unavailable = String(e && e.message ? e.message : e).split("\n")[0];
        }
        polls.push(poll);
      })(),
    );
  });
  let resp = await page.goto(`${url}/`, { timeout });
  if (!resp || resp.status() !== 200) await fail(`GET page: ${resp?.status()}`);
  const result = await page.evaluate(() => window.__result);
  if (result.error) await fail(result.error);
  await Promise.all(pending);
  // The second load: the bundle is in the cache with its ETag, and
  // max-age=0 makes Chromium revalidate it.
  resp = await page.reload({ timeout });
  if (!resp || resp.status() !== 200) await fail(`reload page: ${resp?.status()}`);
  const again = await page.evaluate(() => window.__result);
  if (again.error) await fail(`second load: ${again.error}`);
  await Promise.all(pending);
  const version = browser.version();
  await browser.close();
  console.log(JSON.stringify({ scenario: "compress", browser: version, result, again, polls, bundle, errors: diag.errors }));
  process.exit(0);
} catch (e) {
  await fail(e && e.stack ? e.stack : String(e));
}
