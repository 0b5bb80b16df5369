// Scenario: namespace middleware refusing connections.
//
// On one connection: "/" connects; "/secure" is refused by a ConnectError
// with data (err.message and err.data reach connect_error), "/plain" by a
// plain error (no data), "/panic" by a panicking middleware ("middleware
// failure"), "/data-string" by a ConnectError whose data is a string. The
// connection survives all of it; "/secure" then retries with a good token
// on the same connection and connects, its middleware having set data the
// connection handler sends back.
//
// node sio/middleware.js URL [--transport=MODE]
import { Scenario, connected, connectError, call, next, eq } from "./lib.js";

const scn = new Scenario("middleware");

scn.run(async () => {
  const c = scn.conn();
  const root = c.socket("/");
  await connected(root);
  const engineId = c.engineId;

  const refusals = {};
  const refused = async (nsp, opts) => {
    const s = c.socket(nsp, opts);
    const err = await connectError(s);
    scn.check(!s.connected, `${nsp}: connected after connect_error`);
    refusals[nsp] = { message: err.message, data: err.data };
    return s;
  };
  const sec = await refused("/secure", { auth: { token: "bad" } });
  await refused("/plain");
  await refused("/panic");
  await refused("/data-string");
  eq(
    refusals,
    {
      "/secure": { message: "not authorized", data: { code: 4001, hint: "send a good token", got: "bad" } },
      "/plain": { message: "plain refusal", data: undefined },
      "/panic": { message: "middleware failure", data: undefined },
      "/data-string": { message: "with string data", data: "just a string" },
    },
    "connect_error message and data",
  );

  // the connection is intact
  eq(await call(root, "ping"), ["pong"], "/ after the refusals");
  scn.check(c.engine.readyState === "open" && c.engineId === engineId, "the connection changed after refusals", c.info());

  // retry with a good token on the same connection
  sec.auth = { token: "good" };
  const welcome = next(sec, "welcome");
  sec.connect();
  await connected(sec);
  eq(await welcome, ["user-good"], "/secure welcome (data set by the middleware)");
  scn.check(c.engineId === engineId, "the retry opened a new connection");

  await c.waitUpgrade();
  c.assertTransport();
  eq(await call(root, "ping"), ["pong"], "/ after upgrade");
  const info = c.info();
  await c.close();
  return { conn: info, refusals };
});
