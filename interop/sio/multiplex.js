// Scenario: two namespaces ("/" and "/admin") multiplexed over one
// connection (one Manager, one Engine.IO session).
//
// Both sockets connect; each gets its own "hello"; acks on each report the
// namespace, socket id, Engine.IO session id and the server's transport.
// The same round runs again after the upgrade (mode "upgrade"), when the
// server must report websocket. "/" then disconnects (the connection stays
// up for "/admin"), and the client closes the connection.
//
// node sio/multiplex.js URL [--transport=MODE]
import { Scenario, connected, call, eq } from "./lib.js";

const scn = new Scenario("multiplex");

scn.run(async () => {
  const c = scn.conn();
  const root = c.socket("/");
  const admin = c.socket("/admin");
  const hellos = { "/": [], "/admin": [] };
  root.on("hello", (n) => hellos["/"].push(n));
  admin.on("hello", (n) => hellos["/admin"].push(n));
  scn.state.hellos = hellos;
  await Promise.all([connected(root), connected(admin)]);
  scn.check(root.io === admin.io, "the two sockets do not share their Manager");

  const round = async (tag) => {
    const [wr] = await call(root, "whoami");
    const [wa] = await call(admin, "whoami");
    scn.check(wr.nsp === "/" && wa.nsp === "/admin", `whoami answered from the wrong namespace`, { wr, wa });
    scn.check(wr.engine === c.engineId && wa.engine === c.engineId, "server sockets are not on the client's Engine.IO session", { wr, wa, engineId: c.engineId });
    scn.check(wr.sid === root.id && wa.sid === admin.id, "server socket ids differ from the client's socket.id", { wr, wa, root: root.id, admin: admin.id });
    scn.check(root.id !== admin.id && root.id !== c.engineId, "socket ids must be distinct from each other and from the session id", { root: root.id, admin: admin.id, engine: c.engineId });
    eq(await call(root, "echo", { tag, n: 1 }), ["/", { tag, n: 1 }], "echo on /");
    eq(await call(admin, "echo", [tag, 2]), ["/admin", [tag, 2]], "echo on /admin");
    root.emit("note", `root-${tag}`);
    admin.emit("note", `admin-${tag}`);
    return { root: wr, admin: wa };
  };
  const first = await round("first");
  await c.waitUpgrade();
  c.assertTransport();
  const second = await round("second");
  const want = scn.mode === "polling" ? "polling" : "websocket";
  scn.check(second.root.transport === want && second.admin.transport === want, `server reports transport ${second.root.transport}, want ${want}`, second);
  eq(hellos, { "/": ["/"], "/admin": ["/admin"] }, "hello events per namespace");

  // the notes above were handled before this ack (one socket's packets are
  // handled in order, and one connection's namespaces share that order)
  eq(await call(admin, "echo", "sync"), ["/admin", "sync"], "sync on /admin");

  // "/" leaves (the connection stays up for "/admin"), then the client
  // closes the connection
  const info = c.info();
  root.expectDisconnect = true;
  root.disconnect();
  eq((await root.gone).reason, "io client disconnect", "client disconnect reason of /");
  scn.check(admin.connected && c.engine.readyState === "open", "disconnecting / closed the connection", c.engine.readyState);
  eq(await call(admin, "echo", "after / left"), ["/admin", "after / left"], "/admin after / left");
  await c.close();
  return { conn: info, rootId: first.root.sid, adminId: first.admin.sid, serverTransports: [first.root.transport, second.root.transport] };
});
