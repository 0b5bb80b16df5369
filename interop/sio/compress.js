// Scenario: HTTP compression of polling responses (the server's
// HTTPCompression, on by default), with socket.io-client in Node over
// polling only.
//
// The server emits "big" (a large JSON-like string) on connection; the
// client answers "next"; the server then emits "raw", the same string,
// with Compress(false). The client checks both arrive intact. The Go test
// records what went over the wire: whether the polls asked for a coding
// (Accept-Encoding) and how each response was encoded.
//
// --client=fetch uses engine.io-client's Fetch transport (Node's fetch,
// which sends Accept-Encoding and decodes gzip); --client=xhr its default
// Node transport (the xmlhttprequest-ssl polyfill, which sends none).
//
// node sio/compress.js URL --transport=polling --client=fetch|xhr --size=N
import { Fetch, NodeXHR } from "socket.io-client";
import { Scenario, connected, next, eq, intArg } from "./lib.js";

const scn = new Scenario("compress");
const client = scn.args.client ?? "fetch";
const size = intArg(scn.args, "size", 0);

scn.run(async () => {
  const transport = { fetch: Fetch, xhr: NodeXHR }[client];
  scn.check(transport, `unknown --client=${client}`);
  const conn = scn.conn("a", { transports: [transport] });
  const s = conn.socket("/");
  const big = next(s, "big");
  await connected(s);
  const [b] = await big;
  const raw = next(s, "raw");
  s.emit("next");
  const [r] = await raw;
  eq(typeof b === "string" && b.length, size, "length of big");
  eq(r, b, "raw is big, sent uncompressed");
  const info = conn.info();
  await conn.close();
  return { client, transport: info.transport, bigLength: b.length };
});
