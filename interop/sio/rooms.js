// Scenario: rooms, except and volatile broadcasts with three clients.
//
// c0 joins room a, c1 rooms a and b, c2 room b. c0 then asks the server
// ("go") to run a sequence of broadcasts, each an "m" event numbered by
// step, followed by "end" to everyone; each client checks it received
// exactly its expected steps, in order, each once (c1 is in both rooms of
// step 4). Then volatile broadcasts to room b (c1 and c2 only) are tried
// until both got one while idle: c0 must never get one, nobody twice.
//
// node sio/rooms.js URL [--transport=MODE]
import { Scenario, connected, call, next, eq, withTimeout } from "./lib.js";

const scn = new Scenario("rooms");

const expected = {
  c0: ["1:to-a", "2:a-except-b", "4:a-or-b", "10:a-after-leave", "11:to-c"],
  c1: ["1:to-a", "3:sender-to-a", "4:a-or-b", "5:sender-broadcast", "9:sender-to-a-b-except-c2"],
  c2: ["4:a-or-b", "5:sender-broadcast", "6:except-a", "7:to-c2-id"],
};
const rooms = { c0: ["a"], c1: ["a", "b"], c2: ["b"] };

scn.run(async () => {
  const clients = ["c0", "c1", "c2"].map((label) => {
    const conn = scn.conn(label);
    const s = conn.socket("/");
    const got = { m: [], v: [], vend: [] };
    s.on("m", (x) => got.m.push(x));
    s.on("v", (k) => got.v.push(k));
    s.on("vend", (k) => got.vend.push(k));
    scn.state[label] = got;
    return { label, conn, s, got };
  });
  await Promise.all(clients.map((c) => connected(c.s)));
  for (const c of clients) eq(await call(c.s, "join", c.label, rooms[c.label]), [rooms[c.label]], `${c.label}: rooms after join`);
  await Promise.all(clients.map((c) => c.conn.waitUpgrade()));
  for (const c of clients) c.conn.assertTransport();

  const ends = clients.map((c) => next(c.s, "end"));
  const [goRes] = await call(clients[0].s, "go");
  eq(goRes, { fetchB: ["c1", "c2"], err: "" }, "go");
  await Promise.all(ends);
  for (const c of clients) eq(c.got.m, expected[c.label], `${c.label}: broadcasts received`);

  // volatile: to room b, while every client is idle
  let attempts = 0;
  for (let k = 1; k <= 5; k++) {
    attempts = k;
    const vends = clients.map((c) =>
      withTimeout(
        new Promise((resolve) => {
          const check = () => (c.got.vend.includes(k) ? resolve() : setTimeout(check, 5));
          check();
        }),
        10000,
        `${c.label}: no vend ${k}`,
      ),
    );
    eq(await call(clients[0].s, "go-volatile", k), [""], `go-volatile ${k}`);
    await Promise.all(vends);
    if (clients[1].got.v.length > 0 && clients[2].got.v.length > 0) break;
  }
  const v = Object.fromEntries(clients.map((c) => [c.label, c.got.v]));
  eq(v.c0, [], "c0 (not in room b) received volatile broadcasts");
  for (const l of ["c1", "c2"]) {
    scn.check(new Set(v[l]).size === v[l].length, `${l} received a volatile broadcast twice`, v);
    scn.check(v[l].length > 0, `${l} received none of ${attempts} volatile broadcasts sent while idle`, v);
  }

  const conns = Object.fromEntries(clients.map((c) => [c.label, c.conn.info()]));
  await Promise.all(clients.map((c) => c.conn.close()));
  return { conns, volatile: v, volatileAttempts: attempts };
});
