// Scenario: many clients in one process.
//
// Opens --clients (default 200) connections at once, each with a socket on
// "/"; each does an ack round trip; once all are connected (and upgraded,
// in mode "upgrade"), c0 asks the server to broadcast, and every client
// must receive the broadcast once, carrying the server's socket count.
// Then every client closes its connection.
//
// node sio/concurrent.js URL [--transport=MODE] [--clients=200]
import { Scenario, connected, call, eq, withTimeout, intArg } from "./lib.js";

const scn = new Scenario("concurrent", { defaultTimeout: 60000 });
const n = intArg(scn.args, "clients", 200);

scn.run(async () => {
  const clients = Array.from({ length: n }, (_, i) => {
    const conn = scn.conn(`c${i}`, { timeout: 45000 });
    const s = conn.socket("/");
    const got = [];
    s.on("bcast", (x) => got.push(x));
    return { i, conn, s, got };
  });
  scn.state.progress = { connected: 0, acked: 0, upgraded: 0 };
  await Promise.all(
    clients.map(async (c) => {
      await connected(c.s, 45000);
      scn.state.progress.connected++;
      eq(await call(c.s, "echo", c.i, `x${c.i}`), [c.i, `x${c.i}`], `c${c.i}: echo ack`);
      scn.state.progress.acked++;
      await c.conn.waitUpgrade(30000);
      scn.state.progress.upgraded++;
      c.conn.assertTransport();
    }),
  );
  const ids = new Set(clients.map((c) => c.s.id));
  const engines = new Set(clients.map((c) => c.conn.engineId));
  scn.check(ids.size === n && engines.size === n, `${ids.size} distinct socket ids and ${engines.size} sessions for ${n} clients`);

  const [count, err] = await call(clients[0].s, "fire");
  eq([count, err], [n, ""], "server socket count / broadcast error");
  await withTimeout(
    Promise.all(
      clients.map(
        (c) =>
          new Promise((resolve) => {
            const check = () => (c.got.length > 0 ? resolve() : setTimeout(check, 10));
            check();
          }),
      ),
    ),
    20000,
    () => ({ msg: "not every client received the broadcast", details: clients.filter((c) => c.got.length === 0).map((c) => c.i).slice(0, 20) }),
  );
  // ordering: c0 got the broadcast before the ack of "fire"; the others may
  // still be receiving, so check no duplicates after a final round trip each
  await Promise.all(clients.map((c) => call(c.s, "echo", -1, "sync")));
  for (const c of clients) eq(c.got, [n], `c${c.i}: broadcasts received`);

  const transports = {};
  for (const c of clients) transports[c.conn.transportName] = (transports[c.conn.transportName] ?? 0) + 1;
  const upgraded = clients.filter((c) => c.conn.upgraded).length;
  await Promise.all(clients.map((c) => c.conn.close()));
  return { clients: n, distinctSocketIds: ids.size, distinctSessions: engines.size, transports, upgraded };
});
