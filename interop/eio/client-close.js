// Scenario: client-initiated close.
//
// Opens, checks one echo works (and, in "upgrade" mode, waits for the upgrade),
// then calls socket.close() and waits until the close reached the wire (the
// close packet's POST completed on polling; the websocket closing handshake
// finished on websocket). Prints the session id so the Go test can check that
// the server saw the close for that session.
//
// node eio/client-close.js URL [--transport=MODE]
import { Scenario, EchoTracker } from "./lib.js";

const scn = new Scenario("client-close");

scn.run(async () => {
  const c = await scn.connect();
  const echo = new EchoTracker(c);
  echo.send("hello before close");
  await echo.all();
  await c.waitUpgrade();
  await echo.finish();
  c.assertTransport();
  const summary = c.summary();
  await c.closeAndSettle();
  return { ...summary, clientClose: c.closeInfo, settled: c.events.filter((e) => e[1] === "close-settled").map((e) => e[2]) };
});
