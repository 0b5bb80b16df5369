// Scenario: the server shuts down while clients are connected.
//
// Opens --clients (default 5) clients, checks each echoes once (and, in
// "upgrade" mode, has upgraded), then prints a line {"ready":true,...} on
// stdout. The driver (the Go test) then shuts the server down. Every client
// must get a "close" event with reason "transport close" within
// --close-within ms (default 10000) of the ready line.
//
// node eio/shutdown.js URL [--transport=MODE] [--clients=5] [--close-within=10000]
import { Scenario, EchoTracker, ScenarioError, withTimeout, intArg } from "./lib.js";

const scn = new Scenario("shutdown", { defaultTimeout: 30000 });
const nClients = intArg(scn.args, "clients", 5);
const closeWithin = intArg(scn.args, "close-within", 10000);

scn.run(async () => {
  const clients = await Promise.all(
    Array.from({ length: nClients }, async (_, i) => {
      const c = await scn.connect(`c${i}`);
      const echo = new EchoTracker(c);
      echo.send(`hello from c${i}`);
      await echo.all();
      await c.waitUpgrade();
      await echo.finish();
      c.assertTransport();
      c.expectClose = true;
      c.closedPromise = new Promise((resolve) => c.onClose(resolve));
      return c;
    }),
  );
  const sids = clients.map((c) => c.sid);
  process.stdout.write(JSON.stringify({ ready: true, sids }) + "\n");
  const readyAt = Date.now();
  const infos = await withTimeout(
    Promise.all(clients.map((c) => c.closedPromise)),
    closeWithin,
    () => ({
      msg: `not every client got a close event within ${closeWithin} ms of the ready line`,
      details: clients.map((c) => ({ label: c.label, sid: c.sid, close: c.closeInfo })),
    }),
  );
  const bad = infos.filter((i) => i.reason !== "transport close");
  if (bad.length) {
    throw new ScenarioError(`${bad.length} client(s) closed with a reason other than "transport close"`, infos);
  }
  return {
    clients: nClients,
    sids,
    finalTransports: clients.map((c) => c.transportName),
    closes: infos.map((i) => `${i.reason}: ${i.description}`),
    slowestCloseMs: Math.max(...clients.map((c) => c.closeInfo.atMs)) - (readyAt - scn.started),
  };
});
