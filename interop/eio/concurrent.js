// Scenario: many concurrent clients in one process.
//
// Opens --clients (default 100) clients at once; each sends --messages
// (default 20) distinct text messages and must get all of them back in order.
// Then all clients close.
//
// node eio/concurrent.js URL [--transport=MODE] [--clients=100] [--messages=20]
import { Scenario, EchoTracker, intArg } from "./lib.js";

const scn = new Scenario("concurrent", { defaultTimeout: 45000 });
const nClients = intArg(scn.args, "clients", 100);
const nMessages = intArg(scn.args, "messages", 20);

async function runClient(idx) {
  const c = await scn.connect(`c${idx}`);
  const echo = new EchoTracker(c);
  for (let i = 0; i < nMessages; i++) echo.send(`c${idx}-m${i}`, { i });
  await echo.all(30000);
  await c.waitUpgrade();
  await echo.finish(30000);
  c.assertTransport();
  return { c, echo };
}

scn.run(async () => {
  const results = await Promise.all(Array.from({ length: nClients }, (_, i) => runClient(i)));
  const sids = new Set(results.map((r) => r.c.sid));
  if (sids.size !== nClients) {
    throw new Error(`expected ${nClients} distinct session ids, got ${sids.size}`);
  }
  const finalTransports = {};
  let echoed = 0;
  for (const { c, echo } of results) {
    finalTransports[c.transportName] = (finalTransports[c.transportName] ?? 0) + 1;
    echoed += echo.next;
  }
  await Promise.all(results.map(({ c }) => c.closeAndSettle()));
  return { clients: nClients, messagesPerClient: nMessages, echoed, distinctSids: sids.size, finalTransports, sids: [...sids] };
});
