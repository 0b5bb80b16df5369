// Scenario: ordered echo of text messages.
//
// Sends --count (default 200) distinct text messages back-to-back right after
// the connection opens, and checks every echo arrives exactly once, in order.
// In "upgrade" mode the burst starts on polling and the upgrade to websocket
// happens while echoes are still arriving.
//
// node eio/echo.js URL [--transport=MODE] [--count=200]
import { Scenario, EchoTracker, intArg } from "./lib.js";

const scn = new Scenario("echo");
const count = intArg(scn.args, "count", 200);

scn.run(async () => {
  const c = await scn.connect();
  const echo = new EchoTracker(c);
  scn.state.echo = echo;
  for (let i = 0; i < count; i++) {
    // varying lengths so batching on polling packs payloads of different shapes
    echo.send(`msg-${i}:${"x".repeat(i % 17)}`, { i });
  }
  await echo.all();
  await c.waitUpgrade();
  await echo.finish();
  c.assertTransport();
  const summary = c.summary();
  await c.closeAndSettle();
  return { ...summary, sent: echo.expected.length, echoed: echo.next, arrivals: echo.arrivals };
});
