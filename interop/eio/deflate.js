// Scenario: permessage-deflate with engine.io-client's defaults in Node.
// Its ws library offers the extension ("permessage-deflate;
// client_max_window_bits") and, once negotiated, compresses what the
// client sends from 1024 bytes up (engine.io-client's threshold). The Go
// server (Options.PerMessageDeflate, threshold 1024) echoes. Small text
// messages, and large text and binary ones, all sent once the connection
// is on the WebSocket; deflate_test.go counts what was compressed each
// way through a proxy. The result reports the extensions ws negotiated.
//
// node eio/deflate.js URL [--transport=MODE] [--small=10] [--large=10]
import { Scenario, EchoTracker, intArg } from "./lib.js";

const scn = new Scenario("deflate");
const small = intArg(scn.args, "small", 10);
const large = intArg(scn.args, "large", 10);

// jsonText is n characters of the JSON an application sends: records with
// repeated keys and similar values, which compress well.
function jsonText(n, seed) {
  let s = "[";
  for (let k = 0; s.length < n; k++) {
    s += JSON.stringify({ id: seed * 1000 + k, user: `user${(k * 7) % 17}`, text: `message ${k} of batch ${seed}`, ts: 1700000000000 + k * 137 }) + ",";
  }
  return s.slice(0, n);
}

scn.run(async () => {
  const c = await scn.connect();
  await c.waitUpgrade();
  const echo = new EchoTracker(c);
  for (let i = 0; i < small; i++) echo.send(jsonText(200, i), { what: "small text", i });
  for (let i = 0; i < large; i++) {
    echo.send(jsonText(4000, i), { what: "large text", i });
    echo.send(Buffer.from(jsonText(3000, i)), { what: "large binary", i });
  }
  await echo.finish(20000);
  c.assertTransport();
  const extensions = c.rawWs?.extensions ?? "";
  const summary = c.summary();
  await c.closeAndSettle();
  return { ...summary, small, large, echoed: echo.next, extensions };
});
