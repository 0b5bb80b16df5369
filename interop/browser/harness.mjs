// The common part of the browser scripts that drive one page scenario in
// headless Chromium (compress.mjs, deflate.mjs, v2.mjs): their command
// line, the diagnostics printed with a failure, the overall timeout and
// the browser launch.
//
//   node browser/<name>.mjs <base-url> [--chromium=/usr/bin/chromium] [--timeout=MS]

import { chromium } from "playwright-core";

export function browserScript(name) {
  const argv = process.argv.slice(2);
  const opt = (key, def) => {
    const a = argv.find((x) => x.startsWith(`--${key}=`));
    return a ? a.slice(key.length + 3) : def;
  };
  const url = argv.find((x) => !x.startsWith("--"));
  const executablePath = opt("chromium", "/usr/bin/chromium");
  const timeout = Number(opt("timeout", "60000"));
  const diag = { console: [], errors: [] };
  let browser;

  async function fail(msg) {
    process.stderr.write(`FAIL [${name}]: ${msg}\nconsole: ${JSON.stringify(diag, null, 2)}\n`);
    try {
      await browser?.close();
    } catch {}
    process.exit(1);
  }
  setTimeout(() => fail(`timed out after ${timeout} ms`), timeout).unref();

  async function launch() {
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      timeout,
    });
    return browser;
  }
  return { url, timeout, diag, fail, launch };
}
