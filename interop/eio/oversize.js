// Scenario: a message larger than the server's maxPayload.
//
// Checks one echo works (in "upgrade" mode, after the upgrade), then sends a
// text message of maxPayload + --excess bytes (default 1000). The server must
// refuse it and close the session - polling: the POST is answered 413 (client
// "transport error") and/or a close packet ends the pending GET (client
// "transport close"); websocket: the server closes the connection (status
// 1009, client "transport close") - within
// --close-within ms (default 5000). It must not echo it.
//
// node eio/oversize.js URL [--transport=MODE] [--excess=1000] [--close-within=5000]
import { Scenario, EchoTracker, ScenarioError, withTimeout, intArg, describe } from "./lib.js";

const scn = new Scenario("oversize");
const excess = intArg(scn.args, "excess", 1000);
const closeWithin = intArg(scn.args, "close-within", 5000);

scn.run(async () => {
  const c = await scn.connect();
  const echo = new EchoTracker(c);
  echo.send("small one first");
  await echo.all();
  await c.waitUpgrade();
  c.assertTransport();
  const maxPayload = c.handshake.maxPayload;
  const summary = c.summary();
  const before = c.received.length;
  c.expectClose = true;
  const closed = new Promise((resolve) => c.onClose(resolve));
  const big = "o".repeat(maxPayload + excess);
  const sentOn = c.transportName;
  c.send(big);
  const info = await withTimeout(closed, closeWithin, `no close within ${closeWithin} ms of sending ${big.length} bytes (maxPayload ${maxPayload})`);
  const extra = c.received.slice(before);
  if (extra.length) {
    throw new ScenarioError(`server sent ${extra.length} message(s) after the oversized one`, extra.map((m) => describe(m.data)));
  }
  // polling: "transport error" when the 413 on the POST is seen first (what
  // the reference server produces), "transport close" when the close packet
  // on the pending GET is; both tell the client. Never "ping timeout".
  const want = sentOn === "polling" ? ["transport error", "transport close"] : ["transport close"];
  if (!want.includes(info.reason)) {
    throw new ScenarioError(`client closed with ${JSON.stringify(info.reason)} (${info.description}), want one of ${JSON.stringify(want)} on ${sentOn}`);
  }
  return { ...summary, sentBytes: big.length, sentOn, close: info };
});
