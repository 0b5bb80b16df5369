// Scenario: disconnections, one case per run (--case=...). Each case opens
// one connection with sockets on "/" and "/admin" and waits for the
// upgrade (mode "upgrade") before disconnecting.
//
//   server-disconnect        the server disconnects "/" (Disconnect(false)):
//                            "/" gets "io server disconnect", "/admin" stays
//                            usable; the client then closes the connection
//   server-disconnect-close  the server disconnects "/admin" with
//                            Disconnect(true): both sockets see a disconnect
//                            (reported; the Go test wants "io server
//                            disconnect") and the connection closes
//   client-disconnect        socket.disconnect() on "/": "/admin" stays
//                            usable; the client then closes the connection
//   client-close             socket.io.engine.close(): the whole connection
//   shutdown                 prints {"ready":true}; the Go test shuts the
//                            server down; both sockets must see a disconnect
//                            (reasons reported, checked by the Go test)
//   kill                     prints {"ready":true} and waits to be killed
//   ping-timeout             stops answering pings (pongs are dropped): the
//                            server must close with "ping timeout"
//   parse-error              writes a malformed Socket.IO packet: the server
//                            closes the connection
//   emit-then-disconnect     emits --notes events on "/" (no ack) and then
//                            disconnects it, its only socket: the Manager
//                            closes the connection right after the
//                            DISCONNECT packet (see TestSocketIOEventsBeforeClose)
//
// node sio/disconnect.js URL [--transport=MODE] --case=NAME
import { Scenario, ScenarioError, connected, call, eq, withTimeout, intArg } from "./lib.js";

const scn = new Scenario("disconnect", { defaultTimeout: 30000 });
const kase = scn.args.case;

scn.run(async () => {
  const c = scn.conn();
  const root = c.socket("/");
  if (kase === "emit-then-disconnect") {
    await connected(root);
    await c.waitUpgrade();
    c.assertTransport();
    const info = c.info();
    const n = intArg(scn.args, "notes", 20);
    for (let i = 0; i < n; i++) root.emit("note", i);
    root.expectDisconnect = true;
    root.disconnect(); // the last socket: the Manager closes the connection
    await c.settle();
    return { case: kase, conn: info, notes: n, rootId: root.id ?? null };
  }
  const admin = c.socket("/admin");
  await Promise.all([connected(root), connected(admin)]);
  await c.waitUpgrade();
  c.assertTransport();
  const info = c.info();
  const ids = { "/": root.id, "/admin": admin.id };
  const reasons = async (socks, ms = 10000) =>
    withTimeout(
      Promise.all(socks.map((s) => s.gone.then((i) => i.reason))),
      ms,
      () => ({ msg: `not every socket saw a disconnect within ${ms} ms`, details: socks.map((s) => ({ nsp: s.nsp, d: s.disconnectInfo })) }),
    );

  switch (kase) {
    case "server-disconnect": {
      root.expectDisconnect = true;
      root.emit("kick-me", false);
      eq(await reasons([root]), ["io server disconnect"], "/ disconnect reason");
      eq(await call(admin, "ping"), ["pong"], "/admin after / was disconnected");
      scn.check(c.engine.readyState === "open", "the connection closed with /");
      await c.close();
      return { case: kase, conn: info, ids };
    }
    case "server-disconnect-close": {
      root.expectDisconnect = admin.expectDisconnect = true;
      c.expectClose = true;
      admin.emit("kick-me", true);
      // the first disconnect each socket saw (the Go test checks them)
      const got = await reasons([root, admin]);
      const closed = await withTimeout(c.engineClosed, 10000, "the server did not close the connection");
      return { case: kase, conn: info, ids, disconnects: got, engineClose: closed };
    }
    case "client-disconnect": {
      root.expectDisconnect = true;
      root.disconnect();
      eq(await reasons([root]), ["io client disconnect"], "/ disconnect reason");
      // the server handled the DISCONNECT of "/" before this event (same
      // connection, packets handled in order)
      eq(await call(admin, "ping"), ["pong"], "/admin after / left");
      scn.check(c.engine.readyState === "open", "the connection closed with /");
      await c.close();
      return { case: kase, conn: info, ids };
    }
    case "client-close": {
      c.expectClose = true;
      c.engine.close();
      const got = await reasons([root, admin]);
      await c.settle();
      return { case: kase, conn: info, ids, disconnects: got };
    }
    case "shutdown": {
      c.expectClose = true;
      scn.progress({ ready: true, ids });
      const got = await reasons([root, admin]); // checked by the Go test
      const closed = await withTimeout(c.engineClosed, 10000, "the server did not close the connection");
      return { case: kase, conn: info, ids, disconnects: got, engineClose: closed };
    }
    case "kill": {
      scn.progress({ ready: true, ids });
      await new Promise(() => {}); // until killed (the hard timeout fails it otherwise)
      break;
    }
    case "ping-timeout": {
      c.expectClose = true;
      const e = c.engine;
      const send = e._sendPacket.bind(e);
      let dropped = 0;
      e._sendPacket = (type, ...rest) => {
        if (type === "pong") {
          dropped++;
          return;
        }
        return send(type, ...rest);
      };
      const got = await reasons([root, admin], 20000);
      const closed = await withTimeout(c.engineClosed, 10000, "the connection did not close");
      scn.check(dropped > 0, "no ping arrived, so no pong was dropped");
      return { case: kase, conn: info, ids, disconnects: got, engineClose: closed, droppedPongs: dropped };
    }
    case "parse-error": {
      c.expectClose = true;
      // an EVENT whose payload is not JSON, written as a raw Engine.IO message
      c.engine.send('2["broken"');
      const got = await reasons([root, admin]);
      const closed = await withTimeout(c.engineClosed, 10000, "the connection did not close");
      return { case: kase, conn: info, ids, disconnects: got, engineClose: closed };
    }
    default:
      throw new ScenarioError(`unknown --case=${kase}`);
  }
});
