// Scenario: server-initiated close.
//
// Opens (and in "upgrade" mode waits for the upgrade), then sends the text
// "please-close". The Go test server answers that with SendText("bye")
// followed by Close(). The client must receive "bye" and then a "close" event
// with reason "transport close" (i.e. the server told the client, by a close
// packet on polling or by closing the websocket) - not "ping timeout" (the
// server went silent) or "transport error" (the connection broke).
//
// With --during-upgrade (mode "upgrade" only) it does not wait for the
// upgrade: "please-close" goes out on polling right after the handshake, so
// the server closes while the websocket probe is still pending (the Go test
// delays websocket requests to make sure). The client must still get "bye"
// and a clean close, and must end up not upgraded.
//
// node eio/server-close.js URL [--transport=MODE] [--no-bye] [--close-within=5000] [--during-upgrade]
import { Scenario, ScenarioError, withTimeout, describe, intArg } from "./lib.js";

const scn = new Scenario("server-close");
const expectBye = !scn.args["no-bye"];
const closeWithin = intArg(scn.args, "close-within", 5000);
const duringUpgrade = !!scn.args["during-upgrade"];
if (duringUpgrade && scn.mode !== "upgrade") scn.fail("--during-upgrade needs --transport=upgrade");

scn.run(async () => {
  const c = await scn.connect();
  if (!duringUpgrade) {
    await c.waitUpgrade();
    c.assertTransport();
  }
  const transportAtClose = c.transportName;
  const summary = c.summary();
  c.expectClose = true;
  const received = [];
  c.onMessage((m) => received.push(m));
  const closed = new Promise((resolve) => c.onClose(resolve));
  const sentAt = Date.now();
  c.send("please-close");
  const info = await withTimeout(closed, closeWithin, `no close event within ${closeWithin} ms of sending "please-close"`);
  const tookMs = Date.now() - sentAt;
  scn.state.received = received.map((m) => `${m.kind}: ${describe(m.data)}`);
  if (info.reason !== "transport close") {
    throw new ScenarioError(`client closed with reason ${JSON.stringify(info.reason)} (${info.description}), want "transport close"`);
  }
  if (expectBye) {
    const got = received.map((m) => m.data);
    if (got.length !== 1 || got[0] !== "bye" || received[0].kind !== "text") {
      throw new ScenarioError(`expected exactly the text "bye" before the close, got ${received.length} message(s)`, scn.state.received);
    }
  }
  if (duringUpgrade && c.upgraded) {
    throw new ScenarioError("expected the close to win over the pending upgrade, but the client upgraded first (is the driver delaying websocket requests?)");
  }
  return {
    ...summary,
    finalTransport: c.transportName,
    upgraded: c.upgraded,
    transportAtClose,
    close: info,
    closeTookMs: tookMs,
    received: received.length,
    events: c.events.map((e) => e[1]),
  };
});
