// Scenario: acknowledgements in both directions.
//
//   client -> server: typed handlers ack one or several values, none, or
//     through a func(...any); emitWithAck; a payload that does not fit the
//     handler is answered with {message} on the ack;
//   server -> client: EmitWithAck from inside a handler (the client's ack
//     must reach a handler blocked waiting for it), Emit with a callback;
//   timeouts: socket.timeout(ms).emit to a server that never acks gives the
//     client a timeout error; the server's Timeout(d).Emit callback and
//     EmitWithAck with a deadline get a timeout error when the client does
//     not ack.
// Everything runs once, then a second time after the upgrade (mode
// "upgrade"); the client then closes the connection.
//
// node sio/acks.js URL [--transport=MODE]
import { Scenario, connected, call, next, eq } from "./lib.js";

const scn = new Scenario("acks");

scn.run(async () => {
  const c = scn.conn();
  const s = c.socket("/");
  const ignored = [];
  s.on("question", (n, extra, cb) => cb(n * 10, extra + "!"));
  s.on("please-ignore", (label, cb) => ignored.push({ label, hasCb: typeof cb === "function" }));
  s.on("with-cb", (n, cb) => cb("got", n + 1));
  scn.state.ignored = ignored;
  await connected(s);

  const round = async (tag) => {
    eq(await call(s, "add", 2, 40), [42], `${tag}: add`);
    eq(
      await call(s, "greet", { name: "Ada", tags: ["x", "y"] }),
      ["hello Ada", 2, { tags: ["x", "y"] }],
      `${tag}: greet (struct param, three ack values)`,
    );
    eq(await call(s, "no-args-ack"), [], `${tag}: ack with no value`);
    eq(await call(s, "variadic-ack", 9), [9, "via func(...any)"], `${tag}: func(...any) ack`);
    eq(await s.emitWithAck("add", 1, 2), 3, `${tag}: emitWithAck`);
    eq(await s.timeout(5000).emitWithAck("add", -1, -2), -3, `${tag}: timeout().emitWithAck`);
    const [bad] = await call(s, "add", "x", "y");
    scn.check(
      bad && typeof bad.message === "string" && bad.message.includes("argument 0"),
      `${tag}: a payload that does not fit should be answered {message: ...argument 0...}`,
      bad,
    );
    eq(await call(s, "ask-me", 4), [{ err: "", len: 2, decodeErr: "", answer: 40, word: "extra!" }], `${tag}: server EmitWithAck from a handler`);
  };
  await round("before upgrade");

  // client-side timeout: the server never acks
  const t0 = Date.now();
  const timeoutErr = await new Promise((resolve) => s.timeout(300).emit("never-acks", "L", (err, ...rest) => resolve({ err, rest })));
  const waited = Date.now() - t0;
  scn.check(timeoutErr.err instanceof Error, "socket.timeout(300).emit: no error given to the callback", timeoutErr);
  eq(timeoutErr.err.message, "operation has timed out", "client timeout error message");
  scn.check(waited >= 250, `client timeout fired after ${waited} ms, want >= 300`);

  // server-side timeout with a callback: the client receives the event
  // with an ack request and does not answer
  const resultP = next(s, "server-timeout-result");
  s.emit("start-server-timeout", 300);
  const [result] = await resultP;
  scn.check(result.isTimeout === true && result.err !== "" && result.afterMs >= 250, "server Timeout(d).Emit callback did not get a timeout error", result);

  // server EmitWithAck with a deadline
  const [ctxErr, ctxIsTimeout] = await call(s, "start-ctx-timeout", 300);
  scn.check(ctxIsTimeout === true && ctxErr !== "", "server EmitWithAck(ctx) did not time out", { ctxErr, ctxIsTimeout });
  eq(ignored, [
    { label: "timeout-cb", hasCb: true },
    { label: "ctx", hasCb: true },
  ], "events the client left unanswered");

  // server Emit with a plain callback
  const cbP = next(s, "with-cb-result");
  s.emit("start-server-callback");
  eq(await cbP, ["got", 6], "server Emit callback result");

  await c.waitUpgrade();
  c.assertTransport();
  await round("after upgrade");
  const info = c.info();
  await c.close();
  return { conn: info, clientTimeoutMs: waited, serverTimeout: result, ctxErr };
});
