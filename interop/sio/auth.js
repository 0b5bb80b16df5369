// Scenario: the CONNECT auth payload reaches Handshake().Auth.
//
// One connection (with a query parameter), three namespaces: "/" with an
// auth object (nested values, unicode), "/admin" with an auth function,
// "/noauth" with none. The server echoes Handshake().Auth and the query
// parameter on connection, and decodes the auth into a typed struct on
// request.
//
// node sio/auth.js URL [--transport=MODE]
import { Scenario, connected, call, next, eq } from "./lib.js";

const scn = new Scenario("auth");

scn.run(async () => {
  const c = scn.conn("c0", { query: { q: "query-value" } });
  const rootAuth = { token: "s3cr3t", n: 42, nested: { list: [1, "two", null, true], unicode: "héllo ✓ 😀" } };
  const root = c.socket("/", { auth: rootAuth });
  const admin = c.socket("/admin", { auth: (cb) => cb({ token: "fn-token", n: 7 }) });
  const none = c.socket("/noauth");
  const echoes = [next(root, "auth"), next(admin, "auth"), next(none, "auth")];
  await Promise.all([connected(root), connected(admin), connected(none)]);
  const [r, a, n] = await Promise.all(echoes);
  eq(r, [rootAuth, "query-value"], "/ auth echo");
  eq(a, [{ token: "fn-token", n: 7 }, "query-value"], "/admin auth echo");
  eq(n, [{}, "query-value"], "/noauth auth echo");
  eq(await call(root, "typed"), ["s3cr3t", 42, ""], "/ typed DecodeAuth");
  eq(await call(admin, "typed"), ["fn-token", 7, ""], "/admin typed DecodeAuth");
  eq(await call(none, "typed"), ["", 0, ""], "/noauth typed DecodeAuth");
  await c.waitUpgrade();
  c.assertTransport();
  const info = c.info();
  await c.close();
  return { conn: info };
});
