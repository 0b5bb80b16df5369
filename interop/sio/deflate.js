// Scenario: permessage-deflate with socket.io-client's defaults in Node
// (ws offers the extension; the client compresses from 1024 bytes). Three
// connections each:
//   - emit a large and a small event that the server acks with the same
//     payload;
//   - ask for the server's own emits to it: a large one, the same with
//     compress(false), a small one;
// then one of them asks for broadcasts to all three: a large one, the same
// with compress(false). Every payload is compared; deflate_test.go counts
// the compressions on the server and the compressed frames on the wire.
//
// node sio/deflate.js URL [--transport=MODE]
import { Scenario, connected, call, next, eq } from "./lib.js";

const scn = new Scenario("deflate");

// record is what the server sends back and broadcasts (deflate_test.go
// builds the same): about 4 KB of JSON.
function record(n) {
  const items = [];
  for (let k = 0; k < n; k++) items.push({ id: k, user: `user${k % 7}`, text: `line ${k} of the record`, ok: k % 2 === 0 });
  return { items };
}

scn.run(async () => {
  const conns = [0, 1, 2].map(() => scn.conn());
  const socks = conns.map((c) => c.socket("/"));
  await Promise.all(socks.map((s) => connected(s)));
  await Promise.all(conns.map((c) => c.waitUpgrade()));
  const big = record(60);
  for (const s of socks) {
    eq(await call(s, "echo", big), [big], `${s.label}: large echo`);
    eq(await call(s, "echo", "small"), ["small"], `${s.label}: small echo`);
    const own = [next(s, "own"), next(s, "own-plain"), next(s, "own-small")];
    eq(await call(s, "own"), [], `${s.label}: own ack`);
    eq(await Promise.all(own), [[big], [big], ["x"]], `${s.label}: own emits`);
  }
  const news = socks.map((s) => Promise.all([next(s, "news"), next(s, "news-plain")]));
  eq(await call(socks[0], "broadcast"), [], "broadcast ack");
  for (const [i, p] of news.entries()) eq(await p, [[big], [big]], `${socks[i].label}: broadcasts`);
  for (const c of conns) c.assertTransport();
  const extensions = conns.map((c) => c.engine.transport?.ws?.extensions ?? "");
  const info = conns.map((c) => c.info());
  for (const c of conns) await c.close();
  return { conns: info, extensions };
});
