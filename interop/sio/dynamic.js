// Scenario: dynamic namespaces (OfRegexp, OfFunc) and unknown namespaces.
//
// On one connection: /dyn-1 and /dyn-42 match ^/dyn-\d+$ and connect (each
// welcomed with its own name); /dyn-x does not ("Invalid namespace");
// /func-a is allowed by the OfFunc predicate with auth {allow:true},
// /func-b is refused with {allow:false}; /unknown is "Invalid namespace".
// An emit on the regexp parent reaches /dyn-1 and /dyn-42 only.
//
// node sio/dynamic.js URL [--transport=MODE]
import { Scenario, connected, connectError, call, next, eq } from "./lib.js";

const scn = new Scenario("dynamic");

scn.run(async () => {
  const c = scn.conn();
  const root = c.socket("/");
  await connected(root);

  const join = async (nsp, opts) => {
    const s = c.socket(nsp, opts);
    const w = next(s, "welcome");
    await connected(s);
    eq(await w, [nsp], `${nsp} welcome`);
    return s;
  };
  const refused = async (nsp, opts) => {
    const s = c.socket(nsp, opts);
    const err = await connectError(s);
    return [nsp, err.message, err.data];
  };
  const d1 = await join("/dyn-1");
  const d42 = await join("/dyn-42");
  const fa = await join("/func-a", { auth: { allow: true } });
  const refusals = [await refused("/dyn-x"), await refused("/func-b", { auth: { allow: false } }), await refused("/unknown")];
  eq(
    refusals,
    [
      ["/dyn-x", "Invalid namespace", undefined],
      ["/func-b", "Invalid namespace", undefined],
      ["/unknown", "Invalid namespace", undefined],
    ],
    "refused namespaces",
  );

  await c.waitUpgrade();
  c.assertTransport();

  const fan = { d1: [], d42: [], fa: [], root: [] };
  d1.on("fanout", (x) => fan.d1.push(x));
  d42.on("fanout", (x) => fan.d42.push(x));
  fa.on("fanout", (x) => fan.fa.push(x));
  root.on("fanout", (x) => fan.root.push(x));
  eq(await call(d1, "fanout"), [""], "fanout");
  // the namespaces share one connection, so both fanouts were written
  // before the ack; the pings flush anything stray on the others
  eq(await call(fa, "ping"), ["pong"], "/func-a ping");
  eq(await call(root, "ping"), ["pong"], "/ ping");
  eq(fan, { d1: ["to-all-dyn"], d42: ["to-all-dyn"], fa: [], root: [] }, "emit on the dynamic parent");

  const info = c.info();
  await c.close();
  return { conn: info, refusals };
});
