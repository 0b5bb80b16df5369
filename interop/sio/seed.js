// Scenario: the seed API (OnConnect, OnMessage, Broadcast, BroadcastExcept)
// with the JS client's socket.send.
//
// Two clients a and b. a.send("hello") reaches b only (BroadcastExcept);
// b.send({s:"é",x:1}) reaches a only, as the JSON text of the object
// (Message.Data); a.send("to-all") reaches both (Broadcast). Broadcasts
// arrive as "message" events {from, text}.
//
// node sio/seed.js URL [--transport=MODE]
import { Scenario, connected, next, eq, withTimeout } from "./lib.js";

const scn = new Scenario("seed");

scn.run(async () => {
  const mk = (label) => {
    const conn = scn.conn(label);
    const s = conn.socket("/");
    const msgs = [];
    s.on("message", (m) => msgs.push(m));
    const welcome = next(s, "welcome");
    scn.state[label] = msgs;
    return { conn, s, msgs, welcome };
  };
  const a = mk("a");
  const b = mk("b");
  await Promise.all([connected(a.s), connected(b.s)]);
  eq(await a.welcome, [a.s.id], "a: welcome carries the socket id");
  eq(await b.welcome, [b.s.id], "b: welcome carries the socket id");
  await Promise.all([a.conn.waitUpgrade(), b.conn.waitUpgrade()]);
  a.conn.assertTransport();
  b.conn.assertTransport();

  const waitCount = (c, k, what) =>
    withTimeout(
      new Promise((resolve) => {
        const check = () => (c.msgs.length >= k ? resolve() : setTimeout(check, 5));
        check();
      }),
      10000,
      () => ({ msg: `${what}: only ${c.msgs.length} messages, want ${k}`, details: c.msgs }),
    );
  a.s.send("hello");
  await waitCount(b, 1, "b after a's hello");
  b.s.send({ s: "é", x: 1 });
  await waitCount(a, 1, "a after b's object");
  a.s.send("to-all");
  await Promise.all([waitCount(a, 2, "a after to-all"), waitCount(b, 2, "b after to-all")]);
  // "to-all" is the last message each client gets: anything sent to the
  // wrong client earlier would have arrived before it
  eq(a.msgs, [{ from: b.s.id, text: '{"s":"é","x":1}' }, { from: a.s.id, text: "to-all" }], "a's messages");
  eq(b.msgs, [{ from: a.s.id, text: "hello" }, { from: a.s.id, text: "to-all" }], "b's messages");

  const ids = { a: a.s.id, b: b.s.id };
  const connA = a.conn.info();
  const connB = b.conn.info();
  await Promise.all([a.conn.close(), b.conn.close()]);
  return { ...ids, connA, connB };
});
