// Scenario: ~1 MB messages echoed intact.
//
// Sends a --text-size (default 900000) byte ASCII text message and a binary
// message, one at a time, then both back-to-back. The binary size defaults to
// 900000 bytes, but while the client is on polling a binary message travels
// base64-encoded ("b" + base64) in the POST body, so it is capped to fit the
// server's maxPayload (from the handshake): floor((maxPayload-1)/4)*3 bytes,
// e.g. 749997 for 1e6. That mirrors the reference server, which rejects POST
// bodies larger than maxHttpBufferSize.
//
// node eio/large.js URL [--transport=MODE] [--text-size=900000] [--binary-size=900000]
import { Scenario, EchoTracker, intArg } from "./lib.js";

const scn = new Scenario("large", { defaultTimeout: 30000 });
const textSize = intArg(scn.args, "text-size", 900000);
const binarySize = intArg(scn.args, "binary-size", 900000);

function bigText(n, tag) {
  // position markers every 100 chars make a corruption easy to locate
  let s = "";
  let i = 0;
  while (s.length < n) {
    s += `[${tag}:${String(i).padStart(8, "0")}]` + "abcdefghijklmnopqrstuvwxyz".repeat(3).slice(0, 100 - 20);
    i += 100;
  }
  return s.slice(0, n);
}

function bigBinary(n, salt) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i + salt + (i >>> 8) * 13) & 0xff;
  return b;
}

scn.run(async () => {
  const c = await scn.connect();
  const echo = new EchoTracker(c);
  scn.state.echo = echo;
  const maxPayload = c.handshake?.maxPayload ?? 1e6;
  const binSize = () => {
    if (c.transportName !== "polling") return binarySize;
    return Math.min(binarySize, Math.floor((maxPayload - 1) / 4) * 3);
  };
  const used = [];

  const t1 = bigText(textSize, "T1");
  echo.send(t1, { what: "text", n: t1.length, on: c.transportName });
  await echo.all(20000);

  let n = binSize();
  used.push({ binary: n, on: c.transportName });
  echo.send(bigBinary(n, 1), { what: "binary", n, on: c.transportName });
  await echo.all(20000);

  // back-to-back: on polling the client splits the batch to respect maxPayload
  n = binSize();
  used.push({ binary: n, on: c.transportName });
  echo.send(bigText(textSize, "T2"), { what: "text", n: textSize, on: c.transportName });
  echo.send(bigBinary(n, 2), { what: "binary", n, on: c.transportName });
  await echo.all(20000);

  await c.waitUpgrade();
  if (scn.mode === "upgrade") {
    // and once more on the websocket after the upgrade
    echo.send(bigText(textSize, "T3"), { what: "text", n: textSize, on: c.transportName });
    echo.send(bigBinary(binarySize, 3), { what: "binary", n: binarySize, on: c.transportName });
    used.push({ binary: binarySize, on: c.transportName });
  }
  await echo.finish(20000);
  c.assertTransport();
  const summary = c.summary();
  await c.closeAndSettle();
  return { ...summary, sent: echo.expected.length, textSize, binarySizes: used, arrivals: echo.arrivals };
});
