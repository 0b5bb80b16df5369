// Scenario: messages the server sends on its own as soon as the session
// opens (from its connection callback), before the client sent anything.
//
// Connects with the query parameter welcome=1; the Go test server answers by
// queuing the text "welcome <sid>" and the binary bytes 00 01 02 fe ff from
// OnConnection. On polling they may share the handshake response with the
// open packet. The client must get exactly those two, in that order, before
// the echo of its own first message.
//
// node eio/welcome.js URL [--transport=MODE]
import { Scenario, EchoTracker, ScenarioError, describe } from "./lib.js";

const scn = new Scenario("welcome");

scn.run(async () => {
  const c = await scn.connect("c0", { query: { welcome: "1" } });
  const echo = new EchoTracker(c);
  // EchoTracker sees every message; pre-register the two welcome messages as
  // "expected" so order is checked like any echo.
  echo.expected.push({ kind: "text", data: `welcome ${c.sid}`, meta: "welcome text" });
  echo.expected.push({ kind: "binary", data: Buffer.from([0, 1, 2, 0xfe, 0xff]), meta: "welcome binary" });
  // ...but messages that arrived before the tracker existed are replayed.
  const early = c.received.slice();
  for (const m of early) echo.onMessage(m);
  echo.send("first message");
  await echo.all();
  await c.waitUpgrade();
  await echo.finish();
  c.assertTransport();
  if (c.received.length !== echo.expected.length) {
    throw new ScenarioError(`received ${c.received.length} messages, want ${echo.expected.length}`, c.received.map((m) => describe(m.data)));
  }
  const summary = c.summary();
  await c.closeAndSettle();
  return { ...summary, earlyMessages: early.length, received: c.received.length };
});
